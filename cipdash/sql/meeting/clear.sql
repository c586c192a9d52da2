-- Emptying the record before a restore --replace (children first), in the restore's transaction.
DELETE FROM action_updates;
DELETE FROM actions;
DELETE FROM note_history;
DELETE FROM notes;
DELETE FROM rating_proposals;
DELETE FROM audit_log
