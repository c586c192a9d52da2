-- The whole authority's latest figures at every month end (the authority_latest mart),
-- as store._build_card_readings gives them to analysis.card_readings_by_month: the
-- latest figure for the honest-reading rules (its status against the target), and the
-- measure's fixed SPC baseline, if the plan sets one.
select a.as_at_month, a.measure_id, a.target, a.target_date, a.polarity, a.unit,
    a.latest_value, a.latest_period_end, a.period_type, m.spc_baseline_points
from authority_latest as a
inner join measures as m on m.measure_id = a.measure_id
