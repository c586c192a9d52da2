UPDATE notes SET author = :author, text = :text, written_at = :at, revision = revision + 1
WHERE id = :id AND revision = :revision
