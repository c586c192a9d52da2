-- What the pages and the command line read: views over the core tables and marts.
-- Nothing here changes a figure; names are the users' words.

-- Every figure with its team and the next target that applies to it.
create or replace view figures as
select
    o.measure_id,
    o.team_id,
    coalesce(t.team_name, 'Whole authority') as team_name,
    t.service_area,
    o.period_end,
    o.period_type,
    o.value,
    o.numerator,
    o.denominator,
    nt.target_date,
    nt.target,
    nt.applies_to as target_applies_to
from observations as o
left join teams as t on t.team_id = o.team_id
left join next_targets as nt
    on nt.measure_id = o.measure_id
    and nt.period_end = o.period_end
    and nt.scope = case when o.team_id = 'ALL' then 'authority' else 'team' end;

-- Measures with the recommendations they evidence (';'-separated, plan order).
create or replace view measure_list as
with links as (
    select mr.measure_id, string_agg(mr.rec_id, ';' order by r.sort_order) as rec_ids
    from measure_recommendations as mr
    inner join recommendations as r on r.rec_id = mr.rec_id
    group by mr.measure_id
)

select m.*, l.rec_ids
from measures as m
left join links as l on l.measure_id = m.measure_id;

-- The load log, newest first, with each file.
create or replace view load_log as
select l.load_id, l.loaded_at, f.file, f.sha256, f.rows, l.rows_added, l.rows_revised, l.plan_changed,
    l.rows_withdrawn
from loads as l
inner join load_files as f on f.load_id = l.load_id;
