-- Evidence of an incident (27002 5.28): files kept in the evidence vault by their SHA-256,
-- with who collected them, when and from where, and the chain of custody: the collection and
-- every hand-over after it, appended and never changed.

create table incident_evidence (
    incident_id text not null references incident (incident_id),
    seq integer not null,
    file_name text not null,
    file_type text not null,
    file_size integer not null,
    file_sha256 text not null,
    description text not null default '',
    collected_by text not null,
    collected_at text not null,
    collected_from text not null default '',
    holder text not null,
    added_by text not null,
    added_at text not null,
    primary key (incident_id, seq)
);

create table incident_custody (
    incident_id text not null,
    evidence_seq integer not null,
    seq integer not null,
    at text not null,
    from_holder text not null default '',
    to_holder text not null,
    purpose text not null default '',
    recorded_by text not null,
    recorded_at text not null,
    primary key (incident_id, evidence_seq, seq),
    foreign key (incident_id, evidence_seq) references incident_evidence (incident_id, seq)
);

-- The custody log is append-only, in the database too.
create trigger incident_custody_no_update before update on incident_custody
begin
    select raise(abort, 'the chain of custody is append-only');
end;
create trigger incident_custody_no_delete before delete on incident_custody
begin
    select raise(abort, 'the chain of custody is append-only');
end;
