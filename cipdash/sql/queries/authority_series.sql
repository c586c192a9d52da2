-- Every measure's whole-authority figures up to $as_at (sparklines, narratives, SPC).
select measure_id, period_end, period_type, value, numerator, denominator
from observations
where team_id = 'ALL'
    and period_end <= $as_at
    and value is not null
order by measure_id, period_type, period_end;
