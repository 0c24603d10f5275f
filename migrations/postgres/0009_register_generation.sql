-- A counter per register, raised by every write that changes it in the same transaction, so
-- that summaries computed from a whole register (the heat map's counts) can be kept in memory
-- and recomputed only when the register changed — on any instance sharing the database.

create table register_generation (
    register text primary key,
    generation bigint not null
);
insert into register_generation (register, generation) values ('risk', 0), ('measure', 0);
