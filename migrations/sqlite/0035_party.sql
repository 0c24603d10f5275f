-- Interested parties (27001 4.2): who has a stake in the ISMS, what they need of it, and the
-- obligations their requirements are written in.

create table party (
    party_id text primary key,
    name text not null,
    kind text not null,
    needs text not null default '',
    addressed integer not null default 0,
    owner text not null default '',
    reviewed_on text,
    updated_at text not null,
    revision integer not null default 1
);
create index party_name_idx on party (name, party_id);

create table party_obligation (
    party_id text not null references party (party_id) on delete cascade,
    obligation_id text not null,
    primary key (party_id, obligation_id)
);
create index party_obligation_obligation_idx on party_obligation (obligation_id, party_id);
