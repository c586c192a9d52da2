-- Each measure's latest figure on or before $as_at for each team in $teams ('ALL' = whole
-- authority), the figure before it (same period type: "change since the previous
-- period"), its next target and the team range for the same period. Where the latest
-- period end has figures of several period types, the shortest wins (month, quarter,
-- year). Aggregates and joins rather than window functions: several times faster when
-- a service area's teams hold hundreds of thousands of figures.
with scoped as (
    select
        measure_id, team_id, period_end, period_type, value, numerator, denominator,
        case period_type when 'month' then 1 when 'quarter' then 2 else 3 end as type_rank
    from observations
    where list_contains($teams, team_id)
        and period_end <= $as_at
        and value is not null
),

latest_end as (
    select measure_id, team_id, max(period_end) as period_end
    from scoped
    group by measure_id, team_id
),

latest_type as (
    select s.measure_id, s.team_id, s.period_end, min(s.type_rank) as type_rank
    from scoped as s
    inner join latest_end as e using (measure_id, team_id, period_end)
    group by s.measure_id, s.team_id, s.period_end
),

latest as (
    select s.*
    from scoped as s
    inner join latest_type as t using (measure_id, team_id, period_end, type_rank)
),

previous_end as (
    select s.measure_id, s.team_id, max(s.period_end) as previous_period_end
    from scoped as s
    inner join latest as l
        on l.measure_id = s.measure_id and l.team_id = s.team_id and l.period_type = s.period_type
        and s.period_end < l.period_end
    group by s.measure_id, s.team_id
),

final as (
    select
        l.measure_id,
        l.team_id,
        l.period_end as latest_period_end,
        l.period_type,
        l.value as latest_value,
        p.value as previous_value,
        pe.previous_period_end,
        l.numerator,
        l.denominator,
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
    left join previous_end as pe on pe.measure_id = l.measure_id and pe.team_id = l.team_id
    left join scoped as p
        on p.measure_id = l.measure_id and p.team_id = l.team_id
        and p.period_end = pe.previous_period_end and p.period_type = l.period_type
    left join next_targets as nt
        on nt.measure_id = l.measure_id
        and nt.period_end = l.period_end
        and nt.scope = case when l.team_id = 'ALL' then 'authority' else 'team' end
    left join team_ranges as tr
        on tr.measure_id = l.measure_id
        and tr.period_end = l.period_end
        and tr.period_type = l.period_type
)

select * from final
order by sort_order, team_id;
