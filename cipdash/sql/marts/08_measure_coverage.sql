-- Mart measure_coverage: each measure's latest period, row count and the months missing in
-- its whole-authority monthly run, for the Data page.
-- Rule: a month is missing when the authority has no monthly row for it between its first
-- and last monthly figure.
-- Key: measure_id.

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
