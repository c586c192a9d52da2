insert into benchmark_revisions
    (measure_id, comparator, period_end, period_type, value, source_file, source_line, load_id, loaded_at,
     replaced_by_load, replaced_at, change)
select
    b.measure_id, b.comparator, b.period_end, b.period_type, b.value,
    b.source_file, b.source_line, b.load_id, l.loaded_at, $load_id, $loaded_at, 'revised'
from benchmarks as b
inner join benchmark_status as s
    on s.measure_id = b.measure_id and s.comparator = b.comparator
    and s.period_end = b.period_end and s.period_type = b.period_type
left join loads as l on l.load_id = b.load_id
where s.status = 'revised';

-- Comparator figures whose rows left every file (see apply_observations.sql).
insert into benchmark_revisions
    (measure_id, comparator, period_end, period_type, value, source_file, source_line, load_id, loaded_at,
     replaced_by_load, replaced_at, change)
select
    w.measure_id, w.comparator, w.period_end, w.period_type, w.value,
    w.source_file, w.source_line, w.load_id, l.loaded_at, $load_id, $loaded_at, 'withdrawn'
from withdrawn_benchmarks as w
left join loads as l on l.load_id = w.load_id;

update benchmark_revisions as r
set returned_by_load = $load_id, returned_at = $loaded_at
from benchmark_status as s
where s.status = 'new' and r.change = 'withdrawn' and r.returned_by_load is null
    and s.measure_id = r.measure_id and s.comparator = r.comparator
    and s.period_end = r.period_end and s.period_type = r.period_type;

delete from benchmarks as b
using benchmark_status as s
where s.status = 'revised'
    and s.measure_id = b.measure_id and s.comparator = b.comparator
    and s.period_end = b.period_end and s.period_type = b.period_type;

delete from benchmarks as b
using withdrawn_benchmarks as w
where w.measure_id = b.measure_id and w.comparator = b.comparator
    and w.period_end = b.period_end and w.period_type = b.period_type;

insert into benchmarks
select measure_id, comparator, period_end, period_type, value, source_file, source_line, $load_id
from benchmark_status
where status in ('new', 'revised');
