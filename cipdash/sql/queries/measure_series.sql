-- One measure's figures up to $as_at for the whole authority and the teams in $teams
-- (every team when $all_teams),
-- with the next target that applies to each figure.
select
    f.team_id,
    f.team_name,
    f.service_area,
    f.period_end,
    f.period_type,
    f.value,
    f.numerator,
    f.denominator,
    f.target_date,
    f.target
from figures as f
left join teams as t on t.team_id = f.team_id
where f.measure_id = $measure_id
    and f.period_end <= $as_at
    and (f.team_id = 'ALL' or $all_teams or list_contains($teams, f.team_id))
order by (f.team_id <> 'ALL'), t.sort_order, f.period_type, f.period_end;
