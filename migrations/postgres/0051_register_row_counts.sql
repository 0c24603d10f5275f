-- How many rows the asset and risk registers hold, kept by triggers in the same transaction as
-- each insert and delete: an unfiltered list shows its exact total from here, instead of
-- counting up to its cap (10,001 rows read for every first page at a million assets). The
-- triggers run once per statement, with the rows it inserted or deleted: an import's
-- statement of many rows updates the count once. Concurrent writers already queue on the
-- audit trail's head row, so the count's row adds no wait.
create table register_count (
    table_name text primary key,
    n bigint not null
);
insert into register_count (table_name, n) select 'asset', count(*) from asset;
insert into register_count (table_name, n) select 'risk', count(*) from risk;
create function register_count_added() returns trigger language plpgsql as $$
begin
    update register_count set n = n + (select count(*) from added) where table_name = TG_TABLE_NAME;
    return null;
end $$;
create function register_count_removed() returns trigger language plpgsql as $$
begin
    update register_count set n = n - (select count(*) from removed) where table_name = TG_TABLE_NAME;
    return null;
end $$;
create trigger asset_count_insert after insert on asset referencing new table as added
    for each statement execute function register_count_added();
create trigger asset_count_delete after delete on asset referencing old table as removed
    for each statement execute function register_count_removed();
create trigger risk_count_insert after insert on risk referencing new table as added
    for each statement execute function register_count_added();
create trigger risk_count_delete after delete on risk referencing old table as removed
    for each statement execute function register_count_removed();
