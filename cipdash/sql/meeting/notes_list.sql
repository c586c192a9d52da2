SELECT id, measure_id, rec_id, month, author, text, written_at, created_at, created_by, revision
FROM notes
WHERE (CAST(:month AS TEXT) IS NULL OR month = :month)
  AND (CAST(:measure_id AS TEXT) IS NULL OR measure_id = :measure_id)
  AND (CAST(:rec_id AS TEXT) IS NULL OR rec_id = :rec_id)
ORDER BY month, id
