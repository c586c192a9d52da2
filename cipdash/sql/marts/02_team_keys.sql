-- Mart team_keys: each team's place in one order that keeps a service area's teams
-- together (area, then the plan's team order).
-- Rule: the storage order of the team marts (team_observations, latest_by_month).
-- Key: team_id; team_key (1, 2, ...; 0 is kept for the whole authority in latest_by_month).

create or replace table team_keys as
with final as (
    select
        team_id,
        service_area,
        row_number() over (order by service_area nulls last, sort_order, team_id) as team_key
    from teams
)

select * from final;
