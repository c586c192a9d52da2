insert into benchmark_revisions
select
    b.measure_id, b.comparator, b.period_end, b.period_type, b.value,
    b.source_file, b.source_line, b.load_id, l.loaded_at, $load_id, $loaded_at
from benchmarks as b
inner join benchmark_status as s
    on s.measure_id = b.measure_id and s.comparator = b.comparator
    and s.period_end = b.period_end and s.period_type = b.period_type
left join loads as l on l.load_id = b.load_id
where s.status = 'revised';

delete from benchmarks as b
using benchmark_status as s
where s.status = 'revised'
    and s.measure_id = b.measure_id and s.comparator = b.comparator
    and s.period_end = b.period_end and s.period_type = b.period_type;

insert into benchmarks
select measure_id, comparator, period_end, period_type, value, source_file, source_line, $load_id
from benchmark_status
where status in ('new', 'revised');
