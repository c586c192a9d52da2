select count(*) as n from teams where team_id = $team;
