-- The update trails of one subject's actions (a measure's or a recommendation's), oldest first.
SELECT u.id, u.action_id, u.author, u.written_at, u.status, u.text
FROM action_updates u JOIN actions a ON a.id = u.action_id
WHERE (CAST(:measure_id AS TEXT) IS NULL OR a.measure_id = :measure_id)
  AND (CAST(:rec_id AS TEXT) IS NULL OR a.rec_id = :rec_id)
ORDER BY u.id
