-- Mart team_observations: every team figure, stored team by team (by team_key).
-- Rule: none of its own; observations in team order.
-- DuckDB keeps the smallest and largest team_key of each block of rows, so a query that joins
-- the chosen teams' keys reads only those teams' blocks: one team, or one service area, is a
-- few hundred thousand rows at most however many teams the plan has. (observations itself
-- stays in the order the extracts were loaded, which suits one measure or one period.)
-- Key: team_id, measure_id, period_type, period_end.

create or replace table team_observations as
with final as (
    select
        k.team_key,
        o.measure_id,
        o.team_id,
        o.period_end,   -- a month end (date)
        o.period_type,  -- month | quarter | year
        o.value,        -- in the measure's unit
        o.numerator,    -- a count of cases
        o.denominator   -- a count of cases
    from observations as o
    inner join team_keys as k on k.team_id = o.team_id
)

select * from final
order by team_key;
