-- How many rows the asset and risk registers hold, kept by triggers in the same transaction as
-- each insert and delete: an unfiltered list shows its exact total from here, instead of
-- counting up to its cap (10,001 rows read for every first page at a million assets).
-- A large import drops the triggers with the register's other indexes and counts the table
-- again before it commits (`store::bulk`); their names start with the table's.
create table register_count (
    table_name text primary key,
    n integer not null
);
insert into register_count (table_name, n) select 'asset', count(*) from asset;
insert into register_count (table_name, n) select 'risk', count(*) from risk;
create trigger asset_count_insert after insert on asset begin
    update register_count set n = n + 1 where table_name = 'asset';
end;
create trigger asset_count_delete after delete on asset begin
    update register_count set n = n - 1 where table_name = 'asset';
end;
create trigger risk_count_insert after insert on risk begin
    update register_count set n = n + 1 where table_name = 'risk';
end;
create trigger risk_count_delete after delete on risk begin
    update register_count set n = n - 1 where table_name = 'risk';
end;
