-- dbt's `accepted_values` test: a row whose {column} holds a value not in $accepted (a
-- missing value is not_null's business), named by its key.
select {column}::varchar as found, {key}
from {table}
where {column} is not null
    and not list_contains($accepted, {column}::varchar)
limit 1;
