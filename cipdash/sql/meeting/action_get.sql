SELECT id, measure_id, rec_id, text, owner, due, status, author, created_at, updated_at, revision
FROM actions WHERE id = :id
