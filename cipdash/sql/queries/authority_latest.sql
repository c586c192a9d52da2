-- The whole authority's latest figures at $as_at: the authority_latest mart's rows for the
-- month latest_month() finds (the last month end with figures on or before $as_at), in the
-- plan's order. No rows before the first month.
select *
from authority_latest
where as_at_month = latest_month($as_at::date, true)
order by sort_order;
