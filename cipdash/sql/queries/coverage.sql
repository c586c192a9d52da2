-- What is loaded, per measure, for the Data page.
select m.measure_id, m.name, c.rows, c.teams, c.latest_period_end, c.first_month, c.last_month,
    c.missing_count, c.missing_months
from measures as m
left join measure_coverage as c on c.measure_id = m.measure_id
order by m.sort_order;
