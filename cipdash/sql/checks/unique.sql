-- dbt's `unique` test, over a key of one or more columns: one key held by more than one row.
-- {table} and {key} are a mart's name and its key columns from marts.toml (names checked
-- against the table's own columns before they are put in).
select {key}, count(*) as rows_with_it
from {table}
group by {key}
having count(*) > 1
limit 1;
