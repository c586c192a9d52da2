INSERT INTO actions (measure_id, rec_id, text, owner, due, status, author, created_at, updated_at, revision)
VALUES (:measure_id, :rec_id, :text, :owner, :due, :status, :author, :at, :at, 1)
RETURNING id
