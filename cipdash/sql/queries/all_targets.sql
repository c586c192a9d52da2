-- Every target, for the per-version memo that measure_targets filters (one query a load,
-- not one per chart).
select measure_id, target_date, target, applies_to, note
from targets
order by measure_id, target_date, applies_to;
