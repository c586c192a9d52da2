-- Figures that a later load replaced or withdrew (their rows left every file), newest
-- first, beside the figure shown now (none where it is still withdrawn).
select
    r.measure_id,
    r.team_id,
    r.period_end,
    r.period_type,
    r.value as earlier_value,
    o.value as current_value,
    r.source_file as earlier_file,
    r.loaded_at as earlier_loaded_at,
    o.source_file as current_file,
    r.replaced_at,
    coalesce(r.change, 'revised') as change,
    r.replaced_by_load,
    r.returned_by_load
from observation_revisions as r
left join observations as o
    on o.measure_id = r.measure_id and o.team_id = r.team_id
    and o.period_end = r.period_end and o.period_type = r.period_type
order by r.replaced_at desc, r.measure_id, r.team_id, r.period_end
limit 1000;
