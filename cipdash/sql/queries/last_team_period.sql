-- The last period end with a team figure: the latest month end team_latest holds
-- (queries.team_month clamps an as-at date to it, as latest_figures.sql does).
select max(period_end) as last
from team_ranges;
