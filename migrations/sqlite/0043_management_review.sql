-- Management review (27001 9.3): reviews with their input pack frozen (JSON and SHA-256) when
-- held, and the actions they decide on.

create table management_review (
    review_id text primary key,
    title text not null,
    planned_on text not null,
    held_on text,
    status text not null default 'planned',
    chair text not null default '',
    attendees text not null default '',
    feedback text not null default '',
    decisions text not null default '',
    pack text,
    pack_sha256 text,
    updated_at text not null,
    revision integer not null default 1
);
create index management_review_planned_idx on management_review (planned_on, review_id);
create index management_review_held_idx on management_review (held_on);

-- Once held, the pack never changes: a trigger refuses to alter it.
create trigger management_review_pack_frozen before update of pack, pack_sha256 on management_review
when old.pack is not null
begin
    select raise(abort, 'the input pack of a held review cannot be changed');
end;

create table review_action (
    action_id text primary key,
    review_id text not null references management_review (review_id),
    title text not null,
    owner text not null,
    due_on text not null,
    status text not null,
    done_on text,
    updated_at text not null,
    revision integer not null default 1
);
create index review_action_review_idx on review_action (review_id, action_id);
create index review_action_due_idx on review_action (status, due_on);
