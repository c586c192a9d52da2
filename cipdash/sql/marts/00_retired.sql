-- Retired marts: tables an earlier version of cipdash stored and this one does not. Dropped
-- first, so that no stale copy stays beside the rule that replaced it.
--   authority_card_readings: the card readings are worked out when read (queries.card_readings).
--   team_latest: the latest figures of teams and the whole authority are one mart, latest_by_month.

drop table if exists authority_card_readings;

drop table if exists team_latest;
