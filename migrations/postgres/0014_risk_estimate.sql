-- Quantitative risk (FAIR-style): a risk's estimated ranges before (current) and after
-- (residual) its treatment plan, one row per phase with its model and one per factor; the
-- organisation's currency and its risk appetite as points of a loss-exceedance curve.

create table risk_estimate (
    risk_id text not null references risk (risk_id) on delete cascade,
    phase text not null check (phase in ('current', 'residual')),
    model text not null check (model in ('simple', 'tree')),
    updated_by text not null,
    updated_at text not null,
    primary key (risk_id, phase)
);

-- For a lognormal, low and high are the 5th and 95th percentiles and mode is null.
create table risk_estimate_factor (
    risk_id text not null,
    phase text not null,
    factor text not null,
    distribution text not null check (distribution in ('pert', 'lognormal')),
    low double precision not null,
    mode double precision,
    high double precision not null,
    lambda double precision,
    primary key (risk_id, phase, factor),
    foreign key (risk_id, phase) references risk_estimate (risk_id, phase) on delete cascade
);

alter table organisation add column currency text not null default 'EUR';
alter table organisation add column loss_appetite text not null default '';
