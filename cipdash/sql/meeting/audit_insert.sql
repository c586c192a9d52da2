INSERT INTO audit_log (at, actor, action, subject, details) VALUES (:at, :actor, :action, :subject, :details)
