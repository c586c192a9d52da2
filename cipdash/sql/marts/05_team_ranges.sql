-- Mart team_ranges: the lowest and highest team figure for each measure and period ("teams
-- range from 71.4% to 97.2%").
-- Rule: team rows with a value only; the authority row is not a team.
-- Key: measure_id, period_end, period_type.

create or replace table team_ranges as
with final as (
    select
        measure_id,
        period_end,
        period_type,
        min(value) as team_min,    -- in the measure's unit
        max(value) as team_max,    -- in the measure's unit
        count(*) as team_count     -- teams with a figure
    from observations
    where team_id <> 'ALL' and value is not null
    group by measure_id, period_end, period_type
)

select * from final;
