insert into audit_log (at, who, role, action, outcome, detail, source)
values (:at, :who, :role, :action, :outcome, :detail, :source)
