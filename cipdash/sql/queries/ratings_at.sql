-- Each recommendation's rating at $as_at: its row with the latest as_at <= $as_at,
-- beside the rating before that (for movement: improved / worsened / same).
with ranked as (
    select
        r.*,
        row_number() over (partition by r.rec_id order by r.as_at desc) as recency
    from ratings as r
    where r.as_at <= $as_at
),

final as (
    select
        rec.rec_id,
        rec.title,
        rec.source,
        rec.aim,
        rec.lead,
        rec.sort_order,
        cur.as_at as rated_at,
        cur.implementation,
        cur.impact,
        cur.evidence,
        cur.further_actions,
        prev.as_at as previous_rated_at,
        prev.implementation as previous_implementation,
        prev.impact as previous_impact
    from recommendations as rec
    left join ranked as cur on cur.rec_id = rec.rec_id and cur.recency = 1
    left join ranked as prev on prev.rec_id = rec.rec_id and prev.recency = 2
)

select * from final
order by sort_order;
