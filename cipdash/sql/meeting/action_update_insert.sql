INSERT INTO action_updates (action_id, author, written_at, status, text)
VALUES (:action_id, :author, :at, :status, :text)
