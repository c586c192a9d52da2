-- Marts: tables built at the end of every load from the core tables, so that a page reads
-- only what it shows, whatever the number of figures held (see "Speed" in the README).

-- The whole authority's figures (team ALL) on their own: a few thousand rows whatever the
-- number of teams, so the overview, the recommendation page and the authority line of
-- every chart never scan the team figures.
create or replace table authority_observations as
select measure_id, period_end, period_type, value, numerator, denominator
from observations
where team_id = 'ALL'
order by measure_id, period_type, period_end;

-- Each team's place in one order that keeps a service area's teams together (area, then
-- the plan's team order): team_observations is stored in this order.
create or replace table team_keys as
select
    team_id,
    service_area,
    row_number() over (order by service_area nulls last, sort_order, team_id) as team_key
from teams;

-- Every team figure, stored team by team (by team_key). DuckDB keeps the smallest and
-- largest team_key of each block of rows, so a query that joins the chosen teams' keys
-- reads only those teams' blocks: one team, or one service area, is a few hundred
-- thousand rows at most however many teams the plan has. (observations itself stays in
-- the order the extracts were loaded, which suits one measure or one period.)
create or replace table team_observations as
select k.team_key, o.measure_id, o.team_id, o.period_end, o.period_type, o.value, o.numerator, o.denominator
from observations as o
inner join team_keys as k on k.team_id = o.team_id
order by k.team_key;

-- The next target for each figure's period end, by the data contract's rule:
-- the target with the earliest target_date >= period_end, else the latest target.
-- scope 'authority' reads authority and each_team targets (the authority one wins on a
-- shared date: it was set for this figure); scope 'team' reads each_team targets only.
create or replace table next_targets as
with points as (
    select distinct
        measure_id,
        period_end,
        case when team_id = 'ALL' then 'authority' else 'team' end as scope
    from observations
),

candidates as (
    select
        p.measure_id,
        p.period_end,
        p.scope,
        t.target_date,
        t.target,
        t.applies_to,
        t.note,
        row_number() over (
            partition by p.measure_id, p.period_end, p.scope
            order by
                (t.target_date < p.period_end),                                   -- future (or same day) first
                case when t.target_date >= p.period_end then t.target_date end,   -- the earliest of those
                t.target_date desc,                                               -- else the latest past one
                case when p.scope = 'authority' then t.applies_to <> 'authority'
                     else t.applies_to <> 'each_team' end
        ) as preference
    from points as p
    inner join targets as t
        on t.measure_id = p.measure_id
        and (p.scope = 'authority' or t.applies_to = 'each_team')
),

final as (
    select measure_id, period_end, scope, target_date, target, applies_to, note
    from candidates
    where preference = 1
)

select * from final;

-- Lowest and highest team figure for each measure and period ("teams range from 71.4%
-- to 97.2%"). Team rows only; the authority row is not a team.
create or replace table team_ranges as
with final as (
    select
        measure_id,
        period_end,
        period_type,
        min(value) as team_min,
        max(value) as team_max,
        count(*) as team_count
    from observations
    where team_id <> 'ALL' and value is not null
    group by measure_id, period_end, period_type
)

select * from final;

-- Each measure's latest period, row count and the months missing in its monthly run,
-- for the Data page.
create or replace table measure_coverage as
with monthly as (
    select measure_id, period_end
    from observations
    where team_id = 'ALL' and period_type = 'month'
),

bounds as (
    select measure_id, min(period_end) as first_month, max(period_end) as last_month, count(*) as months
    from monthly
    group by measure_id
),

expected as (
    select b.measure_id, last_day(m.month_start::date) as period_end
    from bounds as b,
        lateral (
            select unnest(generate_series(date_trunc('month', b.first_month), date_trunc('month', b.last_month),
                                          interval 1 month)) as month_start
        ) as m
),

missing as (
    select e.measure_id, string_agg(strftime(e.period_end, '%b %Y'), ', ' order by e.period_end) as missing_months,
        count(*) as missing_count
    from expected as e
    anti join monthly as o on o.measure_id = e.measure_id and o.period_end = e.period_end
    group by e.measure_id
),

totals as (
    select measure_id, count(*) as rows, max(period_end) as latest_period_end,
        count(distinct team_id) filter (where team_id <> 'ALL') as teams
    from observations
    group by measure_id
),

final as (
    select t.measure_id, t.rows, t.teams, t.latest_period_end, b.first_month, b.last_month,
        coalesce(m.missing_count, 0) as missing_count, m.missing_months
    from totals as t
    left join bounds as b using (measure_id)
    left join missing as m using (measure_id)
)

select * from final;
