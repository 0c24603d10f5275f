-- Indexes for the registers at 100,000 rows (measured with benches/registers.sh): the filter
-- pairs people combine most (asset type and classification; residual level and treatment)
-- and the heat-map cells, each ending in the register's order so that a page is an index range.

create index asset_type_classification_idx on asset (asset_type, classification, name, asset_id);
create index risk_level_treatment_idx on risk (target_level, treatment, risk_id);
create index risk_inherent_cell_idx on risk (inherent_likelihood, inherent_impact, risk_id);
create index risk_target_cell_idx on risk (target_likelihood, target_impact, risk_id);
