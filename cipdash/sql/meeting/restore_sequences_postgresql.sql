-- PostgreSQL only: after rows were inserted with their own ids, the identity columns
-- continue after the highest id (SQLite's AUTOINCREMENT does this by itself).
SELECT setval(pg_get_serial_sequence('notes', 'id'), COALESCE((SELECT MAX(id) FROM notes), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('note_history', 'id'), COALESCE((SELECT MAX(id) FROM note_history), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('actions', 'id'), COALESCE((SELECT MAX(id) FROM actions), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('action_updates', 'id'), COALESCE((SELECT MAX(id) FROM action_updates), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('rating_proposals', 'id'), COALESCE((SELECT MAX(id) FROM rating_proposals), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('audit_log', 'id'), COALESCE((SELECT MAX(id) FROM audit_log), 0) + 1, false)
