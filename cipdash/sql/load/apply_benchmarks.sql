-- As apply_observations.sql: revised and withdrawn comparator figures to the history, then out.
insert into benchmark_revisions
    (measure_id, comparator, period_end, period_type, value, source_file, source_line, load_id, loaded_at,
     replaced_by_load, replaced_at, change)
with leaving as (
    select b.*, 'revised' as change
    from benchmarks as b
    semi join benchmark_status as s
        on s.measure_id = b.measure_id and s.comparator = b.comparator
        and s.period_end = b.period_end and s.period_type = b.period_type
        and s.status = 'revised'
    union all by name
    select w.*, 'withdrawn' as change
    from withdrawn_benchmarks as w
)
select
    f.measure_id, f.comparator, f.period_end, f.period_type, f.value,
    f.source_file, f.source_line, f.load_id, l.loaded_at, $load_id, $loaded_at, f.change
from leaving as f
left join loads as l on l.load_id = f.load_id;

update benchmark_revisions as r
set returned_by_load = $load_id, returned_at = $loaded_at
from benchmark_status as s
where s.status = 'new' and r.change = 'withdrawn' and r.returned_by_load is null
    and s.measure_id = r.measure_id and s.comparator = r.comparator
    and s.period_end = r.period_end and s.period_type = r.period_type;

delete from benchmarks as b
using (
    select measure_id, comparator, period_end, period_type from benchmark_status where status = 'revised'
    union all
    select measure_id, comparator, period_end, period_type from withdrawn_benchmarks
) as k
where k.measure_id = b.measure_id and k.comparator = b.comparator
    and k.period_end = b.period_end and k.period_type = b.period_type;

insert into benchmarks
select measure_id, comparator, period_end, period_type, value, source_file, source_line, $load_id
from benchmark_status
where status in ('new', 'revised');
