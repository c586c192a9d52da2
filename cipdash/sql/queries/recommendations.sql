select rec_id, title, source, aim, lead, sort_order
from recommendations
order by sort_order;
