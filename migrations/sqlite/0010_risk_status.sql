-- Where a risk is in its handling (open, in treatment, closed), and the indexes of the risk
-- register's sort orders: residual likelihood x impact, review due date (undated last) and
-- last change, each ending in the id like the sort.

alter table risk add column status text not null default 'open';
create index risk_status_idx on risk (status, risk_id);
create index risk_residual_score_idx on risk ((target_likelihood * target_impact), risk_id);
create index risk_review_key_idx on risk ((coalesce(review_due_on, '9999-12-31')), risk_id);
create index risk_updated_idx on risk (updated_at, risk_id);
-- The dashboard counts risks past review among those not closed: index only.
create index risk_review_active_idx on risk (review_due_on, risk_id) where status <> 'closed';
