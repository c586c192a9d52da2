UPDATE rating_proposals SET applied_at = :at, applied_by = :author WHERE id = :id AND applied_at IS NULL
