-- Compare the figures staged by this load with those already held.
-- new: a key not held yet; revised: a held key whose figure differs; same: unchanged.
create or replace temp table observation_status as
select
    s.measure_id,
    s.team_id,
    s.period_end,
    s.period_type,
    s.value,
    s.numerator,
    s.denominator,
    s.source_file,
    s.source_line,
    case
        when o.measure_id is null then 'new'
        when s.value is distinct from o.value
            or s.numerator is distinct from o.numerator
            or s.denominator is distinct from o.denominator then 'revised'
        else 'same'
    end as status
from staged_observations as s
left join observations as o
    on o.measure_id = s.measure_id
    and o.team_id = s.team_id
    and o.period_end = s.period_end
    and o.period_type = s.period_type;
