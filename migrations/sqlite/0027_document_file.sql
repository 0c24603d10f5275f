-- A document version may be an uploaded file (a Word or PDF policy kept as it was approved)
-- instead of Markdown written in Annex, and a training module's material a file: the content
-- is kept in the evidence vault by its SHA-256 (evidence_blob_chunk or the data dir), the
-- record holds its name, media type, size and hash.

alter table document_version add column file_name text;
alter table document_version add column file_type text;
alter table document_version add column file_size bigint;
alter table document_version add column file_sha256 text;

alter table training_module add column material_file_name text;
alter table training_module add column material_file_type text;
alter table training_module add column material_file_size bigint;
alter table training_module add column material_sha256 text;
