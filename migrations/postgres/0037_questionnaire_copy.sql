-- The questionnaire as sent, kept once per version instead of once per assessment: an
-- assessment names its copy, whose key is the SHA-256 of its JSON (hex), so every assessment
-- sent with the same version of a questionnaire shares one row. Copies made before this
-- migration keep a key of their own ('as-sent:' and the first assessment that used them).

create table questionnaire_copy (
    copy_id text primary key,
    questionnaire_key text not null,
    body text not null
);

insert into questionnaire_copy (copy_id, questionnaire_key, body)
select 'as-sent:' || min(assessment_id), questionnaire_key, questionnaire
from assessment
group by questionnaire_key, questionnaire;

alter table assessment add column questionnaire_copy text references questionnaire_copy (copy_id);

update assessment set questionnaire_copy = (
    select c.copy_id from questionnaire_copy c
    where c.questionnaire_key = assessment.questionnaire_key and c.body = assessment.questionnaire
);

alter table assessment drop column questionnaire;
