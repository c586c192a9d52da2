-- One measure's monthly figures (with a value) for the teams in $teams, every month,
-- from those teams' blocks of team_observations, by date: read once per measure and
-- teams, and cut at each as-at date in memory (queries.chart_heatmap), so that moving
-- the as-at month on the Teams page reads nothing new for its heat map.
with final as (
    select o.team_id, o.period_end, o.period_type, o.value
    from team_observations as o
    semi join team_keys as k on k.team_key = o.team_key and list_contains($teams, k.team_id)
    where o.measure_id = $measure_id
        and o.period_type = 'month'
        and o.value is not null
)

select team_id, period_end, period_type, value
from final
order by period_end, team_id;
