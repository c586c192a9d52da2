select load_id, loaded_at, file, sha256, rows, rows_added, rows_revised, rows_withdrawn, plan_changed
from load_log
order by load_id desc, file;
