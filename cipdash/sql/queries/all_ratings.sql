-- Every rating, for the per-version memo that ratings_at() and rating_history() read.
select rec_id, as_at, implementation, impact, evidence, further_actions
from ratings
order by rec_id, as_at;
