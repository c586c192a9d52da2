-- Changes whenever anything is written: for caches (the report pack) keyed by the record.
SELECT (SELECT COUNT(*) FROM notes) AS notes,
       (SELECT COALESCE(MAX(id), 0) FROM note_history) AS edits,
       (SELECT COALESCE(MAX(id), 0) FROM action_updates) AS action_updates,
       (SELECT COALESCE(MAX(id), 0) FROM rating_proposals) AS proposals,
       (SELECT COUNT(*) FROM rating_proposals WHERE applied_at IS NOT NULL) AS applied
