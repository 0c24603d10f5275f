-- The organisation's time zone (an IANA name such as Europe/Athens): pages, exports and PDFs
-- show moments in it. Moments stay stored in UTC.
alter table organisation add column time_zone text not null default 'UTC';
