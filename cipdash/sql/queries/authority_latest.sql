-- The authority_latest mart whole (every month's latest whole-authority figures), read once
-- per database version and cut in memory by the month authority_month.sql finds.
select *
from authority_latest
order by as_at_month, sort_order;
