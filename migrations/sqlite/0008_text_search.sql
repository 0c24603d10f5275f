-- Text search of the registers at 100,000 rows: trigram indexes (substrings of three or more
-- characters, case ignored) over the columns the register's text filter reads, kept in step
-- with the rows by triggers. Shorter searches scan with LIKE.

create virtual table asset_text using fts5(
    asset_id, name, description, content = 'asset', content_rowid = 'rowid', tokenize = 'trigram'
);
create trigger asset_text_insert after insert on asset begin
    insert into asset_text (rowid, asset_id, name, description)
    values (new.rowid, new.asset_id, new.name, new.description);
end;
create trigger asset_text_delete after delete on asset begin
    insert into asset_text (asset_text, rowid, asset_id, name, description)
    values ('delete', old.rowid, old.asset_id, old.name, old.description);
end;
create trigger asset_text_update after update of asset_id, name, description on asset
when old.asset_id is not new.asset_id or old.name is not new.name or old.description is not new.description
begin
    insert into asset_text (asset_text, rowid, asset_id, name, description)
    values ('delete', old.rowid, old.asset_id, old.name, old.description);
    insert into asset_text (rowid, asset_id, name, description)
    values (new.rowid, new.asset_id, new.name, new.description);
end;
insert into asset_text (asset_text) values ('rebuild');

create virtual table risk_text using fts5(
    risk_id, title, threat, content = 'risk', content_rowid = 'rowid', tokenize = 'trigram'
);
create trigger risk_text_insert after insert on risk begin
    insert into risk_text (rowid, risk_id, title, threat) values (new.rowid, new.risk_id, new.title, new.threat);
end;
create trigger risk_text_delete after delete on risk begin
    insert into risk_text (risk_text, rowid, risk_id, title, threat)
    values ('delete', old.rowid, old.risk_id, old.title, old.threat);
end;
create trigger risk_text_update after update of risk_id, title, threat on risk
when old.risk_id is not new.risk_id or old.title is not new.title or old.threat is not new.threat
begin
    insert into risk_text (risk_text, rowid, risk_id, title, threat)
    values ('delete', old.rowid, old.risk_id, old.title, old.threat);
    insert into risk_text (rowid, risk_id, title, threat) values (new.rowid, new.risk_id, new.title, new.threat);
end;
insert into risk_text (risk_text) values ('rebuild');
