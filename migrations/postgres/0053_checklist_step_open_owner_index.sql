-- The team view counts everyone's open checklist steps due within a month by owner and day
-- (`task::store`, `Counting::RowsOf`), and one owner's list reads their open steps soonest
-- first. This index holds every open, dated step by owner (in lower case, as the task lists
-- match it) and day. (PostgreSQL reads an index on an expression together with its table, so
-- a count of most steps reads the table; the count no longer looks each step up in its
-- checklist: 33 ms before, 18 ms at the demo's 30,000 steps due within a month.)
create index checklist_step_open_owner_idx on checklist_step (lower(owner), due_on)
    where done_at is null and due_on is not null;
