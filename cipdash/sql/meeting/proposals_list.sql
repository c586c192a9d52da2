SELECT id, rec_id, as_at, implementation, impact, evidence, further_actions, author, created_at, applied_at,
       applied_by
FROM rating_proposals
WHERE (CAST(:rec_id AS TEXT) IS NULL OR rec_id = :rec_id)
ORDER BY id DESC
