-- Why a residual rating (current or target) is above the inherent one: Annex warns about
-- such a rating instead of refusing it, and the reason is kept with the risk.
alter table risk add column rating_reason text not null default '';

-- Readiness (6.1.2) counts the open risks without an owner and those rated worse after
-- controls with no reason; at 100,000 risks a scan of the table would cost the dashboard
-- tens of milliseconds, these partial indexes hold only such risks (usually none).
create index risk_without_owner on risk (risk_id) where status <> 'closed' and trim(owner) = '';
create index risk_rating_unexplained on risk (risk_id)
    where status <> 'closed' and trim(rating_reason) = ''
      and (current_likelihood > inherent_likelihood or current_impact > inherent_impact
           or target_likelihood > inherent_likelihood or target_impact > inherent_impact);
