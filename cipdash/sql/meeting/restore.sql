-- One INSERT per table, in backup.sql's order, ids kept (so history and updates still point at their rows).
INSERT INTO notes (id, measure_id, rec_id, month, author, text, written_at, created_at, created_by, revision) VALUES (:id, :measure_id, :rec_id, :month, :author, :text, :written_at, :created_at, :created_by, :revision);
INSERT INTO note_history (id, note_id, revision, author, text, written_at, replaced_at, replaced_by) VALUES (:id, :note_id, :revision, :author, :text, :written_at, :replaced_at, :replaced_by);
INSERT INTO actions (id, measure_id, rec_id, text, owner, due, status, author, created_at, updated_at, revision) VALUES (:id, :measure_id, :rec_id, :text, :owner, :due, :status, :author, :created_at, :updated_at, :revision);
INSERT INTO action_updates (id, action_id, author, written_at, status, text) VALUES (:id, :action_id, :author, :written_at, :status, :text);
INSERT INTO rating_proposals (id, rec_id, as_at, implementation, impact, evidence, further_actions, author, created_at, applied_at, applied_by) VALUES (:id, :rec_id, :as_at, :implementation, :impact, :evidence, :further_actions, :author, :created_at, :applied_at, :applied_by);
INSERT INTO audit_log (id, at, actor, action, subject, details) VALUES (:id, :at, :actor, :action, :subject, :details)
