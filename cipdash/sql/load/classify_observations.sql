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

-- The files are the truth: a figure held whose row is in no file of this load is
-- withdrawn (kept in the revision history, no longer shown).
create or replace temp table withdrawn_observations as
select o.*
from observations as o
anti join observation_status as s
    on s.measure_id = o.measure_id and s.team_id = o.team_id
    and s.period_end = o.period_end and s.period_type = o.period_type;
