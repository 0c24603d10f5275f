-- Awareness and training (27002 6.3; 27001 7.2, 7.3): modules with their material and the
-- controls they support; campaigns assigning modules to an audience of the staff directory
-- by a due date; completions recorded by the person, a manager or a learning platform's
-- export; and the modules each job title requires (competence).

create table training_module (
    module_id text primary key,
    title text not null,
    description text not null default '',
    material_url text not null default '',
    duration_minutes bigint,
    controls text not null default '6.3',
    created_at text not null,
    updated_at text not null,
    revision bigint not null default 1
);
create index training_module_title_idx on training_module (title, module_id);

create table training_campaign (
    campaign_id text primary key,
    title text not null,
    modules text not null,
    scope text not null default 'everyone',
    groups text not null default '',
    starts_on text not null,
    due_on text not null,
    closed_on text,
    evidence_id text,
    created_at text not null,
    created_by text not null,
    revision bigint not null default 1
);
create index training_campaign_due_idx on training_campaign (due_on, campaign_id);

create table training_completion (
    module_id text not null references training_module (module_id) on delete cascade,
    person_id text not null references person (person_id) on delete cascade,
    completed_on text not null,
    via text not null,
    recorded_by text not null,
    score bigint,
    recorded_at text not null,
    primary key (module_id, person_id, completed_on)
);
create index training_completion_person_idx on training_completion (person_id, module_id, completed_on);

create table competence (
    job_title text not null,
    module_id text not null references training_module (module_id) on delete cascade,
    primary key (job_title, module_id)
);

insert into register_generation (register, generation) values ('training', 0);
