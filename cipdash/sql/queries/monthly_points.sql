-- The monthly points of every measure (or only $measure_id, when given) for each team in
-- $teams up to $as_at, oldest first: the input to statistical process control. The whole
-- authority's points come from the authority_observations mart ($teams is folded into
-- the plan, so ['ALL'] never scans the team figures).
with final as (
    select measure_id, 'ALL' as team_id, period_end, value, numerator, denominator
    from authority_observations
    where list_contains($teams, 'ALL')
        and ($measure_id is null or measure_id = $measure_id)
        and period_type = 'month'
        and period_end <= $as_at
        and value is not null
    union all
    select measure_id, team_id, period_end, value, numerator, denominator
    from observations
    where array_length(list_distinct(list_concat($teams, ['ALL']))) > 1  -- a team besides ALL: folded
        and team_id <> 'ALL'
        and list_contains($teams, team_id)
        and ($measure_id is null or measure_id = $measure_id)
        and period_type = 'month'
        and period_end <= $as_at
        and value is not null
)

select * from final
order by measure_id, team_id, period_end;
