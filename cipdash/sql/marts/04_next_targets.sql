-- Mart next_targets: the target each figure is read against.
-- Rule (the data contract's): the target with the earliest target_date >= period_end, else
-- the latest target. Scope 'authority' reads authority and each_team targets (the authority
-- one wins on a shared date: it was set for this figure); scope 'team' reads each_team
-- targets only.
-- Key: measure_id, period_end, scope.

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
