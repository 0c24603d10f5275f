-- The team view counts everyone's open checklist steps due within a month by owner and day
-- (`task::store`, `Counting::RowsOf`). This index holds every open, dated step by owner (in
-- lower case, as the task lists match it) and day, so that the count reads the index alone:
-- the demo's 30,000 steps were read one by one from the table, each looked up in its checklist.
create index checklist_step_open_owner_idx on checklist_step (lower(owner), due_on)
    where done_at is null and due_on is not null;
