-- The measure register's default order (by due date, measures without one last) reads an index
-- at any size, as the risk register's review order does: found by the query plan test.
create index measure_due_key_idx on measure ((coalesce(due_on, '9999-12-31')), measure_id);
