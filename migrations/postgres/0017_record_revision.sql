-- Optimistic concurrency: every editable record carries a revision, raised by each write to
-- it. A form keeps the revision it was opened at (a hidden field), an API client sends it as
-- If-Match; a write against an older revision is refused (409) instead of silently replacing
-- what someone else saved in between.

alter table risk add column revision bigint not null default 1;
alter table measure add column revision bigint not null default 1;
alter table asset add column revision bigint not null default 1;
alter table soa_row add column revision bigint not null default 1;
alter table evidence add column revision bigint not null default 1;
