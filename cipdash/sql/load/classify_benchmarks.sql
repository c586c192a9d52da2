-- As for observations: new, revised or same comparator figures.
create or replace temp table benchmark_status as
select
    s.measure_id,
    s.comparator,
    s.period_end,
    s.period_type,
    s.value,
    s.source_file,
    s.source_line,
    case
        when b.measure_id is null then 'new'
        when s.value is distinct from b.value then 'revised'
        else 'same'
    end as status
from staged_benchmarks as s
left join benchmarks as b
    on b.measure_id = s.measure_id
    and b.comparator = s.comparator
    and b.period_end = s.period_end
    and b.period_type = s.period_type;

create or replace temp table withdrawn_benchmarks as
select b.*
from benchmarks as b
anti join benchmark_status as s
    on s.measure_id = b.measure_id and s.comparator = b.comparator
    and s.period_end = b.period_end and s.period_type = b.period_type;
