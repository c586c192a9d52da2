-- The whole authority's figures with a value: the SPC input of the card readings.
select measure_id, period_end, period_type, value
from authority_observations
where value is not null
