//! A security manager brings the Statement of Applicability a consultant kept in a workbook
//! into Annex, in headless Chromium: SoA → "Import an SoA", the XLSX uploaded, the review
//! (the header under a title row, the catalogue's columns read past, the statuses in other
//! words read and kept), the import, and the decisions on the SoA's control pages.

use crate::browser::{Journey, click, find, path, set_up_annex, text, wait_for, wait_for_xpath};

/// The consultant's workbook: a cover sheet, then the SoA under a title row, in their words.
fn consultants_workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let cover = book.add_worksheet();
    cover.set_name("Cover").unwrap();
    cover.write_string(0, 0, "Example GmbH — ISMS").unwrap();
    let ws = book.add_worksheet();
    ws.set_name("SoA 2022").unwrap();
    let rows: &[&[&str]] = &[
        &["Statement of Applicability (ISO/IEC 27001:2022), v2"],
        &[
            "Control ID",
            "Control Name",
            "Applicable",
            "Reasons",
            "Justification",
            "Implementation Status",
            "Owner",
        ],
        &[
            "A.5.1",
            "Policies for information security",
            "Yes",
            "legal, risk assessment",
            "Η διοίκηση εγκρίνει τις πολιτικές",
            "Implemented (Documented)",
            "Ελένη Παπαδάκη",
        ],
        &[
            "A.8.13",
            "Information backup",
            "Ja",
            "risk assessment",
            "Backups protect against ransomware",
            "Teilweise umgesetzt",
            "",
        ],
        &[
            "A.5.23",
            "Information security for use of cloud services",
            "No",
            "",
            "We use no cloud service",
            "N/A",
            "",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (col, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32, col as u16, *v).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

#[tokio::test]
async fn a_security_manager_imports_a_consultants_2022_soa_workbook_in_a_browser() {
    for db in crate::harness::databases().await {
        import_journey(db).await;
    }
}

/// The journey on one database.
async fn import_journey(db: crate::harness::TestDb) {
    let Some(j) = Journey::start_on(db).await else {
        return;
    };
    let c = &j.client;
    set_up_annex(&j).await;

    let dir = tempfile::tempdir().expect("a temporary directory for the workbook");
    let file = dir.path().join("soa-2022.xlsx");
    std::fs::write(&file, consultants_workbook()).expect("write the workbook");
    let file = file.canonicalize().expect("the workbook's absolute path");

    // 1. SoA → Import an SoA: the upload form says what it reads.
    c.goto(&j.url("/soa")).await.expect("open the SoA");
    wait_for(
        c,
        "the SoA's Import button",
        ".actions a[href='/soa/import']",
    )
    .await;
    assert_eq!(
        text(c, ".actions a[href='/soa/import']").await,
        "Import an SoA"
    );
    click(c, ".actions a[href='/soa/import']").await;
    wait_for(
        c,
        "the upload form",
        "form[action='/soa/import'][enctype='multipart/form-data']",
    )
    .await;
    assert!(
        text(c, "main").await.contains("ISO/IEC 27002:2022"),
        "the form says which controls it reads"
    );
    find(c, "form[action='/soa/import'] input[type='file']#file")
        .await
        .send_keys(&file.display().to_string())
        .await
        .expect("choose the workbook");
    click(c, "form[action='/soa/import'] button[type='submit']").await;

    // 2. The review: the SoA sheet found under its title row, nothing written yet.
    let summary = "//main//div[contains(@class,'card')]/p[contains(., 'header on row')]";
    wait_for_xpath(c, "the review of the workbook", summary).await;
    let review = path(c).await;
    let upload_id = review
        .strip_prefix("/imports/")
        .unwrap_or_else(|| panic!("the review is at /imports/{{id}}: {review}"))
        .to_string();
    let card = text(c, "main div.card").await;
    assert!(
        card.contains("Sheet SoA 2022, header on row 2, 3 rows read"),
        "{card}"
    );
    assert!(
        card.contains("Ready: 3 new, 0 updated, 0 unchanged"),
        "{card}"
    );
    let notes = text(c, "main table.table").await;
    assert!(
        notes.contains("computed by Annex: not read"),
        "the catalogue's titles are read past: {notes}"
    );
    assert!(
        j.app
            .store
            .soa_decisions("iso27002-2022")
            .await
            .expect("read the SoA")
            .is_empty(),
        "a dry run writes nothing"
    );

    // 3. Import: every row at once.
    let import =
        format!("main form[method='post'][action='/imports/{upload_id}'] button[type='submit']");
    assert_eq!(text(c, &import).await, "Import 3 rows");
    click(c, &import).await;
    let done = wait_for(c, "the result of the import", "main div.notice").await;
    assert_eq!(
        done.text().await.expect("read the result"),
        "Done. 3 created, 0 updated, 0 unchanged. Every change is in the audit trail."
    );

    // 4. The decisions on the control pages, the words the file added kept.
    c.goto(&j.url("/soa/iso27002-2022/5.1"))
        .await
        .expect("open control 5.1");
    wait_for(c, "the control's page", "main h1").await;
    let page = text(c, "main").await;
    for expected in [
        "Η διοίκηση εγκρίνει τις πολιτικές",
        "Implementation status as written: Implemented (Documented)",
        "Ελένη Παπαδάκη",
    ] {
        assert!(page.contains(expected), "{expected}: {page}");
    }
    let decisions = j
        .app
        .store
        .soa_decisions("iso27002-2022")
        .await
        .expect("read the SoA");
    let of = |id: &str| {
        decisions
            .iter()
            .find(|d| d.control_id == id)
            .unwrap_or_else(|| panic!("{id} decided"))
    };
    assert_eq!(of("5.1").status.key(), "implemented");
    assert_eq!(of("8.13").status.key(), "partially_implemented");
    assert_eq!(of("5.23").applicable, Some(false));
    j.finish("the 2022 SoA import journey").await;
}
