-- Every inspection judgement, for the per-version memo that inspections() filters by date.
select date, framework, area, grade
from inspections
order by date, sort_order;
