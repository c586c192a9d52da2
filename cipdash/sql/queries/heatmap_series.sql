-- The heat map's figures: one measure's monthly figures for the teams in $teams in the
-- $months most recent months (with a figure) up to $as_at, from those teams' blocks of
-- team_observations: a few hundred rows, where the whole series would be thousands.
with monthly as (
    select o.team_id, o.period_end, o.period_type, o.value
    from team_observations as o
    semi join team_keys as k on k.team_key = o.team_key and list_contains($teams, k.team_id)
    where o.measure_id = $measure_id
        and o.period_type = 'month'
        and o.period_end <= $as_at
        and o.value is not null
),

recent as (
    select distinct period_end
    from monthly
    order by period_end desc
    limit $months
)

select m.team_id, m.period_end, m.period_type, m.value
from monthly as m
semi join recent as r on r.period_end = m.period_end
order by m.team_id, m.period_end;
