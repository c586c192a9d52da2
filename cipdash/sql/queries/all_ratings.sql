-- Every rating, for the per-version memo that ratings_at() and rating_history() read
-- (ratings_at.sql, which summary --json runs, gives the same for one date).
select rec_id, as_at, implementation, impact, evidence, further_actions
from ratings
order by rec_id, as_at;
