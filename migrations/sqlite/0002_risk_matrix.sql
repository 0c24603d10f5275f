-- The organisation's risk matrix, one row, as JSON text (see domain::matrix::Matrix).
-- Without a row, Annex uses its default 5x5 matrix.
create table risk_matrix (
    risk_matrix_id integer primary key check (risk_matrix_id = 1),
    definition_json text not null,
    updated_at text not null
);
