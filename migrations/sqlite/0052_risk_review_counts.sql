-- How many open risks each owner has due for review on each day, kept by triggers in the same
-- transaction as each write: the team view and the owners' digests count everyone's tasks due
-- within a month from here (a few thousand rows: owners times days) instead of counting the
-- risks themselves (252,000 due within a month at a million risks: 288 ms, and the sort of
-- their owners held the server's largest memory). The owner is as the task lists match it, in
-- lower case. A large import drops the triggers with the register's other indexes and counts
-- again before it commits (`store::bulk`); their names start with `risk_count_`.
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
create trigger risk_count_review_insert after insert on risk
    when new.status <> 'closed' and new.review_due_on is not null begin
    insert into risk_review_count (owner_key, due, n) values (lower(new.owner), new.review_due_on, 1)
        on conflict (owner_key, due) do update set n = n + 1;
end;
create trigger risk_count_review_delete after delete on risk
    when old.status <> 'closed' and old.review_due_on is not null begin
    update risk_review_count set n = n - 1 where owner_key = lower(old.owner) and due = old.review_due_on;
    delete from risk_review_count where owner_key = lower(old.owner) and due = old.review_due_on and n <= 0;
end;
create trigger risk_count_review_update after update of owner, review_due_on, status on risk begin
    update risk_review_count set n = n - 1
        where old.status <> 'closed' and old.review_due_on is not null
        and owner_key = lower(old.owner) and due = old.review_due_on;
    delete from risk_review_count where owner_key = lower(old.owner) and due = old.review_due_on and n <= 0;
    insert into risk_review_count (owner_key, due, n)
        select lower(new.owner), new.review_due_on, 1
        where new.status <> 'closed' and new.review_due_on is not null
        on conflict (owner_key, due) do update set n = n + 1;
end;
