INSERT INTO notes (measure_id, rec_id, month, author, text, written_at, created_at, created_by, revision)
VALUES (:measure_id, :rec_id, :month, :author, :text, :at, :at, :author, 1)
RETURNING id
