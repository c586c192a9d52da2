-- The plan's measures in plan order, with the recommendations they evidence.
select measure_id, name, unit, polarity, definition, tolerance, sort_order, rec_ids
from measure_list
order by sort_order;
