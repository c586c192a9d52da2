select target_date, target, applies_to, note
from targets
where measure_id = $measure_id
order by target_date, applies_to;
