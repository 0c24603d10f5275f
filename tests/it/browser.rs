//! The browser journeys, in headless Chromium driven through chromedriver (fantoccini):
//! a newcomer sets Annex up, signs out and in again, filters the catalogue with the live
//! filters, opens a control and signs out; a risk manager records an asset and a measure,
//! rates, treats and accepts a risk, and finds it on the heat map; a risk manager imports
//! last year's register from a spreadsheet, mapping its columns and words on the review; a
//! manager decides a control of the Statement of Applicability, proves it with a PDF,
//! approves the SoA as version 1 and downloads its PDF.
//!
//! Needs `/usr/bin/chromedriver` and `/usr/bin/chromium` (Debian's `chromium-driver` and
//! `chromium`); the environment variables `CHROMEDRIVER` and `CHROMIUM` override the paths.
//! Without them the journeys are skipped with a notice, or fail under `ANNEX_REQUIRE_SUITES=1`.

use crate::harness::{PASSWORD, TestApp, TestDb, notice, require_suites, serve_tcp};
use annex::domain::catalog::ControlFilter;
use annex::domain::user::Role;
use fantoccini::elements::Element;
use fantoccini::error::NewSessionError;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long any one step may take before the journey fails.
const WAIT: Duration = Duration::from_secs(10);
/// How often a wait looks again.
const POLL: Duration = Duration::from_millis(50);
/// How long chromedriver may take to start and open a browser.
const STARTUP: Duration = Duration::from_secs(20);

const ORGANISATION: &str = "Northwind Trading";
const ADMIN_NAME: &str = "Nora Newcomer";
const ADMIN_EMAIL: &str = "nora@northwind.example";
const FRAMEWORK: &str = "iso27002-2022";

const ASSET_ID: &str = "SRV-01";
const ASSET_NAME: &str = "File server";
const MEASURE_NAME: &str = "MFA on VPN";
const RISK_TITLE: &str = "Ransomware on the file server";
const EVIDENCE_TITLE: &str = "Backup restore test, first quarter";
const RATIONALE: &str =
    "MFA on the VPN is funded for this quarter; residual risk accepted until it is live";

#[tokio::test]
async fn a_newcomer_sets_up_annex_and_browses_the_catalogue_in_a_browser() {
    let Some(j) = Journey::start().await else {
        return;
    };
    let app = &j.app;

    // What the catalogue should show, straight from the store.
    let everything = app
        .store
        .controls(FRAMEWORK, &ControlFilter::default(), None, 1000)
        .await
        .expect("list the whole 2022 catalogue");
    let detective_filter = ControlFilter::parse(None, &["control_type:Detective".into()], None)
        .expect("parse the Detective filter");
    let detective = app
        .store
        .controls(FRAMEWORK, &detective_filter, None, 1000)
        .await
        .expect("list the detective controls");
    assert!(
        detective.total > 0 && detective.total < everything.total,
        "the Detective filter must narrow the catalogue ({} of {})",
        detective.total,
        everything.total
    );
    let monitoring = detective
        .items
        .iter()
        .find(|c| c.id == "8.16")
        .expect("8.16 is a detective control");

    let c = &j.client;

    // 1. A fresh Annex sends the newcomer to first-run setup.
    set_up_annex(&j).await;

    // 2. Setup signs the administrator in and shows the dashboard.
    assert_eq!(path(c).await, "/", "setup lands on the dashboard");
    assert_eq!(text(c, "main h1").await, "Dashboard");
    assert_eq!(text(c, "header.topbar .org").await, ORGANISATION);
    assert!(
        text(c, "header.topbar .usermenu")
            .await
            .contains(ADMIN_NAME),
        "the top bar names the signed-in administrator"
    );

    // 3. Sign out, and back in with the same e-mail address and password.
    click(
        c,
        "header.topbar form[action='/logout'] button[type='submit']",
    )
    .await;
    wait_for(
        c,
        "the sign-in form after signing out",
        "form[action='/login']",
    )
    .await;
    assert_eq!(
        path(c).await,
        "/login",
        "signing out lands on the sign-in page"
    );
    type_into(c, "#email", ADMIN_EMAIL).await;
    type_into(c, "#password", PASSWORD).await;
    click(c, "form[action='/login'] button[type='submit']").await;
    wait_for(c, "the top bar after signing in", "header.topbar").await;
    assert_eq!(path(c).await, "/", "signing in lands on the dashboard");
    assert_eq!(text(c, "main h1").await, "Dashboard");

    // 4. The catalogue, through the side navigation.
    click(c, "nav.sidenav a[href='/controls']").await;
    wait_for(c, "the catalogue", "#catalogue .results p.count").await;
    assert_eq!(path(c).await, "/controls");
    assert_eq!(result_count(c).await, everything.total);
    assert_eq!(result_rows(c).await.len() as i64, everything.total);
    // The live-filter script hides the "Apply filters" button.
    wait_for(
        c,
        "the live-filter script to hide the Apply filters button",
        "#catalogue button[data-hide-live][hidden]",
    )
    .await;

    // 5. Tick "Detective" under "Control type": the results follow without a page load.
    let legend = text(
        c,
        "#catalogue fieldset:has(input[value='control_type:Detective']) legend",
    )
    .await;
    assert_eq!(legend, "Control type");
    let detective_box = "#catalogue input[name='attr'][value='control_type:Detective']";
    // A mark on the page's window: it survives a live update, not a page load.
    c.execute(
        "window.annexJourney = 'same page'; return null;",
        Vec::new(),
    )
    .await
    .expect("mark the catalogue page");
    click(c, detective_box).await;
    wait_for_xpath(
        c,
        "the results to be filtered",
        "//section[contains(@class,'results')]/p[contains(@class,'count')][contains(., 'match')]",
    )
    .await;
    assert_eq!(
        result_count(c).await,
        detective.total,
        "the count follows the filter"
    );
    let rows = result_rows(c).await;
    let expected: Vec<&str> = detective.items.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        rows, expected,
        "the rows are exactly the detective controls"
    );
    let mark = c
        .execute("return window.annexJourney || null;", Vec::new())
        .await
        .expect("read the page mark");
    assert_eq!(
        mark, "same page",
        "the filter updated the page in place instead of loading a new one"
    );
    let current = c.current_url().await.expect("read the URL after filtering");
    assert_eq!(current.path(), "/controls");
    assert!(
        current
            .query_pairs()
            .any(|(k, v)| k == "attr" && v == "control_type:Detective"),
        "the URL follows the filter, so the view can be shared: {current}"
    );
    assert!(
        find(c, detective_box)
            .await
            .is_selected()
            .await
            .expect("read the checkbox state"),
        "the Detective box stays ticked"
    );

    // 6. Open 8.16 from the results.
    let link = c
        .find(Locator::XPath(
            "//section[contains(@class,'results')]//td[contains(@class,'id')]/a[normalize-space(.)='8.16']",
        ))
        .await
        .expect("find the link to 8.16 in the filtered results");
    link.click().await.expect("click the link to 8.16");
    wait_for(c, "the page of control 8.16", "main h1 span.cid").await;
    assert_eq!(path(c).await, format!("/controls/{FRAMEWORK}/8.16"));
    assert_eq!(text(c, "main h1 span.cid").await, "8.16");
    let heading = text(c, "main h1").await;
    assert!(
        heading.contains(&monitoring.title),
        "the heading {heading:?} carries the title {:?}",
        monitoring.title
    );
    let attributes = c
        .find(Locator::XPath("//section[h2='Attributes']"))
        .await
        .expect("control 8.16 has an Attributes section")
        .text()
        .await
        .expect("read the Attributes section");
    assert!(
        attributes.contains("Detective"),
        "the Attributes section lists the control type: {attributes}"
    );

    // 7. Sign out from the top bar; the session is gone.
    click(
        c,
        "header.topbar form[action='/logout'] button[type='submit']",
    )
    .await;
    wait_for(
        c,
        "the sign-in form after signing out",
        "form[action='/login']",
    )
    .await;
    assert_eq!(
        path(c).await,
        "/login",
        "signing out lands on the sign-in page"
    );
    assert!(
        c.find(Locator::Css("header.topbar")).await.is_err(),
        "no signed-in top bar after signing out"
    );

    j.finish("the newcomer's journey").await;
}

#[tokio::test]
async fn a_risk_manager_rates_treats_and_accepts_a_risk_and_sees_it_on_the_heat_map() {
    let Some(j) = Journey::start().await else {
        return;
    };
    let c = &j.client;
    let today = time::OffsetDateTime::now_utc().date();
    let due = (today + time::Duration::days(90)).to_string();
    let valid_until = (today + time::Duration::days(180)).to_string();

    // 1. First-run setup signs the administrator in.
    set_up_annex(&j).await;
    assert_eq!(path(c).await, "/", "setup lands on the dashboard");

    // 2. Assets → New asset: the file server.
    click(c, "nav.sidenav a[href='/assets']").await;
    wait_for(
        c,
        "the asset register's New asset button",
        ".pagehead .actions a[href='/assets/new']",
    )
    .await;
    assert_eq!(text(c, "main h1").await, "Assets");
    click(c, ".pagehead .actions a[href='/assets/new']").await;
    wait_for(c, "the new-asset form", "form[action='/assets']").await;
    assert_eq!(text(c, "main h1").await, "New asset");
    type_into(c, "#id", ASSET_ID).await;
    type_into(c, "#name", ASSET_NAME).await;
    choose(c, "#asset_type", "hardware").await;
    choose(c, "#classification", "internal").await;
    choose(c, "#availability", "4").await;
    type_into(c, "#location", "Server room, first floor").await;
    click(c, "form[action='/assets'] button[type='submit']").await;
    wait_for_notice(c, "The asset was saved.").await;
    assert_eq!(path(c).await, format!("/assets/{ASSET_ID}"));
    assert_eq!(text(c, "main h1 span.cid").await, ASSET_ID);
    assert_eq!(text(c, "main h1").await, format!("{ASSET_ID} {ASSET_NAME}"));
    assert_eq!(fact(c, "Facts", "Type").await, "Hardware");
    assert_eq!(
        fact(c, "Facts", "Location").await,
        "Server room, first floor"
    );
    assert_eq!(
        fact(c, "Classification and value", "Classification").await,
        "Internal"
    );
    assert_eq!(
        fact(c, "Classification and value", "Availability").await,
        "4 Major",
        "the availability is shown as a step of the impact scale"
    );
    assert_eq!(
        fact(c, "Classification and value", "Confidentiality").await,
        "not rated"
    );

    // 3. Measures → New measure: MFA on the VPN, implementing 5.17 and 8.5.
    click(c, "nav.sidenav a[href='/measures']").await;
    wait_for(
        c,
        "the treatment plan's New measure button",
        ".pagehead .actions a[href='/measures/new']",
    )
    .await;
    assert_eq!(text(c, "main h1").await, "Measures");
    click(c, ".pagehead .actions a[href='/measures/new']").await;
    wait_for(c, "the new-measure form", "form[action='/measures']").await;
    assert_eq!(text(c, "main h1").await, "New measure");
    type_into(c, "#name", MEASURE_NAME).await;
    type_into(c, "#controls", "5.17, 8.5").await;
    set_date(c, "#due_on", &due).await;
    click(c, "form[action='/measures'] button[type='submit']").await;
    wait_for_notice(c, "The measure was saved.").await;
    // The measure got its id automatically: read it from the page's heading.
    let measure_id = text(c, "main h1 span.cid").await;
    assert!(
        measure_id.starts_with("M-"),
        "an automatic measure id: {measure_id:?}"
    );
    assert_eq!(path(c).await, format!("/measures/{measure_id}"));
    assert_eq!(
        text(c, "main h1").await,
        format!("{measure_id} {MEASURE_NAME}")
    );
    assert_eq!(fact(c, "Facts", "Due").await, due);
    let lede = text(c, ".pagehead p.lede").await;
    assert!(
        lede.contains(&format!("due {due}")) && !lede.contains("overdue"),
        "the header gives the due date, not overdue: {lede:?}"
    );
    let controls = links_in(c, "//section[h2='Controls it implements']//li/a").await;
    assert_eq!(
        controls,
        [
            ("5.17".to_string(), format!("/controls/{FRAMEWORK}/5.17")),
            ("8.5".to_string(), format!("/controls/{FRAMEWORK}/8.5")),
        ],
        "the measure links the controls it implements"
    );
    let implemented = section_text(c, "Controls it implements").await;
    for title in ["Authentication information", "Secure authentication"] {
        assert!(
            implemented.contains(title),
            "the controls are listed with their titles ({title:?}): {implemented}"
        );
    }

    // 4. Risks → New risk: ransomware on the file server, rated, treated by the measure.
    click(c, "nav.sidenav a[href='/risks']").await;
    wait_for(
        c,
        "the risk register's New risk button",
        ".pagehead .actions a[href='/risks/new']",
    )
    .await;
    assert_eq!(text(c, "main h1").await, "Risks");
    click(c, ".pagehead .actions a[href='/risks/new']").await;
    wait_for(c, "the new-risk form", "form[action='/risks']").await;
    assert_eq!(text(c, "main h1").await, "New risk");
    type_into(c, "#title", RISK_TITLE).await;
    type_into(c, "#threat", "A criminal gang deploys ransomware").await;
    type_into(
        c,
        "#vulnerability",
        "Remote access with a password alone; unpatched file shares",
    )
    .await;
    type_into(
        c,
        "#consequence",
        "Shared files encrypted; work stops for days",
    )
    .await;
    choose(c, "#inherent_likelihood", "4").await;
    choose(c, "#inherent_impact", "5").await;
    choose(c, "#target_likelihood", "2").await;
    choose(c, "#target_impact", "4").await;
    choose(c, "#treatment", "modify").await;
    type_into(c, "#assets", ASSET_ID).await;
    type_into(c, "#measures", &measure_id).await;
    click(c, "form[action='/risks'] button[type='submit']").await;
    wait_for_notice(c, "The risk was saved.").await;
    let risk_id = text(c, "main h1 span.cid").await;
    assert!(
        risk_id.starts_with("R-"),
        "an automatic risk id: {risk_id:?}"
    );
    assert_eq!(path(c).await, format!("/risks/{risk_id}"));
    assert_eq!(text(c, "main h1").await, format!("{risk_id} {RISK_TITLE}"));
    let lede = text(c, ".pagehead p.lede").await;
    assert!(
        lede.starts_with("● open · Residual level High · modify (mitigate)"),
        "the header gives the residual level and the treatment: {lede:?}"
    );
    assert_eq!(
        fact(c, "Scenario", "Threat").await,
        "A criminal gang deploys ransomware"
    );
    assert_eq!(
        table_rows(c, "//section[h2='Ratings']//tbody/tr").await,
        [
            ["Inherent", "4 Likely", "5 Severe", "Critical"],
            // Current was left "same as before": it follows the inherent rating.
            ["Current", "4 Likely", "5 Severe", "Critical"],
            ["Residual", "2 Unlikely", "4 Major", "High"],
        ],
        "the ratings with their scale steps and level names"
    );
    assert_eq!(
        links_in(c, "//section[h2='Affected assets']//li/a").await,
        [(ASSET_ID.to_string(), format!("/assets/{ASSET_ID}"))],
        "the risk links its asset"
    );
    assert!(
        section_text(c, "Affected assets")
            .await
            .contains(ASSET_NAME)
    );
    let treating = section_text(c, "Treatment: measures").await;
    assert!(
        treating.contains(MEASURE_NAME) && treating.contains("5.17") && treating.contains("8.5"),
        "the treating measure is named with its controls: {treating}"
    );
    find_xpath(
        c,
        &format!(
            "//section[h2='Treatment: measures']//li/a[@href='/measures/{measure_id}'][.='{measure_id}']"
        ),
    )
    .await;

    // 5. Accept the residual risk: High is above the threshold, so a rationale is required.
    let acceptance = text(c, "#acceptance").await;
    assert!(
        acceptance.contains("Not accepted yet.")
            && acceptance.contains("above the acceptance threshold"),
        "before acceptance, the section says so and asks for a rationale: {acceptance}"
    );
    type_into(c, "#rationale", RATIONALE).await;
    set_date(c, "#valid_until", &valid_until).await;
    click(c, "#acceptance form button[type='submit']").await;
    wait_for_notice(c, "The residual risk was accepted.").await;
    assert_eq!(path(c).await, format!("/risks/{risk_id}"));
    assert_eq!(
        text(c, "#acceptance p strong").await,
        "active",
        "the acceptance is active"
    );
    let acceptance = text(c, "#acceptance").await;
    for part in [
        format!("accepted by {ADMIN_EMAIL}"),
        format!("valid until {valid_until}"),
        "(2×4)".to_string(),
        format!("“{RATIONALE}”"),
    ] {
        assert!(
            acceptance.contains(&part),
            "the acceptance shows {part:?}: {acceptance}"
        );
    }

    // 6. The heat map, from the Risks page: one risk in each map, in its cell.
    click(c, "nav.sidenav a[href='/risks']").await;
    wait_for(
        c,
        "the risk register's Heat map button",
        ".pagehead .actions a[href='/risks/heat-map']",
    )
    .await;
    let listed = table_rows(c, "//table[contains(@class,'list')]/tbody/tr").await;
    assert_eq!(listed.len(), 1, "one risk in the register: {listed:?}");
    click(c, ".pagehead .actions a[href='/risks/heat-map']").await;
    wait_for(c, "the heat map", "svg.matrix").await;
    assert_eq!(path(c).await, "/risks/heat-map");
    assert_eq!(text(c, "main h1").await, "Risk heat map");
    assert_eq!(
        filled_cells(c, "Inherent risk").await,
        [(
            "/risks?cell=inherent:4:5&status=active".to_string(),
            "1".to_string()
        )],
        "the inherent map counts the risk at likelihood 4, impact 5, and nothing else"
    );
    assert_eq!(
        filled_cells(c, "Residual risk").await,
        [(
            "/risks?cell=target:2:4&status=active".to_string(),
            "1".to_string()
        )],
        "the residual map counts the risk at likelihood 2, impact 4, and nothing else"
    );
    let cell = find_xpath(c, "//section[h2='Residual risk']")
        .await
        .find(Locator::Css(
            "svg a[href='/risks?cell=target:2:4&status=active']",
        ))
        .await
        .expect("find the residual cell at likelihood 2, impact 4");
    cell.click()
        .await
        .expect("click the residual cell at likelihood 2, impact 4");
    wait_for_xpath(
        c,
        "the register filtered by the heat-map cell",
        "//p[contains(@class,'count')][contains(., 'heat-map cell target:2:4')]",
    )
    .await;
    let url = c.current_url().await.expect("read the URL after the cell");
    assert_eq!(url.path(), "/risks");
    assert_eq!(url.query(), Some("cell=target:2:4&status=active"));
    assert_eq!(
        text(c, "main p.count").await,
        "1 risk match (heat-map cell target:2:4)"
    );
    assert_eq!(
        table_rows(c, "//table[contains(@class,'list')]/tbody/tr").await,
        [[
            risk_id.as_str(),
            RISK_TITLE,
            ADMIN_EMAIL,
            "Critical",
            "Critical",
            "High",
            "modify (mitigate)",
            "● open",
            "active",
        ]],
        "the cell's register lists the risk, with its levels and active acceptance"
    );

    // 7. The asset, from the risk's page.
    click_xpath(
        c,
        &format!("//table[contains(@class,'list')]//td[contains(@class,'id')]/a[.='{risk_id}']"),
    )
    .await;
    let asset_link = format!("main section a[href='/assets/{ASSET_ID}']");
    wait_for(c, "the risk's link to its asset", &asset_link).await;
    click(c, &asset_link).await;
    wait_for_xpath(
        c,
        "the page of the asset",
        &format!("//main//h1/span[contains(@class,'cid')][.='{ASSET_ID}']"),
    )
    .await;
    assert_eq!(path(c).await, format!("/assets/{ASSET_ID}"));
    let on_asset = table_rows(c, "//section[@id='risks']//tbody/tr").await;
    assert_eq!(
        on_asset
            .iter()
            .map(|r| [r[0].as_str(), r[1].as_str(), r[2].trim()])
            .collect::<Vec<_>>(),
        [[risk_id.as_str(), RISK_TITLE, "High"]],
        "the asset's page lists the risk on it with its residual level"
    );
    // The register's Asset filter gives the same list.
    click(c, "nav.sidenav a[href='/risks']").await;
    wait_for(c, "the risk register's filters", "form.filters #asset").await;
    type_into(c, "form.filters #asset", ASSET_ID).await;
    click(c, "form.filters button[type='submit']").await;
    wait_for_xpath(
        c,
        "the register filtered by the asset",
        "//p[contains(@class,'count')][contains(., 'match')]",
    )
    .await;
    let url = c.current_url().await.expect("read the URL after filtering");
    assert!(
        url.query_pairs()
            .any(|(k, v)| k == "asset" && v == ASSET_ID),
        "the register is filtered by the asset: {url}"
    );
    assert_eq!(text(c, "main p.count").await, "1 risk match");
    let rows = table_rows(c, "//table[contains(@class,'list')]/tbody/tr").await;
    assert_eq!(
        rows.iter()
            .map(|r| [r[0].as_str(), r[1].as_str()])
            .collect::<Vec<_>>(),
        [[risk_id.as_str(), RISK_TITLE]],
        "the risks on {ASSET_ID} are the ransomware risk"
    );

    j.finish("the risk manager's journey").await;
}

/// Last year's risk register as a spreadsheet keeps it: a title line and a blank line above
/// the header (so the header is on row 3), "Risk Description" for the title (a header Annex
/// reads as the consequence by itself) and a misspelt likelihood on row 5.
const LAST_YEARS_REGISTER: &str = "Risk register 2025,,,,,,\n\
    ,,,,,,\n\
    Risk ID,Risk Description,Likelihood (1-5),Impact,Risk Score,Treatment Option,Status\n\
    R-7,Ransomware on file servers,4,5,20,Mitigate,Open\n\
    R-8,Phishing of finance staff,hihg,4,16,Accept with monitoring,Open\n";

#[tokio::test]
async fn a_risk_manager_imports_last_years_register_maps_its_columns_and_fixes_its_words_in_the_browser()
 {
    let Some(j) = Journey::start().await else {
        return;
    };
    let c = &j.client;

    // 1. First-run setup signs the administrator in.
    set_up_annex(&j).await;
    assert_eq!(path(c).await, "/", "setup lands on the dashboard");

    // 2. The file, as it came out of last year's spreadsheet.
    let dir = tempfile::tempdir().expect("a temporary directory for the spreadsheet");
    let file = dir.path().join("register-2025.csv");
    std::fs::write(&file, LAST_YEARS_REGISTER).expect("write the spreadsheet");
    let file = file
        .canonicalize()
        .expect("the spreadsheet's absolute path");

    // 3. Risks → Import: upload the file.
    click(c, "nav.sidenav a[href='/risks']").await;
    wait_for(
        c,
        "the risk register's Import button",
        ".pagehead .actions a[href='/risks/import']",
    )
    .await;
    assert_eq!(
        text(c, ".pagehead .actions a[href='/risks/import']").await,
        "Import"
    );
    click(c, ".pagehead .actions a[href='/risks/import']").await;
    wait_for(
        c,
        "the upload form",
        "form[action='/risks/import'][enctype='multipart/form-data']",
    )
    .await;
    assert_eq!(path(c).await, "/risks/import");
    assert_eq!(text(c, "main h1").await, "Import risks from a spreadsheet");
    find(c, "form[action='/risks/import'] input[type='file']#file")
        .await
        .send_keys(&file.display().to_string())
        .await
        .expect("choose the spreadsheet in the file field");
    let upload = "form[action='/risks/import'] button[type='submit']";
    assert_eq!(text(c, upload).await, "Upload and check");
    click(c, upload).await;

    // 4. The review: the header is found under the title block, but nothing holds the title.
    let summary = "//main//div[contains(@class,'card')]/p[contains(., 'Header on row')]";
    wait_for_xpath(c, "the review of the upload", summary).await;
    let review = path(c).await;
    let upload_id = review
        .strip_prefix("/imports/")
        .unwrap_or_else(|| panic!("the upload opens its review at /imports/{{id}}: {review}"))
        .to_string();
    assert!(!upload_id.is_empty(), "the review names its upload");
    assert_eq!(text(c, "main h1").await, "Check register-2025.csv");
    assert!(
        text(c, "main p.lede")
            .await
            .contains("Nothing has been written yet."),
        "the review is a dry run"
    );
    assert_eq!(
        find_xpath(c, summary)
            .await
            .text()
            .await
            .expect("read the summary"),
        "Header on row 3, 2 rows read.",
        "the title line and the blank line above the header are skipped"
    );
    assert_eq!(
        column_notes(c).await,
        [
            ("Risk ID", "matched by its header"),
            ("Risk Description", "matched by its header"),
            ("Likelihood (1-5)", "matched by its header"),
            ("Impact", "matched by its header"),
            ("Risk Score", "computed by Annex: not read"),
            ("Treatment Option", "matched by its header"),
            ("Status", "matched by its header"),
        ]
        .map(|(h, n)| (h.to_string(), n.to_string())),
        "how each column is read before any mapping"
    );
    assert_eq!(
        problems(c).await,
        ["row 3: no column holds the risk title: map one to 'title'"],
        "the review asks for the title column and stops there"
    );
    assert!(
        c.find(Locator::XPath("//main//p[strong='Ready:']"))
            .await
            .is_err(),
        "nothing can be imported yet"
    );

    // "Risk Description" is one of the consequence's synonyms: read it as the title instead,
    // and check again.
    let description = column_select(c, "Risk Description").await;
    assert_eq!(
        find(c, &description)
            .await
            .prop("value")
            .await
            .expect("read the description's mapping")
            .as_deref(),
        Some("Risk Description=consequence"),
        "Annex reads a risk description as the consequence by itself"
    );
    choose(c, &description, "Risk Description=title").await;
    click(c, "main form[method='get'] button[type='submit']").await;
    wait_for_xpath(
        c,
        "the review with the description read as the title",
        "//main//tr[th='Risk Description']/td[contains(., 'mapped by you')]",
    )
    .await;
    assert_eq!(path(c).await, review, "checking again stays on the review");
    let url = c.current_url().await.expect("read the URL after checking");
    assert!(
        url.query_pairs()
            .any(|(k, v)| k == "map" && v == "Risk Description=title"),
        "the mapping travels in the review's URL: {url}"
    );
    assert_eq!(
        find(c, &column_select(c, "Risk Description").await)
            .await
            .prop("value")
            .await
            .expect("read the description's mapping")
            .as_deref(),
        Some("Risk Description=title"),
        "the select keeps the mapping chosen"
    );

    // 5. Now the rows are read: the misspelt likelihood is named by row and column.
    // (The current and residual likelihoods, which default to the inherent one, are reported
    // on the same row as follow-ups; only row 5 is at fault.)
    let listed = problems(c).await;
    let problem = listed.first().expect("the review lists a problem");
    assert!(
        problem.starts_with("row 5, column Likelihood (1-5):")
            && problem.contains("hihg")
            && problem.contains("is not a level of the likelihood scale"),
        "the first problem names the row, the column and the word: {listed:?}"
    );
    assert!(
        listed.iter().all(|p| p.starts_with("row 5, ")),
        "row 4 is valid: every problem is on row 5: {listed:?}"
    );
    assert!(
        text(c, "main .errorbox")
            .await
            .contains("nothing will be imported until every row is valid"),
        "the problems block the import"
    );
    assert_eq!(
        j.app.store.risk_count().await.expect("count the risks"),
        0,
        "a dry run writes nothing"
    );

    // Their word "hihg" is our likelihood 4; check again.
    type_into(c, "#values", "inherent_likelihood:hihg=4").await;
    click(c, "main form[method='get'] button[type='submit']").await;
    let ready = wait_for_xpath(
        c,
        "the review to be ready to import",
        "//main//div[contains(@class,'card')]/p[strong='Ready:']",
    )
    .await;
    assert_eq!(
        ready.text().await.expect("read the Ready line"),
        "Ready: 2 new, 0 updated, 0 unchanged."
    );
    assert!(
        c.find(Locator::Css("main .errorbox")).await.is_err(),
        "no problem is left"
    );
    assert_eq!(
        find(c, "#values")
            .await
            .prop("value")
            .await
            .expect("read the words of the file")
            .as_deref(),
        Some("inherent_likelihood:hihg=4"),
        "the words typed are kept on the page"
    );
    assert_eq!(
        find(c, &column_select(c, "Risk Description").await)
            .await
            .prop("value")
            .await
            .expect("read the description's mapping")
            .as_deref(),
        Some("Risk Description=title"),
        "the mapping survives the second check"
    );
    assert_eq!(j.app.store.risk_count().await.expect("count the risks"), 0);

    // 6. Import: all rows at once.
    let import =
        format!("main form[method='post'][action='/imports/{upload_id}'] button[type='submit']");
    assert_eq!(text(c, &import).await, "Import 2 rows");
    click(c, &import).await;
    let done = wait_for(c, "the result of the import", "main div.notice").await;
    assert_eq!(
        done.text().await.expect("read the result"),
        "Done. 2 created, 0 updated, 0 unchanged. Every change is in the audit trail."
    );
    assert_eq!(text(c, "main h1").await, "Imported register-2025.csv");
    let r7 = j.app.store.risk("R-7").await.expect("R-7 was imported");
    assert_eq!(r7.title, "Ransomware on file servers");
    assert_eq!((r7.inherent.likelihood, r7.inherent.impact), (4, 5));
    let r8 = j.app.store.risk("R-8").await.expect("R-8 was imported");
    assert_eq!(r8.title, "Phishing of finance staff");
    assert_eq!(
        (r8.inherent.likelihood, r8.inherent.impact),
        (4, 4),
        "'hihg' was read as likelihood 4"
    );

    // The register lists both risks.
    click(c, "main a.button.primary[href='/risks']").await;
    wait_for(c, "the register after the import", "main p.count").await;
    assert_eq!(path(c).await, "/risks");
    assert_eq!(text(c, "main p.count").await, "2 risks");
    let mut listed: Vec<[String; 2]> = table_rows(c, "//table[contains(@class,'list')]/tbody/tr")
        .await
        .into_iter()
        .map(|r| [r[0].clone(), r[1].clone()])
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        [
            ["R-7", "Ransomware on file servers"],
            ["R-8", "Phishing of finance staff"],
        ]
        .map(|r| r.map(String::from)),
        "the register lists the imported risks with their ids and titles"
    );

    // 7. The import consumed the upload: its review is gone.
    c.goto(&j.url(&review))
        .await
        .expect("open the review again");
    wait_for(c, "the error page", "main.narrow p.brand").await;
    assert_eq!(text(c, "main h1").await, "Not found");
    assert_eq!(j.app.store.risk_count().await.expect("count the risks"), 2);

    j.finish("the import journey").await;
}

#[tokio::test]
async fn a_manager_decides_a_control_proves_it_and_approves_the_soa_in_a_browser() {
    let Some(j) = Journey::start().await else {
        return;
    };
    let c = &j.client;
    let app = &j.app;

    // Annex is set up (in process); a manager signs in through the form.
    app.set_up().await;
    let manager = app.add_user(Role::Manager).await;
    c.goto(&j.url("/login"))
        .await
        .expect("open the sign-in page");
    wait_for(c, "the sign-in form", "form[action='/login']").await;
    type_into(c, "#email", &manager).await;
    type_into(c, "#password", PASSWORD).await;
    click(c, "form[action='/login'] button[type='submit']").await;
    wait_for(c, "the top bar after signing in", "header.topbar").await;
    assert_eq!(path(c).await, "/", "signing in lands on the dashboard");

    // 1. The page of 8.13: applicable for two reasons, implemented, owned by the manager.
    let control = format!("/soa/{FRAMEWORK}/8.13");
    c.goto(&j.url(&control))
        .await
        .expect("open the page of 8.13");
    let form = format!("form[action='{control}']");
    wait_for(c, "the decision form of 8.13", &form).await;
    assert_eq!(text(c, "main h1 span.cid").await, "8.13");
    assert!(text(c, "main p.lede").await.contains("Not decided yet"));
    click(c, &format!("{form} input[name='applicable'][value='yes']")).await;
    click(
        c,
        &format!("{form} input[name='reasons'][value='risk_treatment']"),
    )
    .await;
    click(c, &format!("{form} input[name='reasons'][value='legal']")).await;
    choose(c, "#status", "implemented").await;
    type_into(c, "#owner", &manager).await;
    click(c, &format!("{form} button[type='submit']")).await;
    wait_for_notice(c, "The decision was saved.").await;
    assert_eq!(path(c).await, control);
    assert!(
        text(c, "main p.lede")
            .await
            .starts_with("Applicable · ● implemented"),
        "the heading says it is applicable and implemented"
    );
    let no_valid_evidence = "implemented, but no valid evidence proves it";
    let asked = auditor_questions(c).await;
    assert!(
        asked.iter().any(|w| w == no_valid_evidence),
        "an implemented control without evidence is flagged: {asked:?}"
    );
    let evidence_heading = "//main//section/div/h2[starts-with(normalize-space(.), 'Evidence')]";
    assert_eq!(
        find_xpath(c, evidence_heading)
            .await
            .text()
            .await
            .expect("read the evidence heading"),
        "Evidence ● no evidence"
    );

    // 2. Attach evidence: a small PDF, valid until next year.
    let attach = "main a.button[href='/evidence/new?control=8.13']";
    assert_eq!(text(c, attach).await, "Attach evidence");
    click(c, attach).await;
    wait_for(
        c,
        "the evidence form",
        "form[action='/evidence'][enctype='multipart/form-data']",
    )
    .await;
    assert_eq!(path(c).await, "/evidence/new");
    assert_eq!(
        find(c, "#controls")
            .await
            .prop("value")
            .await
            .expect("read the controls field")
            .as_deref(),
        Some("8.13"),
        "the form is for 8.13 already"
    );
    let dir = tempfile::tempdir().expect("a temporary directory for the file");
    let file = dir.path().join("restore-test.pdf");
    std::fs::write(&file, crate::soa_versions::SMALL_PDF).expect("write the PDF");
    let file = file.canonicalize().expect("the PDF's absolute path");
    type_into(c, "#title", EVIDENCE_TITLE).await;
    find(c, "form[action='/evidence'] input[type='file']#file")
        .await
        .send_keys(&file.display().to_string())
        .await
        .expect("choose the PDF in the file field");
    let today = app.store.today();
    let next_year = format!(
        "{}{}",
        today[..4].parse::<i32>().expect("a year") + 1,
        &today[4..]
    );
    set_date(c, "#valid_until", &next_year).await;
    click(c, "form[action='/evidence'] button[type='submit']").await;
    wait_for_notice(c, "The evidence was saved.").await;
    let evidence_page = path(c).await;
    let evidence_id = evidence_page
        .strip_prefix("/evidence/")
        .unwrap_or_else(|| panic!("saving opens the evidence's page: {evidence_page}"))
        .to_string();
    assert!(text(c, "main h1").await.contains(EVIDENCE_TITLE));

    // 3. Back on the control's page: the evidence is listed and the warning is gone.
    click(c, &format!("main a.chip[href='{control}']")).await;
    wait_for(c, "the decision form of 8.13 again", &form).await;
    assert_eq!(path(c).await, control);
    let listed = table_rows(
        c,
        "//main//section[div/h2[starts-with(normalize-space(.), 'Evidence')]]//table/tbody/tr",
    )
    .await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0][0], evidence_id);
    assert_eq!(listed[0][1], EVIDENCE_TITLE);
    assert_eq!(listed[0][2], today);
    assert_eq!(listed[0][3], next_year);
    assert_eq!(listed[0][4], "this control");
    assert_eq!(
        find_xpath(c, evidence_heading)
            .await
            .text()
            .await
            .expect("read the evidence heading"),
        "Evidence ● valid"
    );
    let asked = auditor_questions(c).await;
    assert!(
        !asked.iter().any(|w| w == no_valid_evidence),
        "valid evidence proves it now: {asked:?}"
    );

    // 4. Approve the SoA from its page.
    click(c, "nav.sidenav a[href='/soa']").await;
    wait_for(
        c,
        "the Statement of Applicability",
        "main a[href='/soa/versions#approve']",
    )
    .await;
    click(c, "main a[href='/soa/versions#approve']").await;
    let approve = "form[action='/soa/versions']";
    wait_for(c, "the approval form", approve).await;
    assert_eq!(path(c).await, "/soa/versions");
    assert!(text(c, "main").await.contains("No version approved yet."));
    type_into(c, "#note", "Management review, minutes MR-1").await;
    // Without the confirmation, the form asks for it.
    click(c, &format!("{approve} button[type='submit']")).await;
    wait_for_xpath(
        c,
        "the form to ask for the confirmation",
        "//form[@action='/soa/versions']//p[@class='error'][contains(., 'confirm that management approved')]",
    )
    .await;
    assert_eq!(
        app.store
            .soa_versions(FRAMEWORK)
            .await
            .expect("list the versions")
            .len(),
        0
    );
    click(c, &format!("{approve} input[name='confirm'][value='yes']")).await;
    assert_eq!(
        text(c, &format!("{approve} button[type='submit']")).await,
        "Approve and freeze as version 1"
    );
    click(c, &format!("{approve} button[type='submit']")).await;
    wait_for_notice(
        c,
        "The Statement of Applicability was approved and frozen as a new version.",
    )
    .await;
    let url = c.current_url().await.expect("read the URL after approving");
    assert_eq!(url.path(), "/soa");
    assert!(
        url.query_pairs().any(|(k, v)| k == "version" && v == "1"),
        "{url}"
    );
    let banner = text(c, "main div.notice[role='status']").await;
    assert!(banner.starts_with("Version 1, approved by "), "{banner}");
    assert_eq!(
        text(c, "main div.notice[role='status'] strong").await,
        "Version 1"
    );
    let (version, _) = app
        .store
        .soa_version(FRAMEWORK, 1)
        .await
        .expect("version 1 was stored");
    assert_eq!(version.approved_by, manager);
    assert!(banner.contains(&version.content_hash), "{banner}");

    // 5. The PDF of version 1, fetched with the browser's session as the link would be.
    let pdf_link = find(c, "main .pagehead a.button[href^='/soa.pdf']")
        .await
        .attr("href")
        .await
        .expect("read the PDF link")
        .expect("the PDF link has an address");
    assert_eq!(pdf_link, "/soa.pdf?version=1");
    let session = c
        .get_named_cookie("annex_session")
        .await
        .expect("the browser's session cookie");
    let cookie = format!("annex_session={}", session.value());
    let (status, headers, pdf) = app
        .get_bytes(&pdf_link, crate::harness::Auth::Cookie(&cookie))
        .await;
    assert_eq!(status, axum::http::StatusCode::OK);
    assert_eq!(headers["content-type"], "application/pdf");
    let pages = crate::pdf_read::page_count(&pdf);
    assert!(pages >= 5, "cover, contents and sections: {pages} pages");
    let shown = crate::pdf_read::text(&pdf)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for needle in [
        "Statement of Applicability",
        "8.13",
        EVIDENCE_TITLE,
        "version 1",
    ] {
        assert!(shown.contains(needle), "the PDF shows {needle:?}");
    }

    j.finish("the SoA approval journey").await;
}

/// The questions an auditor would ask, listed on a control's page of the SoA.
async fn auditor_questions(c: &Client) -> Vec<String> {
    let items = c
        .execute(
            "return Array.from(document.querySelectorAll('main div.errorbox[role=status] li'), \
             li => li.innerText.trim());",
            Vec::new(),
        )
        .await
        .expect("read the warnings");
    serde_json::from_value(items).expect("warnings are strings")
}

/// The chromedriver and Chromium to use, or `None` (after a notice) to skip the journey.
fn browser_binaries() -> Option<(PathBuf, PathBuf)> {
    let from_env = |var: &str, default: &str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(default))
    };
    let chromedriver = from_env("CHROMEDRIVER", "/usr/bin/chromedriver");
    let chromium = from_env("CHROMIUM", "/usr/bin/chromium");
    if chromedriver.is_file() && chromium.is_file() {
        return Some((chromedriver, chromium));
    }
    assert!(
        !require_suites(),
        "ANNEX_REQUIRE_SUITES=1 but the browser journey cannot run: chromedriver at {} {}, \
         chromium at {} {} (install chromium and chromium-driver, or set CHROMEDRIVER/CHROMIUM)",
        chromedriver.display(),
        if chromedriver.is_file() {
            "found"
        } else {
            "MISSING"
        },
        chromium.display(),
        if chromium.is_file() {
            "found"
        } else {
            "MISSING"
        },
    );
    notice("note: chromium/chromedriver not found: browser journey SKIPPED");
    None
}

/// A journey's world: Annex on a fresh SQLite database, served over TCP, and a headless
/// Chromium session on it. `finish` closes them in order; on a panic, dropping the journey
/// stops chromedriver (and its browser) before the profile directory is removed.
struct Journey {
    app: TestApp,
    base: String,
    client: Client,
    driver: Chromedriver,
    /// The browser's profile: declared after the driver, so it outlives it.
    profile: tempfile::TempDir,
    started: Instant,
}

impl Journey {
    /// Starts Annex and a browser, or answers `None` (after a notice) to skip the journey.
    async fn start() -> Option<Journey> {
        let (chromedriver, chromium) = browser_binaries()?;
        let started = Instant::now();
        let app = TestApp::spawn(TestDb::sqlite().await).await;
        let base = format!("http://{}", serve_tcp(app.router.clone()).await);
        let profile = tempfile::tempdir().expect("temporary Chromium profile directory");
        let mut driver = Chromedriver::start(&chromedriver, profile.path());
        let client = driver.connect(&chromium, profile.path()).await;
        Some(Journey {
            app,
            base,
            client,
            driver,
            profile,
            started,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn finish(self, name: &str) {
        let Journey {
            app,
            client,
            driver,
            profile,
            started,
            ..
        } = self;
        client.close().await.expect("close the browser session");
        drop(driver);
        drop(profile);
        app.finish().await;
        eprintln!(
            "browser journey: {name} passed in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
}

/// First-run setup through the page, as a newcomer does it: a fresh Annex opens on the setup
/// form; it is filled in and sent, and the administrator is signed in.
async fn set_up_annex(j: &Journey) {
    let c = &j.client;
    c.goto(&j.url("/")).await.expect("open Annex");
    wait_for(c, "the setup form", "form[action='/setup']").await;
    assert_eq!(path(c).await, "/setup", "a fresh Annex opens on setup");
    type_into(c, "#organisation", ORGANISATION).await;
    type_into(c, "#name", ADMIN_NAME).await;
    type_into(c, "#email", ADMIN_EMAIL).await;
    type_into(c, "#password", PASSWORD).await;
    type_into(c, "#confirm", PASSWORD).await;
    click(c, "form[action='/setup'] button[type='submit']").await;
    wait_for(
        c,
        "the top bar of a signed-in page after setup",
        "header.topbar",
    )
    .await;
}

/// A chromedriver child process, stopped (with its browsers) when dropped, even on panic.
struct Chromedriver {
    child: Child,
    port: u16,
    log: PathBuf,
    session: Option<String>,
}

impl Chromedriver {
    fn start(binary: &Path, dir: &Path) -> Chromedriver {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a: SocketAddr| a.port())
            .expect("find a free port for chromedriver");
        let log = dir.join("chromedriver.log");
        let out = std::fs::File::create(&log).expect("create the chromedriver log");
        let err = out.try_clone().expect("share the chromedriver log");
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
        Chromedriver {
            child,
            port,
            log,
            session: None,
        }
    }

    /// Opens a headless Chromium session, retrying while chromedriver is still starting.
    async fn connect(&mut self, chromium: &Path, profile: &Path) -> Client {
        let capabilities = serde_json::json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--disable-quic",
                    "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.join("chromium").display()),
                ],
            },
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("capabilities are a JSON object")
        };
        let url = format!("http://127.0.0.1:{}", self.port);
        let deadline = Instant::now() + STARTUP;
        loop {
            let attempt = ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await;
            match attempt {
                Ok(client) => {
                    self.session = client.session_id().await.ok().flatten();
                    return client;
                }
                // Not listening yet.
                Err(
                    NewSessionError::Failed(_)
                    | NewSessionError::FailedC(_)
                    | NewSessionError::Lost(_),
                ) if Instant::now() < deadline => tokio::time::sleep(POLL).await,
                Err(e) => panic!(
                    "chromedriver on port {} did not open a Chromium session: {e}\n--- chromedriver log ---\n{}",
                    self.port,
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                ),
            }
        }
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // After a panic the browser session is still open: have chromedriver close it (and
        // reap its processes), then ask chromedriver to quit; kill it if it lingers.
        if std::thread::panicking()
            && let Some(session) = &self.session
        {
            http(self.port, "DELETE", &format!("/session/{session}"));
        }
        http(self.port, "GET", "/shutdown");
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A blocking, best-effort request to chromedriver, for use in `Drop`.
fn http(port: u16, method: &str, path: &str) {
    if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let _ = write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        let _ = s.read_to_end(&mut Vec::new());
    }
}

/// Waits for an element matched by a CSS selector; on timeout, says where the browser is.
async fn wait_for(c: &Client, what: &str, css: &str) -> Element {
    waited(
        c,
        what,
        c.wait()
            .at_most(WAIT)
            .every(POLL)
            .for_element(Locator::Css(css))
            .await,
    )
    .await
}

async fn wait_for_xpath(c: &Client, what: &str, xpath: &str) -> Element {
    waited(
        c,
        what,
        c.wait()
            .at_most(WAIT)
            .every(POLL)
            .for_element(Locator::XPath(xpath))
            .await,
    )
    .await
}

async fn waited(
    c: &Client,
    what: &str,
    found: Result<Element, fantoccini::error::CmdError>,
) -> Element {
    match found {
        Ok(e) => e,
        Err(e) => {
            let url = c
                .current_url()
                .await
                .map(|u| u.to_string())
                .unwrap_or_default();
            let body = match c.find(Locator::Css("body")).await {
                Ok(b) => b.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            let body: String = body.chars().take(2000).collect();
            panic!(
                "waited {WAIT:?} for {what}, in vain ({e}); the browser is at {url} showing:\n{body}"
            )
        }
    }
}

async fn find(c: &Client, css: &str) -> Element {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("find {css}: {e}"))
}

async fn text(c: &Client, css: &str) -> String {
    find(c, css)
        .await
        .text()
        .await
        .unwrap_or_else(|e| panic!("read the text of {css}: {e}"))
}

async fn type_into(c: &Client, css: &str, value: &str) {
    let field = find(c, css).await;
    field
        .clear()
        .await
        .unwrap_or_else(|e| panic!("clear {css}: {e}"));
    field
        .send_keys(value)
        .await
        .unwrap_or_else(|e| panic!("type into {css}: {e}"));
}

async fn click(c: &Client, css: &str) {
    find(c, css)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn find_xpath(c: &Client, xpath: &str) -> Element {
    c.find(Locator::XPath(xpath))
        .await
        .unwrap_or_else(|e| panic!("find {xpath}: {e}"))
}

async fn click_xpath(c: &Client, xpath: &str) {
    find_xpath(c, xpath)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {xpath}: {e}"));
}

/// Picks the option with this value in a select element, by clicking it.
async fn choose(c: &Client, css: &str, value: &str) {
    let select = find(c, css).await;
    select
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("choose {value:?} in {css}: {e}"));
    let chosen = select
        .prop("value")
        .await
        .unwrap_or_else(|e| panic!("read the value of {css}: {e}"));
    assert_eq!(
        chosen.as_deref(),
        Some(value),
        "{css} shows the chosen option"
    );
}

/// Sets a date field (`yyyy-mm-dd`). Chromium's date picker takes keystrokes in the order of
/// the browser's locale, so the value is set as the picker would and the page told of it.
async fn set_date(c: &Client, css: &str, date: &str) {
    let field = find(c, css).await;
    let arg = serde_json::to_value(&field).expect("an element as a script argument");
    c.execute(
        "const f = arguments[0]; f.value = arguments[1]; \
         f.dispatchEvent(new Event('input', {bubbles: true})); \
         f.dispatchEvent(new Event('change', {bubbles: true})); return f.value;",
        vec![arg, serde_json::Value::from(date)],
    )
    .await
    .unwrap_or_else(|e| panic!("set the date {date} in {css}: {e}"));
    let value = field
        .prop("value")
        .await
        .unwrap_or_else(|e| panic!("read the date in {css}: {e}"));
    assert_eq!(value.as_deref(), Some(date), "{css} holds the date");
}

/// Waits for the notice a page shows after a redirect, such as "The asset was saved.".
async fn wait_for_notice(c: &Client, notice: &str) -> Element {
    wait_for_xpath(
        c,
        &format!("the notice {notice:?}"),
        &format!("//main/p[contains(@class,'notice')][normalize-space(.)='{notice}']"),
    )
    .await
}

/// The text of the section with this heading.
async fn section_text(c: &Client, heading: &str) -> String {
    find_xpath(c, &format!("//main//section[h2='{heading}']"))
        .await
        .text()
        .await
        .unwrap_or_else(|e| panic!("read the section {heading:?}: {e}"))
}

/// The value of a term in the facts list of the section with this heading.
async fn fact(c: &Client, heading: &str, term: &str) -> String {
    find_xpath(
        c,
        &format!("//main//section[h2='{heading}']//dl/dt[.='{term}']/following-sibling::dd[1]"),
    )
    .await
    .text()
    .await
    .unwrap_or_else(|e| panic!("read {term:?} in {heading:?}: {e}"))
    .trim()
    .to_string()
}

/// The (text, href) of the links matched by an XPath, in order (read in one round trip).
async fn links_in(c: &Client, xpath: &str) -> Vec<(String, String)> {
    let links = c
        .execute(
            "const r = document.evaluate(arguments[0], document, null, \
             XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null); \
             return Array.from({length: r.snapshotLength}, (_, i) => r.snapshotItem(i)) \
             .map(a => [a.innerText.trim(), a.getAttribute('href')]);",
            vec![serde_json::Value::from(xpath)],
        )
        .await
        .unwrap_or_else(|e| panic!("read the links {xpath}: {e}"));
    serde_json::from_value(links).expect("links are pairs of strings")
}

/// The visible text of every cell of the table rows matched by an XPath (one round trip).
async fn table_rows(c: &Client, xpath: &str) -> Vec<Vec<String>> {
    let rows = c
        .execute(
            "const r = document.evaluate(arguments[0], document, null, \
             XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null); \
             return Array.from({length: r.snapshotLength}, (_, i) => r.snapshotItem(i)) \
             .map(tr => Array.from(tr.cells, td => td.innerText.trim()));",
            vec![serde_json::Value::from(xpath)],
        )
        .await
        .unwrap_or_else(|e| panic!("read the table rows {xpath}: {e}"));
    serde_json::from_value(rows).expect("table cells are strings")
}

/// The (link, label) of the heat-map cells that show a count, in the map with this heading.
async fn filled_cells(c: &Client, heading: &str) -> Vec<(String, String)> {
    let map = find_xpath(c, &format!("//main//section[h2='{heading}']")).await;
    let arg = serde_json::to_value(&map).expect("an element as a script argument");
    let cells = c
        .execute(
            "return Array.from(arguments[0].querySelectorAll('svg.matrix a'), \
             a => [a.getAttribute('href'), a.textContent.trim()]).filter(c => c[1] !== '');",
            vec![arg],
        )
        .await
        .unwrap_or_else(|e| panic!("read the cells of the {heading:?} map: {e}"));
    serde_json::from_value(cells).expect("cells are pairs of strings")
}

async fn path(c: &Client) -> String {
    c.current_url()
        .await
        .expect("read the browser's URL")
        .path()
        .to_string()
}

/// The number in the catalogue's "N controls" line.
async fn result_count(c: &Client) -> i64 {
    let n = text(c, "#catalogue .results p.count strong").await;
    n.parse()
        .unwrap_or_else(|e| panic!("the result count {n:?} is not a number: {e}"))
}

/// The control ids listed in the catalogue's results, in order (read in one round trip).
async fn result_rows(c: &Client) -> Vec<String> {
    let ids = c
        .execute(
            "return Array.from(document.querySelectorAll('#catalogue .results tbody tr td.id'), \
             td => td.textContent.trim());",
            Vec::new(),
        )
        .await
        .expect("read the ids of the result rows");
    serde_json::from_value(ids).expect("the result rows' ids are strings")
}

/// The CSS selector of the mapping select of a column of the import review, by its header.
async fn column_select(c: &Client, header: &str) -> String {
    let id = find_xpath(
        c,
        &format!("//main//table/tbody/tr[th='{header}']//select[@name='map']"),
    )
    .await
    .attr("id")
    .await
    .unwrap_or_else(|e| panic!("read the id of the select of {header:?}: {e}"))
    .unwrap_or_else(|| panic!("the select of {header:?} has an id"));
    format!("#{id}")
}

/// The (header, note) of each column of the import review, in order.
async fn column_notes(c: &Client) -> Vec<(String, String)> {
    table_rows(c, "//main//form[@method='get']//table/tbody/tr")
        .await
        .into_iter()
        .map(|r| (r[0].clone(), r[3].clone()))
        .collect()
}

/// The problems an import review lists, in order (none if it lists none).
async fn problems(c: &Client) -> Vec<String> {
    let items = c
        .execute(
            "return Array.from(document.querySelectorAll('main .errorbox ul.problems li'), \
             li => li.innerText.trim());",
            Vec::new(),
        )
        .await
        .expect("read the problems of the review");
    serde_json::from_value(items).expect("problems are strings")
}
