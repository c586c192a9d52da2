SELECT id, measure_id, rec_id, month, author, text, written_at, created_at, created_by, revision
FROM notes WHERE id = :id
