-- Webhooks: where Annex posts the events it also e-mails (deadlines within a day, tasks
-- given, escalations, hosts that stopped reporting), as JSON or as a Slack/Teams message.
-- The key signs each body (HMAC-SHA256) so a receiver can tell it came from Annex.
create table webhook (
    webhook_id text primary key,
    name text not null,
    url text not null,
    format text not null,
    events text not null,
    signing_key text not null,
    enabled boolean not null default true,
    created_at text not null,
    created_by text not null,
    revision integer not null default 1
);

-- A message of the outbox goes by e-mail (`mail`) or to a webhook (`webhook`, its id the
-- recipient).
alter table notification_outbox add column channel text not null default 'mail';
