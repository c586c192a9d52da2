-- What a load would change: figures new, revised, unchanged and withdrawn (observations and
-- comparators together), the figures shown now, and how many new ones were withdrawn before.
select
    (select count(*) filter (where status = 'new') from observation_status)
        + (select count(*) filter (where status = 'new') from benchmark_status) as added,
    (select count(*) filter (where status = 'revised') from observation_status)
        + (select count(*) filter (where status = 'revised') from benchmark_status) as revised,
    (select count(*) filter (where status = 'same') from observation_status)
        + (select count(*) filter (where status = 'same') from benchmark_status) as unchanged,
    (select count(*) from withdrawn_observations) + (select count(*) from withdrawn_benchmarks) as withdrawn,
    (select count(*) from observations) + (select count(*) from benchmarks) as shown
