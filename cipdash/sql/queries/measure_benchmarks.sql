-- Comparator figures (England, statistical neighbours, region) for one measure.
select comparator, period_end, period_type, value
from benchmarks
where measure_id = $measure_id
    and period_end <= $as_at
order by comparator, period_end;
