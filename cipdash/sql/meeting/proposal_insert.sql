INSERT INTO rating_proposals (rec_id, as_at, implementation, impact, evidence, further_actions, author, created_at)
VALUES (:rec_id, :as_at, :implementation, :impact, :evidence, :further_actions, :author, :at)
RETURNING id
