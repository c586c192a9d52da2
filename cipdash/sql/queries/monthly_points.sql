-- The monthly points of every measure for each team in $teams up to $as_at, oldest
-- first: the input to statistical process control.
select measure_id, team_id, period_end, value, numerator, denominator
from observations
where list_contains($teams, team_id)
    and period_type = 'month'
    and period_end <= $as_at
    and value is not null
order by measure_id, team_id, period_end;
