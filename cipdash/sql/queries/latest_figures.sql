-- Each measure's latest figure on or before $as_at for each team in $teams ('ALL' = whole
-- authority), the figure before it (same period type: "change since the previous
-- period"), its next target and the team range for the same period: the rows of the
-- latest_by_month mart (marts/06_latest_by_month.sql, where the rule is written) for the
-- month latest_month() finds. DuckDB folds the bound $teams into the plan, so for
-- $teams = ['ALL'] the team rows are never read at all.
with final as (
    select * exclude (as_at_month, team_key)
    from latest_by_month
    where array_length(list_distinct(list_concat($teams, ['ALL']))) > 1  -- a team besides ALL: folded
        and as_at_month = latest_month($as_at::date, false)
        and list_contains($teams, team_id)
        and team_key > 0
    union all
    -- the whole authority: from its slice of the mart
    select * exclude (as_at_month)
    from authority_latest
    where list_contains($teams, 'ALL')
        and as_at_month = latest_month($as_at::date, true)
)

select * from final
order by sort_order, team_id;
