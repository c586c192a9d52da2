select measure_id, rebase_date, reason from spc_rebase order by measure_id, rebase_date;
