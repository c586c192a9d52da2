-- The rows this load checked, typed as the core tables type them: views over the Arrow
-- tables that validation built (registered as observations_frame and benchmarks_frame).
-- The classify step reads them once; nothing is copied before that. A missing figure
-- arrives from pandas as NaN and is stored as NULL (NaN is not "no figure" in SQL).
-- (Not "create table ... as select * from observations limit 0" then an insert from the
-- frame: in DuckDB 2.0, inside a transaction, rows inserted from a Python frame into a
-- table made by CREATE TABLE AS are counted but never returned once there are more than
-- 122,880 of them, so a big load silently stored no figures.)
create or replace temp view staged_observations as
select
    measure_id::varchar as measure_id,
    team_id::varchar as team_id,
    period_end::date as period_end,
    period_type::varchar as period_type,
    nullif(value::double, 'nan'::double) as value,
    nullif(numerator::double, 'nan'::double) as numerator,
    nullif(denominator::double, 'nan'::double) as denominator,
    source_file::varchar as source_file,
    source_line::integer as source_line
from observations_frame;

create or replace temp view staged_benchmarks as
select
    measure_id::varchar as measure_id,
    comparator::varchar as comparator,
    period_end::date as period_end,
    period_type::varchar as period_type,
    nullif(value::double, 'nan'::double) as value,
    source_file::varchar as source_file,
    source_line::integer as source_line
from benchmarks_frame;
