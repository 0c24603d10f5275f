use super::*;

#[test]
fn a_misspelt_field_prefix_of_a_value_mapping_is_refused() {
    let schema = &crate::registers::risk::exchange::RISK_SCHEMA;
    let ok = value_maps(
        schema,
        &["treatment:Mindern=modify".into(), "Hoch=4".into()],
    )
    .unwrap();
    assert_eq!(ok[0].field, Some("treatment"));
    assert_eq!(ok[1].field, None);
    // A colon inside their own value is still theirs.
    let colon = value_maps(schema, &["Status: Active=open".into()]).unwrap();
    assert_eq!(colon[0].theirs, "status: active");
    let message = match value_maps(schema, &["treatmnt:Mindern=modify".into()]) {
        Err(Error::Validation(f)) => f[0].message.clone(),
        _ => panic!("a misspelt prefix is refused"),
    };
    assert!(
        message.starts_with("'treatmnt' is not a field of the risk register: use one of "),
        "{message}"
    );
    assert!(message.contains("treatment"), "{message}");
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

#[test]
fn headers_match_with_hints_synonyms_and_explicit_maps() {
    let header = row(&[
        "Risk ID",
        "Risk Title",
        "Likelihood (1-5)",
        "Max Impact",
        "Inherent Score",
        "Residual Likelihood",
        "Risk owner",
        "Whatever",
    ]);
    let cols = plan_row(&crate::registers::risk::exchange::RISK_SCHEMA, &header, &[]);
    let fields: Vec<Option<&str>> = cols.iter().map(|c| c.field).collect();
    assert_eq!(
        fields,
        [
            Some("id"),
            Some("title"),
            Some("inherent_likelihood"),
            Some("inherent_impact"),
            Some("file_inherent_score"),
            Some("target_likelihood"),
            Some("owner"),
            None
        ]
    );
    assert_eq!(cols[4].how, "matched");
    assert_eq!(cols[7].how, "unknown");
    let explicit = explicit_map(
        &crate::registers::risk::exchange::RISK_SCHEMA,
        &["Whatever=category".into(), "Risk owner=".into()],
    )
    .unwrap();
    let cols = plan_row(
        &crate::registers::risk::exchange::RISK_SCHEMA,
        &header,
        &explicit,
    );
    assert_eq!(cols[7].field, Some("category"));
    assert_eq!(cols[6].how, "ignored");
    let e = explicit_map(
        &crate::registers::risk::exchange::RISK_SCHEMA,
        &["X=colour".into()],
    )
    .unwrap_err();
    assert!(
        e.fields()[0]
            .message
            .contains("'colour' is not a field of the risk register")
    );
}

#[test]
fn the_header_row_is_found_below_titles() {
    let grid = Grid {
        sheet: Some("Risk Assessment".into()),
        rows: vec![
            row(&["Northgate risk assessment"]),
            row(&["Scores are formulas"]),
            vec![],
            row(&["Risk ID", "Risk Description", "Likelihood", "Impact"]),
            row(&["R01", "Remote access", "4", "5"]),
        ],
        notes: Default::default(),
    };
    let explicit = explicit_map(
        &crate::registers::risk::exchange::RISK_SCHEMA,
        &["Risk Description=title".into()],
    )
    .unwrap();
    let plan = plan_grid(
        &crate::registers::risk::exchange::RISK_SCHEMA,
        &grid,
        &explicit,
    )
    .unwrap();
    assert_eq!(plan.header_row, 4);
    assert_eq!(plan.columns[1].field, Some("title"));
    let unmapped = plan_grid(&crate::registers::risk::exchange::RISK_SCHEMA, &grid, &[]).unwrap();
    assert_eq!(unmapped.header_row, 4);
    assert!(!unmapped.has("title"), "no title column without the map");
}

#[test]
fn mappings_name_columns_as_matching_does_or_by_letter_and_defaults_fill_the_gaps() {
    let grid = Grid {
        sheet: None,
        rows: vec![
            row(&["Risk title", "", "Likelihood (1-5)", "Impact", "Treatment"]),
            row(&["Ransomware", "anna@example.com", "4", "5", ""]),
            row(&["Phishing", "", "3", "3", "retain"]),
        ],
        notes: Default::default(),
    };
    let opts = Options {
        // "likelihood" names "Likelihood (1-5)" as automatic matching would; B has no header.
        map: vec!["likelihood=inherent_likelihood".into(), "B=owner".into()],
        defaults: vec!["owner=ciso@example.com".into(), "category=Cyber".into()],
        ..Default::default()
    };
    let schema = &crate::registers::risk::exchange::RISK_SCHEMA;
    let t = read_table(schema, std::slice::from_ref(&grid), &opts).unwrap();
    assert!(t.problems.is_empty(), "{:?}", t.problems);
    assert!(t.shape_problems.is_empty(), "{:?}", t.shape_problems);
    assert_eq!(t.columns[1].header, "B");
    assert_eq!(t.columns[1].field, Some("owner"));
    let rows: Vec<Vec<(&str, String)>> = t
        .data
        .iter()
        .map(|(n, cells)| t.values(*n, cells).collect())
        .collect();
    let get =
        |r: &[(&str, String)], f: &str| r.iter().find(|(k, _)| *k == f).map(|(_, v)| v.clone());
    assert_eq!(get(&rows[0], "owner").as_deref(), Some("anna@example.com"));
    assert_eq!(get(&rows[1], "owner").as_deref(), Some("ciso@example.com"));
    assert_eq!(get(&rows[1], "category").as_deref(), Some("Cyber"));
    assert_eq!(get(&rows[0], "inherent_likelihood").as_deref(), Some("4"));

    let bad = Options {
        defaults: vec!["colour=red".into()],
        ..Default::default()
    };
    let e = read_table(schema, std::slice::from_ref(&grid), &bad)
        .err()
        .unwrap();
    assert!(
        e.to_string()
            .contains("'colour' is not a field of the risk register")
    );

    // A row of headers Annex does not know: the message lists the fields and headers.
    let unknown = Grid {
        sheet: None,
        rows: vec![row(&["Foo", "Bar"]), row(&["1", "2"])],
        notes: Default::default(),
    };
    let t = read_table(schema, std::slice::from_ref(&unknown), &Options::default()).unwrap();
    assert!(
        t.problems[0]
            .message
            .contains("title (title, risktitle, riskname, name)"),
        "{}",
        t.problems[0].message
    );
}

#[test]
fn a_problem_repeated_on_many_rows_is_told_once_with_the_rows() {
    let p = |row: usize, column: &str, message: &str| RowProblem {
        rows: Vec::new(),
        row,
        column: column.into(),
        message: message.into(),
    };
    let told = told_once(vec![
        p(2, "Status", "'Sort of' is not a status"),
        p(3, "Status", "'Sort of' is not a status"),
        p(4, "Status", "'Sort of' is not a status"),
        p(4, "Owner", "too long"),
        p(9, "Status", "'Sort of' is not a status"),
    ]);
    let shown: Vec<String> = told.iter().map(|t| t.to_string()).collect();
    assert_eq!(
        shown,
        [
            "rows 2–4 and 9, column Status: 'Sort of' is not a status",
            "row 4, column Owner: too long"
        ]
    );
}

#[test]
fn an_empty_column_never_gives_its_field() {
    // Two owner columns: the first, empty, gives way to the second.
    let grid = Grid {
        sheet: None,
        rows: vec![
            row(&["Title", "Owner", "Risk owner", "Likelihood", "Impact"]),
            row(&["Ransomware", "", "anna@example.com", "3", "4"]),
            row(&["Phishing", "", "ben@example.com", "2", "2"]),
        ],
        notes: Default::default(),
    };
    let schema = &crate::registers::risk::exchange::RISK_SCHEMA;
    let t = read_table(schema, std::slice::from_ref(&grid), &Options::default()).unwrap();
    let read: Vec<(&str, Option<&str>, &str)> = t
        .columns
        .iter()
        .map(|c| (c.header.as_str(), c.field, c.how))
        .collect();
    assert_eq!(read[1], ("Owner", None, "empty"));
    assert_eq!(read[2], ("Risk owner", Some("owner"), "matched"));
    let values: Vec<(&str, String)> = t.values(2, t.data[0].1).collect();
    assert!(values.contains(&("owner", "anna@example.com".to_string())));
}
