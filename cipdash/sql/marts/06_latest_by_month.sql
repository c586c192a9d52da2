-- Mart latest_by_month: each team's and the whole authority's latest figure of every measure,
-- at every month end, with the figure before it, its next target and the team range.
-- Rule (the data contract's, and the only place it is written): a series' latest figure on
-- or before a date is the one with the latest period end; where several period types share
-- that period end, the shortest wins (month, then quarter, then year). "The figure before it"
-- is the previous figure of the same period type.
-- Everything that shows a latest figure reads it here: latest_figures.sql (summary --json,
-- the pages), team_latest_rows.sql (the Teams page), latest_periods.sql (the pack's sentences)
-- and the authority_latest slice.
-- Months: from each series' first figure to the last month with a figure of its kind (the
-- authority's last figure for team ALL, the last team figure for the teams), stored month by
-- month and, within a month, team by team (team_key; 0 = the whole authority): an as-at
-- change reads one month's rows of the chosen teams. About one row per figure (a quarterly
-- or annual figure repeats for each month it stays the latest).
-- Key: as_at_month, team_id, measure_id.
-- Built over numbers (team_key, measure_key, type_rank): the windows sort a million figures,
-- and DuckDB sorts a few numbers a row several times faster than rows carrying the ids and
-- names as text; the text is joined back on at the end.

create or replace table latest_by_month as
with measure_keys as (
    -- each measure as a small number (and its attributes, joined back on in final)
    select measure_id, name, unit, polarity, tolerance, sort_order,
        row_number() over (order by measure_id) as measure_key
    from measures
),

keyed as (
    select
        case when o.team_id = 'ALL' then 0 else k.team_key end as team_key,
        mk.measure_key,  -- null: a measure not in the plan (left out of the mart, as in final)
        case o.period_type when 'month' then 1 when 'quarter' then 2 else 3 end as type_rank,
        o.period_end,    -- a month end (date)
        o.value,         -- in the measure's unit
        o.numerator,     -- a count of cases
        o.denominator    -- a count of cases
    from observations as o
    left join team_keys as k on k.team_id = o.team_id
    left join measure_keys as mk on mk.measure_id = o.measure_id
    where o.value is not null
        and (o.team_id = 'ALL' or k.team_key is not null)
),

last_months as (
    -- the last period end with a figure, for the whole authority and for the teams apart
    select team_key = 0 as is_authority, max(period_end) as last_end
    from keyed
    group by all
),

steps as (
    -- each figure with the one before it in its series (team, measure, period type) and the
    -- period end of the one after it (superseded_on): one window per team and measure, its
    -- series one after another (month, then quarter, then year), so the neighbouring row is
    -- the same series' when its type_rank is the same. mixed: the measure has figures of
    -- more than one period type for this team, so two may be the latest at one month end.
    select
        *,
        case when lag(type_rank) over series = type_rank then lag(value) over series end as previous_value,
        case when lag(type_rank) over series = type_rank then lag(period_end) over series end
            as previous_period_end,
        case when lead(type_rank) over series = type_rank then lead(period_end) over series end
            as superseded_on,
        first_value(type_rank) over team_measure <> last_value(type_rank) over team_measure as mixed
    from keyed
    where measure_key is not null
    window series as (partition by team_key, measure_key order by type_rank, period_end),
        team_measure as (partition by team_key, measure_key order by type_rank, period_end
                         rows between unbounded preceding and unbounded following)
),

spans as (
    -- the month ends at which each figure is its series' latest: from its own period end to
    -- the month before the next figure's, or to the last month of its kind
    select
        last_day(unnest(generate_series(
            date_trunc('month', s.period_end),
            date_trunc('month', coalesce(s.superseded_on - interval 1 month, b.last_end)),
            interval 1 month)))::date as as_at_month,
        s.*
    from steps as s
    inner join last_months as b on b.is_authority = (s.team_key = 0)
),

chosen as (
    -- per month, team and measure: the latest figure; on a tie the shortest period. Only
    -- where period types are mixed can there be more than one to choose from.
    select * from spans
    where not mixed
    union all
    select * from spans
    where mixed
    qualify row_number() over (partition by as_at_month, team_key, measure_key
                               order by period_end desc, type_rank) = 1
),

final as (
    select
        c.as_at_month,
        c.team_key,
        m.measure_id,
        coalesce(k.team_id, 'ALL') as team_id,  -- team_key 0 is the whole authority
        c.period_end as latest_period_end,
        case c.type_rank when 1 then 'month' when 2 then 'quarter' else 'year' end as period_type,
        c.value as latest_value,          -- in the measure's unit
        c.previous_value,                 -- in the measure's unit
        c.previous_period_end,
        c.numerator,
        c.denominator,
        nt.target_date,
        nt.target,                        -- in the measure's unit
        nt.applies_to as target_applies_to,
        tr.team_min,                      -- in the measure's unit
        tr.team_max,                      -- in the measure's unit
        m.name,
        m.unit,
        m.polarity,
        m.tolerance,                      -- in the measure's unit
        m.sort_order
    from chosen as c
    inner join measure_keys as m on m.measure_key = c.measure_key
    left join team_keys as k on k.team_key = c.team_key
    left join next_targets as nt
        on nt.measure_id = m.measure_id
        and nt.period_end = c.period_end
        and nt.scope = case when c.team_key = 0 then 'authority' else 'team' end
    left join team_ranges as tr
        on tr.measure_id = m.measure_id
        and tr.period_end = c.period_end
        and tr.period_type = case c.type_rank when 1 then 'month' when 2 then 'quarter' else 'year' end
)

select * from final
order by as_at_month, team_key, sort_order;

-- The month ends latest_by_month holds, for the whole authority and for the teams apart: what
-- latest_month() looks an as-at date up in (a few hundred rows).
-- Key: of_authority, as_at_month.
create or replace table latest_months as
with final as (
    select distinct team_key = 0 as of_authority, as_at_month
    from latest_by_month
)

select * from final
order by of_authority, as_at_month;

-- Which month of latest_by_month holds the latest figures at a date: the last month end on
-- or before it that the mart holds (for the authority, or for the teams); null before the
-- first figure. Period ends are month ends, so the figures on or before a date are those on
-- or before that month end; after the last figure its month stays the latest.
create or replace macro latest_month(on_date, for_authority) as (
    select max(m.as_at_month)
    from latest_months as m
    where m.of_authority = for_authority and m.as_at_month <= on_date
);
