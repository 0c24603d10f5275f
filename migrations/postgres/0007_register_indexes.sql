-- Indexes for the registers at 100,000 rows (measured with benches/registers.sh): the filters
-- people combine most (asset type, classification and status; residual level and treatment)
-- and the heat-map cells, each ending in the register's order so that a page, and the count
-- of a page's matches, read one range of one index.

create index asset_type_classification_idx on asset (asset_type, classification, lifecycle, name, asset_id);
create index risk_level_treatment_idx on risk (target_level, treatment, risk_id);
create index risk_inherent_cell_idx on risk (inherent_likelihood, inherent_impact, risk_id);
create index risk_target_cell_idx on risk (target_likelihood, target_impact, risk_id);
