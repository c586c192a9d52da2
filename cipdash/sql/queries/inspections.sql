select date, framework, area, grade
from inspections
where date <= $as_at
order by date, sort_order;
