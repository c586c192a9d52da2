-- The readings worked out in Python (store._build_card_readings), into their mart.
insert into authority_card_readings
select as_at_month, measure_id, variation, assurance, narrative,
    assurance_withheld, suggested_rebase_date, baseline_note
from readings_frame
order by as_at_month, measure_id
