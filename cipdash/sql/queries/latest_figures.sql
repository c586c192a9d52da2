-- Each measure's latest figure on or before $as_at for each team in $teams ('ALL' = whole
-- authority), the figure before it (same period type: "change since the previous
-- period"), its next target and the team range for the same period. Where the latest
-- period end has figures of several period types, the shortest wins (month, quarter,
-- year).
--
-- Both halves are lookups in marts built at load time by that rule for every month end
-- (marts.sql): team_latest for the teams, authority_latest for the whole authority.
-- Period ends are month ends, so the figures on or before $as_at are those on or before
-- the last month end on or before it. DuckDB folds the bound $teams into the plan, so for
-- $teams = ['ALL'] the team rows are never read at all.
with as_at_month as (
    -- the last month end on or before $as_at, but no later than the last team figure
    select least(
        case when $as_at::date = last_day($as_at::date) then $as_at::date
             else last_day($as_at::date - interval 1 month) end,
        (select max(period_end) from team_ranges)) as month_end
),

final as (
    select * exclude (as_at_month, team_key)
    from team_latest
    where array_length(list_distinct(list_concat($teams, ['ALL']))) > 1  -- a team besides ALL: folded
        and as_at_month = (select month_end from as_at_month)
        and list_contains($teams, team_id)
    union all
    -- the whole authority: its row of the authority_latest mart for the last month end on or
    -- before $as_at
    select * exclude (as_at_month)
    from authority_latest
    where list_contains($teams, 'ALL')
        and as_at_month = (select max(as_at_month) from authority_latest where as_at_month <= $as_at)
)

select * from final
order by sort_order, team_id;
