-- Every measure and period with team figures (the team_ranges mart: one row per measure and
-- period, not per team), for the per-version memo that team_periods() and
-- measures_with_team_figures() filter.
select measure_id, period_end, period_type
from team_ranges
order by measure_id, period_end desc, period_type;
