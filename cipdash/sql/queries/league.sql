-- Every team's figure for one measure and period, best first by the measure's polarity,
-- with the target that applies to teams.
with final as (
    select
        f.team_id,
        f.team_name,
        f.service_area,
        f.value,
        f.numerator,
        f.denominator,
        f.target_date,
        f.target
    from figures as f
    where f.measure_id = $measure_id
        and f.period_end = $period_end
        and f.period_type = $period_type
        and f.team_id <> 'ALL'
        and f.value is not null
)

select * from final
order by value desc;
