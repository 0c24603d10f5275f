-- Approved versions of the Statement of Applicability: every row as it was when a manager or
-- an admin approved it, with who, when and the SHA-256 of the snapshot (also in the audit
-- trail). A version is never changed or removed: the triggers refuse it.

create table soa_version (
    framework_id text not null,
    version bigint not null,
    approved_by text not null,
    approved_at text not null,
    note text not null default '',
    -- lowercase hex SHA-256 of `snapshot`, as stored
    content_hash text not null,
    -- JSON: the rows of the SoA at approval
    snapshot text not null,
    primary key (framework_id, version)
);

create trigger soa_version_no_update before update on soa_version
begin
    select raise(abort, 'an approved version of the Statement of Applicability cannot be changed');
end;

create trigger soa_version_no_delete before delete on soa_version
begin
    select raise(abort, 'an approved version of the Statement of Applicability cannot be removed');
end;

-- The scope of the ISMS (ISO/IEC 27001 4.3), shown on the SoA and its exports.
alter table organisation add column isms_scope text not null default '';
