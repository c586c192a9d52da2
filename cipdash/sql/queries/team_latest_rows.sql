-- The teams' latest figures at $as_at: the columns of latest_figures.sql that the Teams
-- page's table and a team's SPC readings use, straight from the latest_by_month mart for the
-- month latest_month() finds (as latest_figures.sql reads it).
-- The measure's own columns (name, unit, polarity, tolerance, order) are joined in memory
-- from the per-version plan, and the rows are put in order there: without the union with
-- the authority, the ordering and the plan's text on every row this reads a quarter of
-- the data (~3 ms rather than ~12 for a service area at a million figures).
select measure_id, team_id, latest_period_end, period_type, latest_value, target_date, target
from latest_by_month
where as_at_month = latest_month($as_at::date, false)
    and team_key > 0
    and list_contains($teams, team_id);
