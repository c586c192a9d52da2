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

-- The whole authority's latest figures, as latest_figures.sql returns them, for every month
-- end from its first figure to its last (as_at_month): the query, and the dashboard's
-- per-version copy, look the authority up here instead of aggregating its history on each
-- call. Built by latest_figures.sql's own aggregation, month by month; a few thousand rows.
create or replace table authority_latest as
with months as (
    select last_day(m::date) as as_at_month
    from (select min(period_end) as first_end, max(period_end) as last_end
          from authority_observations where value is not null) as b,
        lateral (select unnest(generate_series(date_trunc('month', b.first_end), date_trunc('month', b.last_end),
                                               interval 1 month)) as m)
),

last_two as (
    select
        m.as_at_month,
        a.measure_id,
        a.period_type,
        case a.period_type when 'month' then 1 when 'quarter' then 2 else 3 end as type_rank,
        max_by(a.period_end, a.period_end, 2) as ends,
        max_by(a.value, a.period_end, 2) as vals,
        arg_max_null(a.numerator, a.period_end) as numerator,
        arg_max_null(a.denominator, a.period_end) as denominator
    from months as m
    inner join authority_observations as a on a.period_end <= m.as_at_month and a.value is not null
    group by m.as_at_month, a.measure_id, a.period_type
),

chosen as (
    select
        as_at_month,
        measure_id,
        arg_max({'period_type': period_type, 'ends': ends, 'vals': vals, 'numerator': numerator,
                 'denominator': denominator},
                {'period_end': ends[1], 'shortest': -type_rank}) as chosen
    from last_two
    group by as_at_month, measure_id
),

final as (
    select
        c.as_at_month,
        c.measure_id,
        'ALL' as team_id,
        c.chosen.ends[1] as latest_period_end,
        c.chosen.period_type as period_type,
        c.chosen.vals[1] as latest_value,
        c.chosen.vals[2] as previous_value,
        c.chosen.ends[2] as previous_period_end,
        c.chosen.numerator as numerator,
        c.chosen.denominator as denominator,
        nt.target_date,
        nt.target,
        nt.applies_to as target_applies_to,
        tr.team_min,
        tr.team_max,
        m.name,
        m.unit,
        m.polarity,
        m.tolerance,
        m.sort_order
    from chosen as c
    inner join measures as m on m.measure_id = c.measure_id
    left join next_targets as nt
        on nt.measure_id = c.measure_id
        and nt.period_end = c.chosen.ends[1]
        and nt.scope = 'authority'
    left join team_ranges as tr
        on tr.measure_id = c.measure_id
        and tr.period_end = c.chosen.ends[1]
        and tr.period_type = c.chosen.period_type
)

select * from final
order by as_at_month, sort_order;

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

-- Each team's latest figures, as latest_figures.sql returns them, for every month end from
-- the first team figure to the last (as_at_month), stored month by month and, within a
-- month, team by team: an as-at change on the Teams page reads one month's rows of the
-- chosen teams, where aggregating their whole history cost tens of milliseconds at a
-- million figures. About one row per team figure (a quarterly or annual figure repeats for
-- each month it stays the latest).
create or replace table team_latest as
with steps as (
    -- each figure with a value, with the one before it in its series (team, measure,
    -- period type) and the period end of the one after it (superseded_on)
    select
        team_key,
        measure_id,
        team_id,
        period_end,
        period_type,
        case period_type when 'month' then 1 when 'quarter' then 2 else 3 end as type_rank,
        value,
        numerator,
        denominator,
        lag(value) over series as previous_value,
        lag(period_end) over series as previous_period_end,
        lead(period_end) over series as superseded_on
    from team_observations
    where value is not null
    window series as (partition by team_key, measure_id, period_type order by period_end)
),

last_month as (
    select max(period_end) as last_end from steps
),

-- the month ends at which each figure is its series' latest: from its own period end to
-- the month before the next figure's, or to the last month with a team figure
spans as (
    select
        last_day(unnest(generate_series(
            date_trunc('month', s.period_end),
            date_trunc('month', coalesce(s.superseded_on - interval 1 month, b.last_end)),
            interval 1 month)))::date as as_at_month,
        s.*
    from steps as s, last_month as b
),

-- per month, measure and team: the series with the latest figure; on a tie the shortest
-- period (month, quarter, year)
chosen as (
    select *
    from spans
    qualify row_number() over (partition by as_at_month, team_key, measure_id
                               order by period_end desc, type_rank) = 1
),

final as (
    select
        c.as_at_month,
        c.team_key,
        c.measure_id,
        c.team_id,
        c.period_end as latest_period_end,
        c.period_type,
        c.value as latest_value,
        c.previous_value,
        c.previous_period_end,
        c.numerator,
        c.denominator,
        nt.target_date,
        nt.target,
        nt.applies_to as target_applies_to,
        tr.team_min,
        tr.team_max,
        m.name,
        m.unit,
        m.polarity,
        m.tolerance,
        m.sort_order
    from chosen as c
    inner join measures as m on m.measure_id = c.measure_id
    left join next_targets as nt
        on nt.measure_id = c.measure_id
        and nt.period_end = c.period_end
        and nt.scope = 'team'
    left join team_ranges as tr
        on tr.measure_id = c.measure_id
        and tr.period_end = c.period_end
        and tr.period_type = c.period_type
)

select * from final
order by as_at_month, team_key, sort_order;

-- The whole authority's SPC reading of every measure at every month end, as an overview
-- card shows it (variation, assurance, narrative, and the honest readings that do not
-- depend on the exact as-at day: assurance_withheld, suggested_rebase_date and the fixed
-- baseline's note; `stale` does, so the card works it out). Made empty here and filled at load by
-- store._build_card_readings, in Python: the readings are analysis.read_all's, so the
-- overview's as-at change runs no SPC. The build fingerprint covers that Python too.
create or replace table authority_card_readings (
    as_at_month date not null,
    measure_id varchar not null,
    variation varchar,
    assurance varchar,
    narrative varchar not null,
    assurance_withheld varchar,
    suggested_rebase_date date,
    baseline_note varchar
);
