-- One measure's figures up to $as_at for the whole authority and the teams in $teams
-- (every team when $all_teams), with the next target that applies to each figure. The
-- authority's figures come from the authority_observations mart, chosen teams' from their
-- blocks of team_observations; the bound parameters are folded into the plan, so only one
-- of the team branches runs, and none when no team is chosen.
with scoped as (
    select measure_id, 'ALL' as team_id, period_end, period_type, value, numerator, denominator
    from authority_observations
    where measure_id = $measure_id
        and period_end <= $as_at
    union all
    -- every team (the pack): one pass over the team figures
    select measure_id, team_id, period_end, period_type, value, numerator, denominator
    from observations
    where $all_teams
        and measure_id = $measure_id
        and team_id <> 'ALL'
        and period_end <= $as_at
    union all
    -- the chosen teams: only their blocks of team_observations
    select o.measure_id, o.team_id, o.period_end, o.period_type, o.value, o.numerator, o.denominator
    from team_observations as o
    semi join team_keys as k on k.team_key = o.team_key and list_contains($teams, k.team_id)
    where not $all_teams
        and len($teams) > 0  -- no teams chosen: folded, nothing read
        and o.measure_id = $measure_id
        and o.period_end <= $as_at
),

final as (
    select
        s.team_id,
        coalesce(t.team_name, 'Whole authority') as team_name,
        t.service_area,
        s.period_end,
        s.period_type,
        s.value,
        s.numerator,
        s.denominator,
        nt.target_date,
        nt.target,
        t.sort_order
    from scoped as s
    left join teams as t on t.team_id = s.team_id
    left join next_targets as nt
        on nt.measure_id = s.measure_id
        and nt.period_end = s.period_end
        and nt.scope = case when s.team_id = 'ALL' then 'authority' else 'team' end
)

select team_id, team_name, service_area, period_end, period_type, value, numerator, denominator, target_date, target
from final
order by (team_id <> 'ALL'), sort_order, period_type, period_end;
