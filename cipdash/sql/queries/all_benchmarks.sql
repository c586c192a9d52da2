-- Every comparator figure, for the per-version memo that measure_benchmarks filters.
select measure_id, comparator, period_end, period_type, value
from benchmarks
order by measure_id, comparator, period_end;
