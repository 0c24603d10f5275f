-- An upload is kept in parts of at most 1 MB each, so that a CSV file of a million rows (larger
-- than one value should be) waits for its review like any other upload, and is written and
-- read back without being held whole in memory. The upload's own content column stays empty
-- for the uploads kept this way; its size is recorded.

create table import_upload_part (
    import_upload_id text not null references import_upload (import_upload_id) on delete cascade,
    seq integer not null,
    content bytea not null,
    primary key (import_upload_id, seq)
);
alter table import_upload add column content_size bigint;
