-- Spreadsheets uploaded for import, kept while the person reviews the dry run and the column
-- mapping (so that several instances on one database share them); removed once imported, and
-- after a day.

create table import_upload (
    import_upload_id text primary key,
    register text not null,
    file_name text not null,
    content blob not null,
    content_sha256 text not null,
    uploaded_by text not null,
    uploaded_at text not null
);
create index import_upload_at_idx on import_upload (uploaded_at);
