-- Tasks and reminders: every date that asks someone to act is a task for its owner, derived
-- from its record when read (never copied, so it disappears when the record is done), plus
-- tasks people write themselves with their comments. Each person's notification choices and
-- calendar feed; the outbox every notification goes through; the scheduler's jobs with their
-- lease, so that several instances sharing one database run each job once.

create table task (
    task_id text primary key,
    title text not null,
    description text not null default '',
    owner text not null,
    -- The owner in lower case, as every derived task is matched.
    owner_key text not null,
    due_on text,
    link_type text not null default '',
    link_id text not null default '',
    status text not null default 'open',
    done_on text,
    created_by text not null,
    created_at text not null,
    updated_at text not null,
    revision bigint not null default 1
);
create index task_owner_idx on task (owner_key, status, due_on);
create index task_due_idx on task (status, due_on);

create table task_comment (
    task_id text not null references task (task_id) on delete cascade,
    seq bigint not null,
    author text not null,
    written_at text not null,
    body text not null,
    primary key (task_id, seq)
);

-- One row per person who changed a choice: how often the digest comes, which kinds of
-- message they do not want, and their calendar feed (only the SHA-256 of its secret).
create table notification_preference (
    email text primary key,
    digest text not null default 'daily',
    muted text not null default '',
    feed_hash text,
    feed_created_at text,
    updated_at text not null,
    revision bigint not null default 1
);
create unique index notification_preference_feed_idx on notification_preference (feed_hash);

-- Every message, written in the transaction of what caused it; `dedupe_key` makes a second
-- writer of the same message (another instance, a job run again after a restart) a no-op.
create table notification_outbox (
    notification_id text primary key,
    dedupe_key text not null unique,
    kind text not null,
    recipient text not null,
    subject text not null,
    body_text text not null,
    body_html text not null,
    created_at text not null,
    attempts bigint not null default 0,
    next_attempt_at text not null,
    claimed_by text,
    claimed_until text,
    sent_at text,
    failed_at text,
    last_error text not null default ''
);
create index notification_outbox_pending_idx on notification_outbox (sent_at, failed_at, next_attempt_at);
create index notification_outbox_created_idx on notification_outbox (created_at, notification_id);

-- The scheduler's jobs: when each runs next, how its last run went, and who holds it now.
create table scheduled_job (
    name text primary key,
    next_run_at text not null,
    last_started_at text,
    last_finished_at text,
    last_outcome text not null default '',
    last_error text not null default '',
    runs bigint not null default 0,
    failures bigint not null default 0,
    lease_owner text,
    lease_until text
);

-- "My work" reads each register's dated records by owner, whatever the case it was typed in.
create index measure_owner_key_idx on measure (lower(owner));
create index risk_owner_key_idx on risk (lower(owner));
create index evidence_collector_key_idx on evidence (lower(collected_by));
create index document_owner_key_idx on document (lower(owner));
create index supplier_owner_key_idx on supplier (lower(owner));
create index obligation_owner_key_idx on obligation (lower(owner));
create index incident_task_owner_key_idx on incident_task (lower(owner));
create index checklist_step_owner_key_idx on checklist_step (lower(owner));
create index corrective_action_owner_key_idx on corrective_action (lower(owner));
create index review_action_owner_key_idx on review_action (lower(owner));
create index internal_audit_lead_key_idx on internal_audit (lower(lead));
create index management_review_chair_key_idx on management_review (lower(chair));
create index objective_owner_key_idx on objective (lower(owner));
create index training_campaign_creator_key_idx on training_campaign (lower(created_by));
create index process_owner_key_idx on process (lower(owner));

-- What was already told about, so that a message about the same thing is not sent again
-- (an overdue task escalates once for its due day, whichever instance finds it).
create table notification_mark (
    mark_key text primary key,
    notification_id text not null,
    created_at text not null
);
