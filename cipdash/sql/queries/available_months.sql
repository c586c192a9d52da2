-- The month ends a reader can choose as "as at": every period end or rating month held.
select distinct period_end as month_end
from (
    select period_end from observations
    union
    select last_day(as_at) from ratings
)
order by month_end desc;
