-- The authority_latest mart whole (every month's latest whole-authority figures), for the
-- dashboard's per-version copy: an as-at change then looks the authority up in memory.
select *
from authority_latest
order by as_at_month, sort_order;
