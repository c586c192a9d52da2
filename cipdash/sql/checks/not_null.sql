-- dbt's `not_null` test: a row without {column}, named by its key.
select {key}
from {table}
where {column} is null
limit 1;
