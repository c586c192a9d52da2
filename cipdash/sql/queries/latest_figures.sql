-- Each measure's latest figure on or before $as_at for $team ('ALL' = whole authority),
-- with its next target and the team range for the same period. Where the latest period
-- end has figures of several period types, the shortest wins (month, quarter, year).
with scoped as (
    select *
    from figures
    where team_id = $team
        and period_end <= $as_at
        and value is not null
),

ranked as (
    select
        s.*,
        -- the figure before, of the same period type: "change since the previous period"
        lag(s.value) over (partition by s.measure_id, s.period_type order by s.period_end) as previous_value,
        lag(s.period_end) over (partition by s.measure_id, s.period_type order by s.period_end) as previous_period_end,
        row_number() over (
            partition by s.measure_id
            order by s.period_end desc,
                case s.period_type when 'month' then 1 when 'quarter' then 2 else 3 end
        ) as recency
    from scoped as s
),

final as (
    select
        r.measure_id,
        r.team_id,
        r.period_end as latest_period_end,
        r.period_type,
        r.value as latest_value,
        r.previous_value,
        r.previous_period_end,
        r.numerator,
        r.denominator,
        r.target_date,
        r.target,
        r.target_applies_to,
        tr.team_min,
        tr.team_max,
        m.name,
        m.unit,
        m.polarity,
        m.tolerance,
        m.sort_order
    from ranked as r
    inner join measures as m on m.measure_id = r.measure_id
    left join team_ranges as tr
        on tr.measure_id = r.measure_id
        and tr.period_end = r.period_end
        and tr.period_type = r.period_type
    where r.recency = 1
)

select * from final
order by sort_order;
