-- Text search of the registers at 100,000 rows. On PostgreSQL the register's text filter
-- reads one expression per register (id, name and description of an asset; id, title and
-- threat of a risk); when the pg_trgm extension can be created, Annex indexes that
-- expression at start-up (see store::prepare_text_search). Nothing to change in the schema.
select 1;
