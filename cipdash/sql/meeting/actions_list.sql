-- Open actions first, overdue (earliest due) first; then closed ones, latest change first.
SELECT id, measure_id, rec_id, text, owner, due, status, author, created_at, updated_at, revision
FROM actions
WHERE (CAST(:status AS TEXT) IS NULL OR status = :status)
  AND (CAST(:measure_id AS TEXT) IS NULL OR measure_id = :measure_id)
  AND (CAST(:rec_id AS TEXT) IS NULL OR rec_id = :rec_id)
ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END,
         CASE WHEN status = 'open' THEN due ELSE '' END,
         updated_at DESC, id
