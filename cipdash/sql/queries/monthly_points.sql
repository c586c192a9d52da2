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
    select o.measure_id, o.team_id, o.period_end, o.value, o.numerator, o.denominator
    from team_observations as o
    semi join team_keys as k on k.team_key = o.team_key and list_contains($teams, k.team_id)
    where array_length(list_distinct(list_concat($teams, ['ALL']))) > 1  -- a team besides ALL: folded
        and ($measure_id is null or o.measure_id = $measure_id)
        and o.period_type = 'month'
        and o.period_end <= $as_at
        and o.value is not null
)

select * from final
order by measure_id, team_id, period_end;
