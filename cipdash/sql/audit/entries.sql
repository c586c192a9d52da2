-- Newest first; :limit < 0 means every row.
select id, at, who, role, action, outcome, detail, source
from audit_log
order by id desc
limit :limit
