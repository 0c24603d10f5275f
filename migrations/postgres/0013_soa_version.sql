-- Approved versions of the Statement of Applicability: every row as it was when a manager or
-- an admin approved it, with who, when and the SHA-256 of the snapshot (also in the audit
-- trail). A version is never changed or removed: the trigger refuses it.

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

create function soa_version_immutable() returns trigger language plpgsql as $$
begin
    raise exception 'an approved version of the Statement of Applicability cannot be changed or removed';
end;
$$;

create trigger soa_version_immutable before update or delete on soa_version
    for each row execute function soa_version_immutable();

-- The scope of the ISMS (ISO/IEC 27001 4.3), shown on the SoA and its exports.
alter table organisation add column isms_scope text not null default '';
