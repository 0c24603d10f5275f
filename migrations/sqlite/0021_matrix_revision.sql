-- The risk matrix is an editable record like the others: its form and the API's If-Match carry
-- the revision they were read at, and a save against an older one is refused (409).
alter table risk_matrix add column revision integer not null default 1;
