-- The measures whose SPC limits the plan fixes from a baseline (measures.csv
-- spc_baseline_points): their first N points of each segment set the limits.
select measure_id, spc_baseline_points
from measures
where spc_baseline_points is not null
order by measure_id;
