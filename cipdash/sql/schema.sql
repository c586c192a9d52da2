-- Core tables: what a load writes. Figures are in the measure's own unit
-- (percent as 0-100, weeks, days, count, rate per 10,000, number).
-- Created only when missing, so an existing database keeps its history.

create table if not exists plan_info (
    key varchar,
    value varchar
);

create table if not exists recommendations (
    rec_id varchar,
    title varchar,
    source varchar,
    aim varchar,
    lead varchar,
    sort_order integer
);

-- RAG judgements: R, A or G; impact null = not yet judged.
create table if not exists ratings (
    rec_id varchar,
    as_at date,
    implementation varchar,
    impact varchar,
    evidence varchar,
    further_actions varchar
);

create table if not exists measures (
    measure_id varchar,
    name varchar,
    unit varchar,          -- percent | weeks | days | count | rate | number
    polarity varchar,      -- higher_better | lower_better | neutral (neither is better: no target)
    definition varchar,
    tolerance double,      -- width of the amber band, in the measure's unit; null = met / not met only
    sort_order integer,
    spc_baseline_points integer  -- SPC limits from each segment's first N points; null = all points
);
-- A database made before fixed SPC baselines: the same column, at the same (last) place.
alter table measures add column if not exists spc_baseline_points integer;

create table if not exists measure_recommendations (
    measure_id varchar,
    rec_id varchar
);

create table if not exists targets (
    measure_id varchar,
    target_date date,
    target double,
    applies_to varchar,    -- authority | each_team
    note varchar
);

create table if not exists teams (
    team_id varchar,
    team_name varchar,
    service_area varchar,
    head_of_service varchar,
    sort_order integer
);

create table if not exists inspections (
    date date,
    framework varchar,
    area varchar,
    grade varchar,
    sort_order integer
);

-- Dates at which a measure's SPC limits restart (a new process going live).
create table if not exists spc_rebase (
    measure_id varchar,
    rebase_date date,
    reason varchar
);

-- One figure per measure, team ('ALL' = whole authority), period end and period type.
create table if not exists observations (
    measure_id varchar,
    team_id varchar,
    period_end date,
    period_type varchar,   -- month | quarter | year
    value double,
    numerator double,
    denominator double,
    source_file varchar,
    source_line integer,
    load_id integer
);

-- Every figure a later load replaced: nothing loaded is ever silently lost.
create table if not exists observation_revisions (
    measure_id varchar,
    team_id varchar,
    period_end date,
    period_type varchar,
    value double,
    numerator double,
    denominator double,
    source_file varchar,
    source_line integer,
    load_id integer,           -- the load that brought this figure in
    loaded_at timestamp,
    replaced_by_load integer,  -- the load that replaced (or withdrew) it
    replaced_at timestamp,
    change varchar default 'revised',  -- revised | withdrawn (its row left every file)
    returned_by_load integer,  -- a withdrawn figure whose row came back: the load that showed it again
    returned_at timestamp
);

create table if not exists benchmarks (
    measure_id varchar,
    comparator varchar,        -- England, Statistical neighbours, a region...
    period_end date,
    period_type varchar,
    value double,
    source_file varchar,
    source_line integer,
    load_id integer
);

create table if not exists benchmark_revisions (
    measure_id varchar,
    comparator varchar,
    period_end date,
    period_type varchar,
    value double,
    source_file varchar,
    source_line integer,
    load_id integer,
    loaded_at timestamp,
    replaced_by_load integer,
    replaced_at timestamp,
    change varchar default 'revised',
    returned_by_load integer,
    returned_at timestamp
);

-- A database made before figures could be withdrawn: the same columns, its history all
-- revisions.
alter table observation_revisions add column if not exists change varchar default 'revised';
alter table observation_revisions add column if not exists returned_by_load integer;
alter table observation_revisions add column if not exists returned_at timestamp;
alter table benchmark_revisions add column if not exists change varchar default 'revised';
alter table benchmark_revisions add column if not exists returned_by_load integer;
alter table benchmark_revisions add column if not exists returned_at timestamp;

-- Plan rows (ratings, targets, ...) that a later plan changed or dropped, as JSON.
create table if not exists plan_revisions (
    table_name varchar,
    row_json varchar,
    replaced_by_load integer,
    replaced_at timestamp
);

create table if not exists loads (
    load_id integer,
    loaded_at timestamp,
    plan_dir varchar,
    data_dir varchar,
    rows_added bigint,
    rows_revised bigint,
    rows_unchanged bigint,
    plan_changed boolean,
    rows_withdrawn bigint default 0  -- figures whose rows left every file
);
alter table loads add column if not exists rows_withdrawn bigint default 0;

create table if not exists load_files (
    load_id integer,
    file varchar,
    sha256 varchar,
    rows bigint,
    loaded_at timestamp
);

-- Which stored schema the database was built with: a sha256 of the tokens (comments and
-- layout aside) of schema.sql, sql/marts/ and views.sql (sqlfiles.build_fingerprint), and of
-- nothing in Python: readers refuse a database whose schema differs, while a code change
-- that keeps the schema leaves it readable. A load that brings nothing new still rebuilds
-- the marts and views when the schema has changed since, so a new view is there after it.
create table if not exists build_info (
    key varchar,
    value varchar
);
