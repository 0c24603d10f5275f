-- The register page's usual filter, a level's risks that are not closed, is counted from the
-- level's index alone: it holds each risk's status too (at a million risks, looking each of
-- 10,000 risks up for its status took most of the page's time).
drop index risk_target_level_idx;
create index risk_target_level_idx on risk (target_level, risk_id, status);
