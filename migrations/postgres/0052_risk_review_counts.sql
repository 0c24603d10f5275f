-- How many open risks each owner has due for review on each day, kept by triggers in the same
-- transaction as each write: the team view and the owners' digests count everyone's tasks due
-- within a month from here (a few thousand rows: owners times days) instead of counting the
-- risks themselves (252,000 due within a month at a million risks). The owner is as the task
-- lists match it, in lower case. The triggers run once per statement, with the rows it
-- inserted, deleted or changed.
create table risk_review_count (
    owner_key text not null,
    due text not null,
    n integer not null,
    primary key (owner_key, due)
);
create index risk_review_count_due_idx on risk_review_count (due, owner_key, n);
insert into risk_review_count (owner_key, due, n)
    select lower(owner), review_due_on, count(*) from risk
    where status <> 'closed' and review_due_on is not null
    group by lower(owner), review_due_on;
-- Adds the open, dated risks of `added` and takes away those of `removed` (either may be
-- empty), leaving no row at zero.
create function risk_review_count_change() returns trigger language plpgsql as $$
begin
    if TG_OP in ('DELETE', 'UPDATE') then
        with gone as (
            select lower(owner) as owner_key, review_due_on as due, count(*) as n from removed
            where status <> 'closed' and review_due_on is not null
            group by lower(owner), review_due_on
        )
        update risk_review_count c set n = c.n - gone.n
            from gone where c.owner_key = gone.owner_key and c.due = gone.due;
        delete from risk_review_count where n <= 0
            and (owner_key, due) in (select lower(owner), review_due_on from removed);
    end if;
    if TG_OP in ('INSERT', 'UPDATE') then
        insert into risk_review_count (owner_key, due, n)
            select lower(owner), review_due_on, count(*) from added
            where status <> 'closed' and review_due_on is not null
            group by lower(owner), review_due_on
            on conflict (owner_key, due) do update set n = risk_review_count.n + excluded.n;
    end if;
    return null;
end $$;
create trigger risk_count_review_insert after insert on risk referencing new table as added
    for each statement execute function risk_review_count_change();
create trigger risk_count_review_delete after delete on risk referencing old table as removed
    for each statement execute function risk_review_count_change();
create trigger risk_count_review_update after update on risk
    referencing old table as removed new table as added
    for each statement execute function risk_review_count_change();
