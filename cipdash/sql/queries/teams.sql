select team_id, team_name, service_area, head_of_service, sort_order
from teams
order by sort_order;
