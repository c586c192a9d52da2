-- Keep each figure being replaced in the revision history, then replace it.
insert into observation_revisions
select
    o.measure_id, o.team_id, o.period_end, o.period_type, o.value, o.numerator, o.denominator,
    o.source_file, o.source_line, o.load_id, l.loaded_at, $load_id, $loaded_at
from observations as o
inner join observation_status as s
    on s.measure_id = o.measure_id and s.team_id = o.team_id
    and s.period_end = o.period_end and s.period_type = o.period_type
left join loads as l on l.load_id = o.load_id
where s.status = 'revised';

delete from observations as o
using observation_status as s
where s.status = 'revised'
    and s.measure_id = o.measure_id and s.team_id = o.team_id
    and s.period_end = o.period_end and s.period_type = o.period_type;

insert into observations
select measure_id, team_id, period_end, period_type, value, numerator, denominator,
    source_file, source_line, $load_id
from observation_status
where status in ('new', 'revised');
