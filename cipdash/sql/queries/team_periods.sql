-- The periods at which teams have figures for a measure, up to $as_at, newest first
-- (from the team_ranges mart: one row per measure and period, not per team).
select period_end, period_type
from team_ranges
where measure_id = $measure_id
    and period_end <= $as_at
order by period_end desc, period_type;
