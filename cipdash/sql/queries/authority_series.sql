-- Every measure's whole-authority figures up to $as_at (sparklines, narratives, SPC), from
-- the authority_observations mart.
select measure_id, period_end, period_type, value, numerator, denominator
from authority_observations
where period_end <= $as_at
    and value is not null
order by measure_id, period_type, period_end;
