-- A risk's notes: anything else said about it. An import keeps here what a status or treatment
-- cell said beyond the word read from it.
alter table risk add column notes text not null default '';
