-- The service area whose teams have the most figures at $as_at (the month latest_month()
-- finds, as team_latest_rows.sql reads it): what the Teams page shows while the scope is
-- the whole authority. A tie goes to the first area in alphabetical order.
select t.service_area
from latest_by_month as l
inner join teams as t on t.team_id = l.team_id
where l.as_at_month = latest_month($as_at::date, false)
    and l.team_key > 0
    and l.latest_value is not null
    and t.service_area is not null
group by t.service_area
order by count(*) desc, t.service_area
limit 1;
