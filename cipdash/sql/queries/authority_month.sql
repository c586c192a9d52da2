-- The month end whose whole-authority figures are the latest at $as_at (latest_month());
-- null before the first. Every day of that month reads the same figures and SPC readings.
select latest_month($as_at::date, true) as as_at_month;
