SELECT id, action_id, author, written_at, status, text
FROM action_updates WHERE action_id = :action_id ORDER BY id
