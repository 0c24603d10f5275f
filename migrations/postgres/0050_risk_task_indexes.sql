-- Open risks as tasks, at a million risks.
-- The team view counts every owner's risks due for review within a month: this index holds
-- the day and the owner, so that the count reads it alone (an index-only scan), not the table.
create index risk_review_owner_idx on risk (review_due_on, owner) where status <> 'closed';
-- One owner's soonest reviews are read in order from here, as many as a list shows, not all
-- of the owner's thousands sorted. The day is as the task lists sort it, undated last.
create index risk_owner_review_idx on risk (lower(owner), (coalesce(review_due_on, '9999-12-31')), risk_id) where status <> 'closed';
