-- Mart authority_latest: the whole authority's rows of latest_by_month (team ALL).
-- Rule: none of its own (the latest-figure rule is latest_by_month's); stored apart so that
-- the dashboard's per-version copy of the authority's latest figures reads a few thousand
-- rows, not every team's.
-- Key: as_at_month, measure_id.

create or replace table authority_latest as
with final as (
    select * exclude (team_key)
    from latest_by_month
    where team_key = 0
)

select * from final
order by as_at_month, sort_order;
