SELECT id, rec_id, as_at, implementation, impact, evidence, further_actions, author, created_at, applied_at,
       applied_by
FROM rating_proposals WHERE id = :id
