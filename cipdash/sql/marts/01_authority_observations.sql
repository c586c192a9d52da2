-- Mart authority_observations: the whole authority's figures (team ALL) on their own.
-- Rule: none of its own; a slice of observations.
-- A few thousand rows whatever the number of teams, so the overview, the recommendation page
-- and the authority line of every chart never scan the team figures.
-- Key: measure_id, period_type, period_end.

create or replace table authority_observations as
with final as (
    select
        measure_id,
        period_end,   -- a month end (date)
        period_type,  -- month | quarter | year
        value,        -- in the measure's unit
        numerator,    -- a count of cases
        denominator   -- a count of cases
    from observations
    where team_id = 'ALL'
)

select * from final
order by measure_id, period_type, period_end;
