-- The figures leaving `observations` in this load go to the revision history first:
-- revised ones (a new value arrives in their place) and withdrawn ones (their rows left
-- every file). One list of both, so the history and the delete below agree.
insert into observation_revisions
    (measure_id, team_id, period_end, period_type, value, numerator, denominator, source_file, source_line,
     load_id, loaded_at, replaced_by_load, replaced_at, change)
with leaving as (
    select o.*, 'revised' as change
    from observations as o
    semi join observation_status as s
        on s.measure_id = o.measure_id and s.team_id = o.team_id
        and s.period_end = o.period_end and s.period_type = o.period_type
        and s.status = 'revised'
    union all by name
    select w.*, 'withdrawn' as change
    from withdrawn_observations as w
)
select
    f.measure_id, f.team_id, f.period_end, f.period_type, f.value, f.numerator, f.denominator,
    f.source_file, f.source_line, f.load_id, l.loaded_at, $load_id, $loaded_at, f.change
from leaving as f
left join loads as l on l.load_id = f.load_id;

-- A withdrawn figure whose row is back: its withdrawal records the load that showed it again.
update observation_revisions as r
set returned_by_load = $load_id, returned_at = $loaded_at
from observation_status as s
where s.status = 'new' and r.change = 'withdrawn' and r.returned_by_load is null
    and s.measure_id = r.measure_id and s.team_id = r.team_id
    and s.period_end = r.period_end and s.period_type = r.period_type;

delete from observations as o
using (
    select measure_id, team_id, period_end, period_type from observation_status where status = 'revised'
    union all
    select measure_id, team_id, period_end, period_type from withdrawn_observations
) as k
where k.measure_id = o.measure_id and k.team_id = o.team_id
    and k.period_end = o.period_end and k.period_type = o.period_type;

insert into observations
select measure_id, team_id, period_end, period_type, value, numerator, denominator,
    source_file, source_line, $load_id
from observation_status
where status in ('new', 'revised');
