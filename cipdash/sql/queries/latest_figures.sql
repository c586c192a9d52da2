-- Each measure's latest figure on or before $as_at for each team in $teams ('ALL' = whole
-- authority), the figure before it (same period type: "change since the previous
-- period"), its next target and the team range for the same period. Where the latest
-- period end has figures of several period types, the shortest wins (month, quarter,
-- year).
--
-- One pass and two small aggregates: each series' last two figures come from max_by(..., 2)
-- rather than joins back to the figures; the teams' figures come from team_observations,
-- reading only the blocks of the chosen teams' keys. The whole authority's latest figures
-- are looked up in the authority_latest mart, built at load time by the same aggregation
-- for every month. DuckDB folds the bound $teams into the plan, so for $teams = ['ALL']
-- the team figures are never read at all.
with scoped as (
    select o.measure_id, o.team_id, o.period_end, o.period_type, o.value, o.numerator, o.denominator
    from team_observations as o
    semi join team_keys as k on k.team_key = o.team_key and list_contains($teams, k.team_id)
    where array_length(list_distinct(list_concat($teams, ['ALL']))) > 1  -- a team besides ALL: folded
        and o.period_end <= $as_at
        and o.value is not null
),

-- The last two figures of each series (measure, team, period type), newest first. Scalars,
-- not a struct, to aggregate (twice as fast); period ends are unique within a series, so
-- the two lists line up. arg_max_null, unlike arg_max, keeps a missing numerator missing.
last_two as (
    select
        measure_id,
        team_id,
        period_type,
        case period_type when 'month' then 1 when 'quarter' then 2 else 3 end as type_rank,
        max_by(period_end, period_end, 2) as ends,
        max_by(value, period_end, 2) as vals,
        arg_max_null(numerator, period_end) as numerator,
        arg_max_null(denominator, period_end) as denominator
    from scoped
    group by measure_id, team_id, period_type
),

-- Per measure and team: the series with the latest figure; on a tie the shortest period
-- (an aggregate, not a window: cheaper on a few rows).
latest as (
    select
        measure_id,
        team_id,
        arg_max({'period_type': period_type, 'ends': ends, 'vals': vals, 'numerator': numerator,
                 'denominator': denominator},
                {'period_end': ends[1], 'shortest': -type_rank}) as chosen
    from last_two
    group by measure_id, team_id
),

final as (
    select
        l.measure_id,
        l.team_id,
        l.chosen.ends[1] as latest_period_end,
        l.chosen.period_type as period_type,
        l.chosen.vals[1] as latest_value,
        l.chosen.vals[2] as previous_value,
        l.chosen.ends[2] as previous_period_end,
        l.chosen.numerator as numerator,
        l.chosen.denominator as denominator,
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
    from latest as l
    inner join measures as m on m.measure_id = l.measure_id
    left join next_targets as nt
        on nt.measure_id = l.measure_id
        and nt.period_end = l.chosen.ends[1]
        and nt.scope = case when l.team_id = 'ALL' then 'authority' else 'team' end
    left join team_ranges as tr
        on tr.measure_id = l.measure_id
        and tr.period_end = l.chosen.ends[1]
        and tr.period_type = l.chosen.period_type
    union all
    -- the whole authority: its row of the authority_latest mart for the last month end on or
    -- before $as_at
    select * exclude (as_at_month)
    from authority_latest
    where list_contains($teams, 'ALL')
        and as_at_month = (select max(as_at_month) from authority_latest where as_at_month <= $as_at)
)

select * from final
order by sort_order, team_id;
