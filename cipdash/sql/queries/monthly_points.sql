-- The monthly points of every measure for $team up to $as_at, oldest first: the input
-- to statistical process control.
select measure_id, period_end, value, numerator, denominator
from observations
where team_id = $team
    and period_type = 'month'
    and period_end <= $as_at
    and value is not null
order by measure_id, period_end;
