-- The whole record, table by table in the order a restore inserts them (parents first).
SELECT id, measure_id, rec_id, month, author, text, written_at, created_at, created_by, revision FROM notes ORDER BY id;
SELECT id, note_id, revision, author, text, written_at, replaced_at, replaced_by FROM note_history ORDER BY id;
SELECT id, measure_id, rec_id, text, owner, due, status, author, created_at, updated_at, revision FROM actions ORDER BY id;
SELECT id, action_id, author, written_at, status, text FROM action_updates ORDER BY id;
SELECT id, rec_id, as_at, implementation, impact, evidence, further_actions, author, created_at, applied_at, applied_by FROM rating_proposals ORDER BY id;
SELECT id, at, actor, action, subject, details FROM audit_log ORDER BY id
