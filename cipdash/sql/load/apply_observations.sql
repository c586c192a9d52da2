-- Keep each figure being replaced in the revision history, then replace it.
insert into observation_revisions
    (measure_id, team_id, period_end, period_type, value, numerator, denominator, source_file, source_line,
     load_id, loaded_at, replaced_by_load, replaced_at, change)
select
    o.measure_id, o.team_id, o.period_end, o.period_type, o.value, o.numerator, o.denominator,
    o.source_file, o.source_line, o.load_id, l.loaded_at, $load_id, $loaded_at, 'revised'
from observations as o
inner join observation_status as s
    on s.measure_id = o.measure_id and s.team_id = o.team_id
    and s.period_end = o.period_end and s.period_type = o.period_type
left join loads as l on l.load_id = o.load_id
where s.status = 'revised';

-- Figures whose rows left every file: kept in the history as withdrawn by this load.
insert into observation_revisions
    (measure_id, team_id, period_end, period_type, value, numerator, denominator, source_file, source_line,
     load_id, loaded_at, replaced_by_load, replaced_at, change)
select
    w.measure_id, w.team_id, w.period_end, w.period_type, w.value, w.numerator, w.denominator,
    w.source_file, w.source_line, w.load_id, l.loaded_at, $load_id, $loaded_at, 'withdrawn'
from withdrawn_observations as w
left join loads as l on l.load_id = w.load_id;

-- A withdrawn figure whose row is back: its withdrawal records the load that showed it again.
update observation_revisions as r
set returned_by_load = $load_id, returned_at = $loaded_at
from observation_status as s
where s.status = 'new' and r.change = 'withdrawn' and r.returned_by_load is null
    and s.measure_id = r.measure_id and s.team_id = r.team_id
    and s.period_end = r.period_end and s.period_type = r.period_type;

delete from observations as o
using observation_status as s
where s.status = 'revised'
    and s.measure_id = o.measure_id and s.team_id = o.team_id
    and s.period_end = o.period_end and s.period_type = o.period_type;

delete from observations as o
using withdrawn_observations as w
where w.measure_id = o.measure_id and w.team_id = o.team_id
    and w.period_end = o.period_end and w.period_type = o.period_type;

insert into observations
select measure_id, team_id, period_end, period_type, value, numerator, denominator,
    source_file, source_line, $load_id
from observation_status
where status in ('new', 'revised');
