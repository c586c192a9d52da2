-- The text an edit replaces, kept with who wrote it and when, and who replaced it when.
INSERT INTO note_history (note_id, revision, author, text, written_at, replaced_at, replaced_by)
SELECT id, revision, author, text, written_at, :at, :author
FROM notes WHERE id = :id AND revision = :revision
