-- The plan's measures in plan order, with the recommendations they evidence (and the
-- fixed SPC baseline, if the plan sets one, which the Measures page's SPC view honours).
select measure_id, name, unit, polarity, definition, tolerance, sort_order, rec_ids, spc_baseline_points
from measure_list
order by sort_order;
