-- Every measure's whole-authority figures with the next target of each, in measure_series'
-- shape: kept per database version so that a chart of the authority alone (the
-- recommendation page, the measures page before teams are chosen) reads no database.
select
    a.measure_id,
    'ALL' as team_id,
    'Whole authority' as team_name,
    cast(null as varchar) as service_area,
    a.period_end,
    a.period_type,
    a.value,
    a.numerator,
    a.denominator,
    nt.target_date,
    nt.target
from authority_observations as a
left join next_targets as nt
    on nt.measure_id = a.measure_id
    and nt.period_end = a.period_end
    and nt.scope = 'authority'
order by a.measure_id, a.period_type, a.period_end;
