//! A risk manager imports a register whose own levels were computed on another matrix, in
//! headless Chromium: the review shows each level that differs and the matrix the file's
//! levels describe, she chooses to adopt it, checks again, imports, and finds Annex's risk
//! matrix replaced and the risks rated on it.

use crate::browser::{Journey, click, find, path, set_up_annex, text, wait_for, wait_for_xpath};

/// Levels a band lower than Annex's default matrix gives for 1 × 3 and 3 × 1.
const REGISTER: &str = "\
Risk ID,Risk Title,Likelihood,Impact,Risk Level,Owner
R-1,Ransomware,4,5,Critical,anna@example.com
R-2,Shoulder surfing,1,3,Medium,anna@example.com
R-3,Lost badge,1,1,Low,anna@example.com
R-4,Outage,3,4,High,anna@example.com
R-5,Tailgating,3,1,Medium,anna@example.com
";

#[tokio::test]
async fn a_risk_manager_adopts_the_matrix_her_register_was_computed_on_in_a_browser() {
    for db in crate::harness::databases().await {
        journey(db).await;
    }
}

async fn journey(db: crate::harness::TestDb) {
    let Some(j) = Journey::start_on(db).await else {
        return;
    };
    let c = &j.client;
    set_up_annex(&j).await;
    let dir = tempfile::tempdir().expect("a temporary directory for the register");
    let file = dir.path().join("register.csv");
    std::fs::write(&file, REGISTER).expect("write the register");
    let file = file.canonicalize().expect("the register's absolute path");

    // 1. Risks → Import: the file is uploaded and checked.
    c.goto(&j.url("/risks/import"))
        .await
        .expect("open the import");
    find(c, "form[action='/risks/import'] input[type='file']#file")
        .await
        .send_keys(&file.display().to_string())
        .await
        .expect("choose the register");
    click(c, "form[action='/risks/import'] button[type='submit']").await;

    // 2. The review: two levels differ, and the file's matrix is drawn and offered.
    wait_for(c, "the levels the file computed", "#recomputed-h").await;
    let review = path(c).await;
    let differ = text(c, "section[aria-labelledby='recomputed-h'] > p").await;
    assert!(
        differ.starts_with("2 of 5 differ"),
        "the disagreement is counted: {differ}"
    );
    assert_eq!(
        text(c, "#file-matrix").await,
        "The risk matrix your file's levels describe"
    );
    let cells = c
        .find_all(fantoccini::Locator::Css(
            "section[aria-labelledby='recomputed-h'] svg.matrix rect",
        ))
        .await
        .expect("the file's grid");
    assert_eq!(
        cells.len(),
        25,
        "the file's grid is drawn on Annex's 5 × 5 scales"
    );
    assert!(
        find(c, "input[name='adopt_matrix'][value='']")
            .await
            .is_selected()
            .await
            .expect("read the choice"),
        "Annex keeps its matrix unless asked"
    );

    // 3. She adopts the file's matrix and checks again: the review says what will happen.
    click(c, "input[name='adopt_matrix'][value='1']").await;
    click(c, "fieldset button[form='recheck']").await;
    wait_for_xpath(
        c,
        "the review with the file's matrix",
        "//p/strong[.=\"The import will replace Annex's risk matrix with this one\"]",
    )
    .await;
    assert!(path(c).await.starts_with(&review), "still the same review");
    let agree = text(c, "section[aria-labelledby='recomputed-h'] > p").await;
    assert_eq!(
        agree,
        "All 5 agree with what Annex's risk matrix gives for the same ratings."
    );

    // 4. Import: the matrix is replaced in the same step.
    click(c, "main form[method='post'] button[type='submit'].primary").await;
    let done = wait_for(c, "the result of the import", "main div.notice").await;
    let said = done.text().await.expect("read the result");
    assert!(
        said.contains("5 created")
            && said.contains(
                "Annex's risk matrix was replaced by the one your file's levels describe"
            ),
        "{said}"
    );
    let m = j.app.store.risk_matrix().await.expect("read the matrix");
    assert_eq!(m.level_of(1, 3).expect("1 × 3").name, "Medium");
    assert_eq!(m.level_of(3, 1).expect("3 × 1").name, "Medium");
    let r5 = j.app.store.risk("R-5").await.expect("R-5 was imported");
    assert_eq!(r5.inherent.level, "medium", "rated on the adopted matrix");

    // 5. The matrix page shows the grid the file described.
    c.goto(&j.url("/risk-matrix"))
        .await
        .expect("open the matrix");
    wait_for(c, "the matrix page", "svg.matrix").await;
    assert_eq!(text(c, "main h1").await, "Risk matrix");
    j.finish("the matrix adoption journey").await;
}
