SELECT id, at, actor, action, subject, details FROM audit_log ORDER BY id
