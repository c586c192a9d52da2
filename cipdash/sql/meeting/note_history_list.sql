SELECT note_id, revision, author, text, written_at, replaced_at, replaced_by
FROM note_history WHERE note_id = :note_id ORDER BY revision DESC
