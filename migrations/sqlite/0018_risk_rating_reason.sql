-- Why a residual rating (current or target) is above the inherent one: Annex warns about
-- such a rating instead of refusing it, and the reason is kept with the risk.
alter table risk add column rating_reason text not null default '';
