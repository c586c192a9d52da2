UPDATE actions SET status = :status, updated_at = :at, revision = revision + 1
WHERE id = :id AND (CAST(:revision AS INTEGER) IS NULL OR revision = :revision)
