-- As for observations: new, revised or same comparator figures, and those withdrawn.
create or replace temp table benchmark_status as
select
    s.measure_id, s.comparator, s.period_end, s.period_type, s.value, s.source_file, s.source_line,
    case
        when b.measure_id is null then 'new'
        when s.value is distinct from b.value then 'revised'
        else 'same'
    end as status
from staged_benchmarks as s
left join benchmarks as b using (measure_id, comparator, period_end, period_type);

create or replace temp table withdrawn_benchmarks as
select b.*
from benchmarks as b
anti join benchmark_status as s using (measure_id, comparator, period_end, period_type);
