-- One recommendation's ratings up to $as_at, oldest first.
select as_at, implementation, impact, evidence, further_actions
from ratings
where rec_id = $rec_id
    and as_at <= $as_at
order by as_at;
