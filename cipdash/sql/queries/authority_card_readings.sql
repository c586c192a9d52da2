-- Every month end's whole-authority card readings (built at load: store._build_card_readings).
select as_at_month, measure_id, variation, assurance, narrative,
    assurance_withheld, suggested_rebase_date, baseline_note
from authority_card_readings
order by as_at_month, measure_id;
