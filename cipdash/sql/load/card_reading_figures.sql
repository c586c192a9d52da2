-- The whole authority's latest figures at every month end (the authority_latest mart),
-- as store._build_card_readings gives them to analysis.card_readings_by_month.
select as_at_month, measure_id, target, target_date, polarity, unit
from authority_latest
