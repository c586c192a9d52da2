-- Every rating, for the per-version copy that rating_history() reads (ratings at one date
-- are ratings_at.sql's).
select rec_id, as_at, implementation, impact, evidence, further_actions
from ratings
order by rec_id, as_at;
