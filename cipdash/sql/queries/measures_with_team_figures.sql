-- Measures that have team figures on or before $as_at (the league and heat map need them).
select m.measure_id, m.name
from measures as m
where exists (
    select 1 from team_ranges as tr
    where tr.measure_id = m.measure_id and tr.period_end <= $as_at
)
order by m.sort_order;
