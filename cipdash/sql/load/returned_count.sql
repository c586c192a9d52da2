-- Of the new figures, those withdrawn by an earlier load and not yet back: their rows returned.
select
    (select count(*) from observation_status as s
     where s.status = 'new' and exists (
         select 1 from observation_revisions as r
         where r.change = 'withdrawn' and r.returned_by_load is null
             and r.measure_id = s.measure_id and r.team_id = s.team_id
             and r.period_end = s.period_end and r.period_type = s.period_type))
    + (select count(*) from benchmark_status as s
       where s.status = 'new' and exists (
           select 1 from benchmark_revisions as r
           where r.change = 'withdrawn' and r.returned_by_load is null
               and r.measure_id = s.measure_id and r.comparator = s.comparator
               and r.period_end = s.period_end and r.period_type = s.period_type)) as returned
