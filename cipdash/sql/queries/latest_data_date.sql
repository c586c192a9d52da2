-- "The latest data": the newest period end or rating date held.
select greatest(
    (select max(period_end) from observations),
    (select max(as_at) from ratings)
) as latest;
