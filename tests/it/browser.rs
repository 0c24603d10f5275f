//! The browser journeys, in headless Chromium driven through chromedriver (fantoccini):
//! a newcomer sets Annex up, signs out and in again, filters the catalogue with the live
//! filters, opens a control and signs out; a risk manager records an asset and a measure,
//! rates, treats and accepts a risk, and finds it on the heat map; a risk manager imports
//! last year's register from a spreadsheet, mapping its columns and words on the review; a
//! manager decides a control of the Statement of Applicability, proves it with a PDF,
//! approves the SoA as version 1 and downloads its PDF; a risk manager gives a risk its
//! ranges (after a faulty one), sees its curves, sets the risk appetite and watches the curve
//! after treatment move once a measure joins the risk's treatment plan.
//!
//! Needs `/usr/bin/chromedriver` and `/usr/bin/chromium` (Debian's `chromium-driver` and
//! `chromium`); the environment variables `CHROMEDRIVER` and `CHROMIUM` override the paths.
//! Without them the journeys are skipped with a notice, or fail under `ANNEX_REQUIRE_SUITES=1`.

use crate::harness::{PASSWORD, TestApp, TestDb, notice, operator, require_suites, serve_tcp};
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

pub(crate) const ORGANISATION: &str = "Northwind Trading";
const ADMIN_NAME: &str = "Nora Newcomer";
pub(crate) const ADMIN_EMAIL: &str = "nora@northwind.example";
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
            ("Risk Score", "matched by its header"),
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
    sign_in(&j, &manager).await;

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
    if let Some(text) = crate::pdf_read::text(&pdf) {
        let shown = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for needle in [
            "Statement of Applicability",
            "8.13",
            EVIDENCE_TITLE,
            "version 1",
        ] {
            assert!(shown.contains(needle), "the PDF shows {needle:?}");
        }
    }

    j.finish("the SoA approval journey").await;
}

#[tokio::test]
async fn a_risk_manager_quantifies_a_risk_and_sees_the_curves_move_after_adding_a_measure_in_a_browser()
 {
    let Some(j) = Journey::start().await else {
        return;
    };
    let c = &j.client;
    let app = &j.app;

    // Annex is set up (in process); a manager signs in through the form.
    app.set_up().await;
    let manager = app.add_user(Role::Manager).await;
    sign_in(&j, &manager).await;

    // 1. Risks → New risk: the ransomware scenario, rated on the matrix only.
    click(c, "nav.sidenav a[href='/risks']").await;
    wait_for(
        c,
        "the risk register's New risk button",
        ".pagehead .actions a[href='/risks/new']",
    )
    .await;
    click(c, ".pagehead .actions a[href='/risks/new']").await;
    wait_for(c, "the new-risk form", "form[action='/risks']").await;
    type_into(c, "#title", RISK_TITLE).await;
    choose(c, "#inherent_likelihood", "4").await;
    choose(c, "#inherent_impact", "5").await;
    click(c, "form[action='/risks'] button[type='submit']").await;
    wait_for_notice(c, "The risk was saved.").await;
    let risk_id = text(c, "main h1 span.cid").await;
    let risk_page = format!("/risks/{risk_id}");
    assert_eq!(path(c).await, risk_page);

    // The risk's quantitative card has no ranges yet and offers to add them.
    let add = format!("#quantitative a.button[href='/risks/{risk_id}/estimate']");
    assert_eq!(text(c, &add).await, "Add ranges");
    assert!(
        text(c, "#quantitative").await.contains("No ranges yet."),
        "an unquantified risk says so"
    );
    assert!(
        c.find(Locator::Css("#quantitative svg")).await.is_err(),
        "no chart without ranges"
    );
    click(c, &add).await;
    let form = format!("form[action='/risks/{risk_id}/estimate']");
    wait_for(c, "the ranges form", &form).await;
    assert_eq!(path(c).await, format!("/risks/{risk_id}/estimate"));
    assert_eq!(
        text(c, "main h1").await,
        format!("Ranges of {risk_id} {RISK_TITLE}")
    );
    assert!(
        is_checked(c, "input[name='current.model'][value='simple']").await,
        "a new estimate starts on the short form"
    );
    assert!(
        is_checked(c, "input[name='residual.model'][value='none']").await,
        "a new estimate has no residual ranges"
    );
    let residual_help = text(c, "fieldset#residual p.help").await;
    assert!(
        residual_help.contains("this risk has none yet, so its residual ranges are not applied"),
        "the form warns that the residual ranges need a measure: {residual_help}"
    );

    // 2. A loss per event whose minimum is above its maximum.
    let typed = [
        ("current.lef.min", "0.5"),
        ("current.lef.mode", "2"),
        ("current.lef.max", "6"),
        ("current.lm.min", "500k"),
        ("current.lm.mode", "50k"),
        ("current.lm.max", "10k"),
    ];
    for (name, value) in typed {
        type_into(c, &format!("input[name='{name}']"), value).await;
    }
    click(c, &format!("{form} button[type='submit']")).await;
    let error = wait_for(
        c,
        "the error next to the loss per event",
        "tr.simple th p.error[id='current.lm-error']",
    )
    .await;
    assert_eq!(
        error.text().await.expect("read the error"),
        "the minimum (500,000) is above the maximum (10,000)",
        "the error names the problem with the amounts as read"
    );
    assert_eq!(path(c).await, format!("/risks/{risk_id}/estimate"));
    assert_eq!(
        text(c, "main .errorbox").await,
        "One field needs your attention."
    );
    assert_eq!(
        find(c, "input[name='current.lm.min']")
            .await
            .attr("aria-invalid")
            .await
            .expect("read aria-invalid")
            .as_deref(),
        Some("true"),
        "the faulty field is marked invalid"
    );
    let row = find_xpath(
        c,
        "//tr[.//p[@id='current.lm-error']]/th/label[@for='current.lm.min']",
    )
    .await;
    assert_eq!(
        row.text().await.expect("read the label"),
        "Loss per event",
        "the error sits in the row of the field it is about"
    );
    for (name, value) in typed {
        assert_eq!(
            value_of(c, &format!("input[name='{name}']")).await,
            value,
            "{name} keeps what was typed"
        );
    }
    assert!(
        app.store
            .risk_fair(&risk_id)
            .await
            .expect("read the estimate")
            .is_none(),
        "nothing was saved"
    );

    // 3. Fixed, with residual ranges on the short form too.
    type_into(c, "input[name='current.lm.min']", "10k").await;
    type_into(c, "input[name='current.lm.max']", "500k").await;
    click(c, "input[name='residual.model'][value='simple']").await;
    for (name, value) in [
        ("residual.lef.min", "0.1"),
        ("residual.lef.mode", "0.3"),
        ("residual.lef.max", "1"),
        ("residual.lm.min", "10k"),
        ("residual.lm.mode", "50k"),
        ("residual.lm.max", "500k"),
    ] {
        type_into(c, &format!("input[name='{name}']"), value).await;
    }
    click(c, &format!("{form} button[type='submit']")).await;
    wait_for_notice(c, "The ranges were saved; the curves below use them.").await;
    let url = c.current_url().await.expect("read the URL after saving");
    assert_eq!(url.path(), risk_page, "saving goes back to the risk");
    assert_eq!(url.fragment(), Some("quantitative"), "…at its card");
    assert_eq!(
        text(
            c,
            &format!("#quantitative a.button[href='/risks/{risk_id}/estimate']")
        )
        .await,
        "Edit ranges"
    );
    let card = text(c, "#quantitative").await;
    assert!(
        card.contains("Short form (loss events × loss per event), 100,000 simulated years"),
        "the card names the model and the run: {card}"
    );
    assert_eq!(
        text(c, "#quantitative p.notice").await,
        "The residual ranges are not applied: the risk has no measure in its treatment plan yet."
    );
    let before = card_rows(c).await;
    assert_eq!(
        before.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(),
        [
            "Expected annual loss (mean)",
            "Median year (50th percentile)",
            "1 year in 10 (90th percentile)",
            "1 year in 20 (95th percentile)",
            "1 year in 100 (99th percentile)",
            "Worst simulated year",
        ],
        "the before/after table"
    );
    for row in &before {
        assert_eq!(
            row[1], row[2],
            "without a measure, after treatment equals before: {row:?}"
        );
        assert!(row[1].ends_with(" EUR"), "amounts in EUR: {row:?}");
    }
    let mean_before = amount(&before[0][1]);
    // LEF 0.5–2–6 (mean 2.42) × LM 10k–50k–500k (mean 118k): about 286k EUR a year.
    assert!(
        (240_000.0..330_000.0).contains(&mean_before),
        "the expected annual loss is about 2.4 × 118k: {mean_before}"
    );
    assert_eq!(before[0][3], "+0%");
    assert_chart(c, "#quantitative svg.chart.lec", "polyline.curve").await;
    assert_chart(
        c,
        "#quantitative svg.chart.distribution",
        "polyline.outline",
    )
    .await;
    assert_eq!(
        attr(
            c,
            "#quantitative svg.chart.lec polyline.curve.current",
            "points"
        )
        .await,
        attr(
            c,
            "#quantitative svg.chart.lec polyline.curve.residual",
            "points"
        )
        .await,
        "the two curves of an untreated risk are one"
    );

    // 4. The portfolio, from the card.
    click(c, "#quantitative a[href='/risks/quantitative']").await;
    let settings = "form[action='/risks/quantitative/settings']";
    wait_for(c, "the portfolio's appetite form", settings).await;
    assert_eq!(path(c).await, "/risks/quantitative");
    assert_eq!(text(c, "main h1").await, "Quantitative risk");
    let quantified = quantified_rows(c).await;
    assert_eq!(quantified.len(), 1, "{quantified:?}");
    assert_eq!(
        quantified[0][0],
        format!("{risk_id} {RISK_TITLE} untreated"),
        "the risk is listed as untreated"
    );
    assert!(
        text(c, "main")
            .await
            .contains("No risk appetite is set: set one below"),
        "without an appetite the page offers to set one"
    );
    assert!(
        c.find(Locator::Css("main svg.chart.lec > g.appetite"))
            .await
            .is_err(),
        "no appetite line yet"
    );
    let portfolio = portfolio_rows(c).await;
    assert_eq!(portfolio[0][0], "Expected annual loss (mean)");
    assert_eq!(
        amount(&portfolio[0][1]),
        mean_before,
        "one risk: the portfolio is the risk"
    );
    let residual_mean_untreated = portfolio[0][2].clone();
    assert_eq!(residual_mean_untreated, portfolio[0][1]);
    let lec = "main svg.chart.lec";
    let residual_curve_untreated =
        attr(c, &format!("{lec} polyline.curve.residual"), "points").await;
    let current_curve = lec_curve(c, lec, "current").await;
    assert!(
        current_curve.len() > 10,
        "the curve before treatment has points: {current_curve:?}"
    );
    assert_eq!(
        lec_curve(c, lec, "residual").await,
        current_curve,
        "untreated, the curve after treatment is the one before"
    );

    // 5. The risk appetite: at most a 50% chance of losing more than 100k a year, 7% for 1M.
    type_into(c, "#currency", "eur").await;
    type_into(c, "#loss_appetite", "100k: 50%; 1M: 7%").await;
    click(c, &format!("{settings} button[type='submit']")).await;
    wait_for_notice(c, "The currency and risk appetite were saved.").await;
    assert_eq!(path(c).await, "/risks/quantitative");
    assert_eq!(value_of(c, "#currency").await, "EUR");
    assert_eq!(
        value_of(c, "#loss_appetite").await,
        "100,000: 50%; 1,000,000: 7%",
        "the appetite is shown as saved"
    );
    let appetite_line = wait_for(
        c,
        "the appetite on the curve",
        "main svg.chart.lec > g.appetite polyline",
    )
    .await;
    assert_eq!(
        appetite_line
            .attr("points")
            .await
            .expect("read the appetite line")
            .map(|p| p.split_whitespace().count()),
        Some(2),
        "the appetite line joins its two points"
    );
    assert_eq!(
        count(c, "main svg.chart.lec > g.appetite circle").await,
        2,
        "each point of the appetite is marked"
    );
    assert!(
        text_content(c, "main svg.chart.lec g.legend")
            .await
            .contains("Risk appetite"),
        "the legend names the appetite"
    );
    // The page's verdict agrees with the simulation behind it.
    let analysis =
        annex::registers::quant::service::portfolio(&operator(&app.store), Default::default())
            .await
            .expect("the portfolio's analysis");
    let verdict = appetite_verdict(c).await;
    assert!(
        !analysis.breaches.is_empty(),
        "about 286k EUR a year is more than a 50% chance of losing over 100k"
    );
    assert_eq!(verdict[0], "The portfolio is outside the risk appetite.");
    assert_eq!(
        verdict.len() - 1,
        analysis.breaches.len(),
        "one line per breach: {verdict:?}"
    );
    assert!(
        verdict.iter().any(|b| b.starts_with("Before treatment: ")
            && b.contains(
                "chance of losing more than 100,000 EUR a year, above the 50.0% tolerated"
            )),
        "the breach before treatment names the point: {verdict:?}"
    );
    assert!(
        verdict.iter().any(|b| b.starts_with("After treatment: ")),
        "untreated, after treatment breaches too: {verdict:?}"
    );
    assert_eq!(
        attr(c, &format!("{lec} polyline.curve.residual"), "points").await,
        residual_curve_untreated,
        "the appetite does not move the curves"
    );

    // 6. Measures → New measure with its cost, then into the risk's treatment plan.
    click(c, "nav.sidenav a[href='/measures']").await;
    wait_for(
        c,
        "the treatment plan's New measure button",
        ".pagehead .actions a[href='/measures/new']",
    )
    .await;
    click(c, ".pagehead .actions a[href='/measures/new']").await;
    wait_for(c, "the new-measure form", "form[action='/measures']").await;
    type_into(c, "#name", MEASURE_NAME).await;
    type_into(c, "#cost", "20000").await;
    type_into(c, "#controls", "5.17, 8.5").await;
    click(c, "form[action='/measures'] button[type='submit']").await;
    wait_for_notice(c, "The measure was saved.").await;
    let measure_id = text(c, "main h1 span.cid").await;
    assert!(measure_id.starts_with("M-"), "{measure_id:?}");

    // Back to the risk through the register, and Edit.
    click(c, "nav.sidenav a[href='/risks']").await;
    let in_register =
        format!("//table[contains(@class,'list')]//td[contains(@class,'id')]/a[.='{risk_id}']");
    wait_for_xpath(c, "the risk in the register", &in_register).await;
    click_xpath(c, &in_register).await;
    let edit = format!(".pagehead a.button[href='/risks/{risk_id}/edit']");
    wait_for(c, "the risk's Edit button", &edit).await;
    click(c, &edit).await;
    let risk_form = format!("form[action='/risks/{risk_id}']");
    wait_for(c, "the risk's edit form", &risk_form).await;
    assert_eq!(value_of(c, "#measures").await, "");
    type_into(c, "#measures", &measure_id).await;
    click(c, &format!("{risk_form} button[type='submit']")).await;
    wait_for_notice(c, "The risk was saved.").await;
    assert_eq!(path(c).await, risk_page);

    // 7. The card applies the residual ranges now.
    assert!(
        c.find(Locator::Css("#quantitative p.notice"))
            .await
            .is_err(),
        "no more notice that the residual ranges are not applied: {}",
        text(c, "#quantitative").await
    );
    let after = card_rows(c).await;
    assert_eq!(after[0][0], "Expected annual loss (mean)");
    assert_eq!(
        amount(&after[0][1]),
        mean_before,
        "before treatment did not change"
    );
    let mean_after = amount(&after[0][2]);
    // LEF 0.1–0.3–1 (mean 0.38) instead of 2.42: about a sixth of the loss.
    assert!(
        mean_after < mean_before / 3.0 && mean_after > 0.0,
        "the plan cuts the expected annual loss: {mean_before} → {mean_after}"
    );
    let change = after[0][3]
        .trim_end_matches('%')
        .parse::<i64>()
        .unwrap_or_else(|e| panic!("the change {:?} is a percentage: {e}", after[0][3]));
    assert!((-95..=-67).contains(&change), "the change: {change}%");
    let card = text(c, "#quantitative").await;
    assert!(
        card.contains("cost of the treatment plan: 20,000 EUR"),
        "the card shows the plan's cost: {card}"
    );
    assert_ne!(
        attr(
            c,
            "#quantitative svg.chart.lec polyline.curve.current",
            "points"
        )
        .await,
        attr(
            c,
            "#quantitative svg.chart.lec polyline.curve.residual",
            "points"
        )
        .await,
        "the two curves part"
    );

    // 8. The portfolio: the curve after treatment moved, the one before did not.
    click(c, "nav.sidenav a[href='/risks']").await;
    wait_for(
        c,
        "the risk register's Quantitative button",
        ".pagehead .actions a[href='/risks/quantitative']",
    )
    .await;
    click(c, ".pagehead .actions a[href='/risks/quantitative']").await;
    wait_for(c, "the portfolio's appetite form", settings).await;
    assert_eq!(path(c).await, "/risks/quantitative");
    let portfolio = portfolio_rows(c).await;
    assert_eq!(amount(&portfolio[0][1]), mean_before, "before did not move");
    assert_ne!(portfolio[0][2], residual_mean_untreated, "after moved");
    assert_eq!(
        amount(&portfolio[0][2]),
        mean_after,
        "one risk: after treatment is the risk's"
    );
    let residual_curve = attr(c, &format!("{lec} polyline.curve.residual"), "points").await;
    assert_ne!(
        residual_curve, residual_curve_untreated,
        "the curve after treatment moved"
    );
    // The loss axis now reaches down to the smaller losses after treatment, so the curve
    // before treatment is drawn elsewhere; read back in losses and chances, it is the same.
    let current_now = lec_curve(c, lec, "current").await;
    assert_eq!(current_now.len(), current_curve.len());
    for (now, then) in current_now.iter().zip(&current_curve) {
        assert!(
            (now.0 / then.0 - 1.0).abs() < 0.01 && (now.1 - then.1).abs() < 0.001,
            "the curve before treatment did not move: {now:?} was {then:?}"
        );
    }
    // After treatment, losing more than 100k is much less likely.
    let residual_now = lec_curve(c, lec, "residual").await;
    let above_100k = |curve: &[(f64, f64)]| {
        curve
            .iter()
            .find(|p| p.0 >= 100_000.0)
            .map(|p| p.1)
            .expect("the curve reaches 100k")
    };
    assert!(
        above_100k(&residual_now) < above_100k(&current_now) / 3.0,
        "after treatment, losing more than 100k is much less likely: {} before, {} after",
        above_100k(&current_now),
        above_100k(&residual_now)
    );
    // …and within the appetite: only the curve before treatment breaches it.
    let verdict = appetite_verdict(c).await;
    assert_eq!(verdict[0], "The portfolio is outside the risk appetite.");
    assert!(
        verdict[1..]
            .iter()
            .all(|b| b.starts_with("Before treatment: ")),
        "after treatment, the portfolio is within the appetite: {verdict:?}"
    );
    let quantified = quantified_rows(c).await;
    assert_eq!(
        quantified[0][0],
        format!("{risk_id} {RISK_TITLE}"),
        "the risk is no longer untreated"
    );
    assert_eq!(quantified[0][7], "20k EUR", "its plan cost");
    assert!(
        text(c, "main").await.contains(
            "The treatment plans (1 measure) cost 20,000 EUR and reduce the expected annual loss"
        ),
        "the plan's cost and effect"
    );

    // 9. The exports: CSV, XLSX, curves and JSON, fetched with the browser's session.
    let exports = links_in(c, "//main//div[contains(@class,'pagehead')]//a[@download]").await;
    assert_eq!(
        exports,
        [
            ("Export CSV", "/risks/quantitative.csv"),
            ("Export XLSX", "/risks/quantitative.xlsx"),
            ("Curves CSV", "/risks/quantitative/curves.csv"),
            ("JSON", "/risks/quantitative.json"),
        ]
        .map(|(t, h)| (t.to_string(), h.to_string())),
        "the page offers its exports"
    );
    let session = c
        .get_named_cookie("annex_session")
        .await
        .expect("the browser's session cookie");
    let cookie = format!("annex_session={}", session.value());
    let (status, headers, csv) = app
        .get_bytes(&exports[0].1, crate::harness::Auth::Cookie(&cookie))
        .await;
    assert_eq!(status, axum::http::StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .expect("a content type")
            .starts_with("text/csv"),
        "{headers:?}"
    );
    let csv = String::from_utf8(csv).expect("the CSV is UTF-8");
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(
        rows[0][..6],
        ["Risk ID", "Title", "Model", "Phase", "Currency", "Mean"]
    );
    let portfolio_row = |phase: &str| {
        rows.iter()
            .find(|r| r[0] == "portfolio" && r[3] == phase)
            .unwrap_or_else(|| panic!("the CSV has the portfolio's {phase} row:\n{csv}"))
    };
    for (phase, mean) in [("current", mean_before), ("residual", mean_after)] {
        let row = portfolio_row(phase);
        assert_eq!(row[1], "All quantified risks");
        assert_eq!(row[4], "EUR");
        let exported: f64 = row[5].parse().expect("the mean is a number");
        assert!(
            (exported - mean).abs() <= 0.5,
            "the CSV's {phase} mean {exported} is the page's {mean}"
        );
    }
    assert_eq!(portfolio_row("residual")[14], "20000", "the plan cost");

    j.finish("the quantitative risk journey").await;
}

#[tokio::test]
async fn an_engineer_connects_an_agent_and_sees_its_failing_control_on_the_soa_in_a_browser() {
    let Some(j) = Journey::start().await else {
        return;
    };
    let c = &j.client;
    let app = &j.app;
    app.set_up().await;
    let manager = app.add_user(Role::Manager).await;

    // The host's agent reports with its own token: the real binary, over TCP.
    let (token, _) = crate::scan_agent::token_with_id(app, Role::Agent).await;
    let root = crate::scan_agent::fixture("web-01");
    let (dir, base) = (root.path().to_path_buf(), j.base.clone());
    // The server answers on this runtime: the binary runs off it.
    let out = tokio::task::spawn_blocking(move || {
        crate::scan_agent::annex_scan(&dir, &["--report-to", &base, "--token", &token])
    })
    .await
    .expect("run annex scan");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("evidence items filed on the SoA"), "{err}");

    // 1. The hosts page lists it; its page puts the failed checks first.
    sign_in(&j, &manager).await;
    click(c, "nav a[href='/hosts']").await;
    wait_for(c, "the host's row", "main a[href='/hosts/web-01']").await;
    click(c, "main a[href='/hosts/web-01']").await;
    wait_for(c, "the host's page", "main h1").await;
    assert_eq!(path(c).await, "/hosts/web-01");
    let findings = section_text(c, "Latest findings").await;
    assert!(findings.contains("ssh.root-login"), "{findings}");
    assert!(findings.contains("PermitRootLogin yes"), "{findings}");

    // 2. Its evidence on the SoA: 8.5 fails; the row says why.
    let evidence = section_text(c, "Evidence on the SoA").await;
    assert!(evidence.contains("failing"), "{evidence}");
    click(c, &format!("main a[href='/soa/{FRAMEWORK}/8.5']")).await;
    wait_for(c, "the SoA row of 8.5", "main h1 span.cid").await;
    assert_eq!(path(c).await, format!("/soa/{FRAMEWORK}/8.5"));
    let heading = "//main//section/div/h2[starts-with(normalize-space(.), 'Evidence')]";
    assert_eq!(
        find_xpath(c, heading)
            .await
            .text()
            .await
            .expect("read the evidence heading"),
        "Evidence ● failing"
    );
    let why = text(c, "main section div.errorbox").await;
    assert!(why.starts_with("Failing on 1 host"), "{why}");
    assert!(why.contains("ssh.root-login: PermitRootLogin yes"), "{why}");

    // 3. The item is kept by the scans: no edit button, a link back to the host.
    click(c, "main section div.errorbox li a").await;
    wait_for(c, "the evidence item", "main h1 span.cid").await;
    assert!(path(c).await.starts_with("/evidence/E-"));
    let scan = section_text(c, "Automated scan").await;
    assert!(scan.contains("Filed by the scans of host web-01"), "{scan}");
    assert!(
        c.find_all(Locator::Css("main a[href$='/edit']"))
            .await
            .expect("look for an edit link")
            .is_empty(),
        "no edit link for evidence the scans keep"
    );
    j.finish("an engineer connects an agent").await;
}

/// The questions an auditor would ask, listed on a control's page of the SoA.
#[tokio::test]
async fn a_manager_decides_the_soa_in_bulk_on_a_1366_pixel_screen() {
    let Some(j) = Journey::start().await else {
        return;
    };
    let c = &j.client;
    let app = &j.app;
    app.set_up().await;
    let manager = app.add_user(Role::Manager).await;
    sign_in(&j, &manager).await;
    c.set_window_size(1366, 900)
        .await
        .expect("a 1,366 pixel wide window");
    c.goto(&j.url("/soa")).await.expect("open the SoA");
    wait_for(c, "the bulk form", "form#bulk").await;

    // The table fits: the Evidence and Warnings columns end inside the window.
    let edges = c
        .execute(
            "const h = [...document.querySelectorAll('table.soa thead th')];
             const right = (t) => h.find((e) => e.textContent.trim() === t).getBoundingClientRect().right;
             return [right('Evidence'), right('Warnings'), document.documentElement.clientWidth,
                     document.documentElement.scrollWidth];",
            Vec::new(),
        )
        .await
        .expect("measure the table");
    let edges: Vec<f64> = serde_json::from_value(edges).expect("four numbers");
    let shot = c.screenshot().await.expect("a screenshot");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("the screenshots folder");
    std::fs::write(dir.join("soa-1366.png"), shot).expect("save the screenshot");
    assert!(
        edges[0] <= edges[2] && edges[1] <= edges[2] && edges[3] <= edges[2],
        "Evidence and Warnings end inside {} px, the page does not scroll sideways: {edges:?}",
        edges[2]
    );

    // Every shown control is ticked with one box, and the button counts them.
    click(c, "#select-all").await;
    click(c, "details.bulk > summary").await;
    let button = "form#bulk button[type='submit']";
    assert_eq!(text(c, button).await, "Apply to the selected controls (93)");
    click(c, "#select-all").await;
    assert_eq!(text(c, button).await, "Apply to the selected controls");

    // The owner field offers the people of the organisation as one types.
    type_into(c, "#bulk_owner", &manager[..4]).await;
    let offered = wait_for(
        c,
        "the owner picker's choices",
        "datalist#suggest-bulk_owner option",
    )
    .await;
    assert_eq!(
        offered
            .attr("value")
            .await
            .expect("read the choice")
            .as_deref(),
        Some(manager.as_str())
    );

    // Two organisational controls: applicable for a legal reason, owned by a Greek name.
    click(c, "input[name='controls'][value='5.1']").await;
    click(c, "input[name='controls'][value='5.2']").await;
    choose(c, "#bulk_applicable", "yes").await;
    click(c, "input[name='bulk_reasons'][value='legal']").await;
    type_into(c, "#bulk_owner", "Ασπασία Παπαδοπούλου").await;
    choose(c, "#bulk_status", "planned").await;
    click(c, button).await;
    wait_for_notice(c, "The decisions were saved.").await;
    let rows = table_rows(c, "//table[contains(@class, 'soa')]//tbody/tr").await;
    for id in ["5.1", "5.2"] {
        let row = rows
            .iter()
            .find(|r| r.get(1).map(String::as_str) == Some(id))
            .unwrap_or_else(|| panic!("a row for {id}: {rows:?}"));
        assert!(row[3].starts_with("yes"), "{row:?}");
        assert!(row[4].contains("planned"), "{row:?}");
        assert_eq!(row[5], "Ασπασία Παπαδοπούλου", "{row:?}");
    }
    j.finish("the bulk SoA journey").await;
}

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
pub(crate) struct Journey {
    pub(crate) app: TestApp,
    pub(crate) base: String,
    pub(crate) client: Client,
    driver: Chromedriver,
    /// The browser's profile: declared after the driver, so it outlives it.
    profile: tempfile::TempDir,
    started: Instant,
}

impl Journey {
    /// Starts Annex and a browser, or answers `None` (after a notice) to skip the journey.
    pub(crate) async fn start() -> Option<Journey> {
        Journey::start_on(TestDb::sqlite().await).await
    }

    /// Starts Annex on `db` and a browser, or answers `None` (after a notice) to skip.
    pub(crate) async fn start_on(db: TestDb) -> Option<Journey> {
        let (chromedriver, chromium) = browser_binaries()?;
        let started = Instant::now();
        let app = TestApp::spawn(db).await;
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

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) async fn finish(self, name: &str) {
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
pub(crate) async fn set_up_annex(j: &Journey) {
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
pub(crate) async fn wait_for(c: &Client, what: &str, css: &str) -> Element {
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

pub(crate) async fn wait_for_xpath(c: &Client, what: &str, xpath: &str) -> Element {
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

pub(crate) async fn find(c: &Client, css: &str) -> Element {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("find {css}: {e}"))
}

pub(crate) async fn text(c: &Client, css: &str) -> String {
    find(c, css)
        .await
        .text()
        .await
        .unwrap_or_else(|e| panic!("read the text of {css}: {e}"))
}

pub(crate) async fn type_into(c: &Client, css: &str, value: &str) {
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

/// Clicks something that sends a form and waits until the browser shows the page that
/// answered it, so nothing is read from (or clicked on) the page being left.
pub(crate) async fn click_and_wait_for_new_page(c: &Client, css: &str) {
    c.execute("window.annexLeaving = true;", vec![])
        .await
        .unwrap_or_else(|e| panic!("mark the page before clicking {css}: {e}"));
    click(c, css).await;
    let mut left = false;
    for _ in 0..(WAIT.as_millis() / POLL.as_millis()) {
        let still = c
            .execute("return window.annexLeaving === true;", vec![])
            .await
            .ok()
            .and_then(|v| v.as_bool());
        if still == Some(false) {
            left = true;
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    assert!(left, "clicking {css} led to no new page within {WAIT:?}");
    wait_for(c, "the page's end", "body footer, body main").await;
}

pub(crate) async fn click(c: &Client, css: &str) {
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
pub(crate) async fn choose(c: &Client, css: &str, value: &str) {
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
pub(crate) async fn set_date(c: &Client, css: &str, date: &str) {
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
pub(crate) async fn wait_for_notice(c: &Client, notice: &str) -> Element {
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
pub(crate) async fn table_rows(c: &Client, xpath: &str) -> Vec<Vec<String>> {
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

pub(crate) async fn path(c: &Client) -> String {
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

/// Signs in through the sign-in form and waits for the dashboard.
async fn sign_in(j: &Journey, email: &str) {
    let c = &j.client;
    c.goto(&j.url("/login"))
        .await
        .expect("open the sign-in page");
    wait_for(c, "the sign-in form", "form[action='/login']").await;
    type_into(c, "#email", email).await;
    type_into(c, "#password", PASSWORD).await;
    click(c, "form[action='/login'] button[type='submit']").await;
    wait_for(c, "the top bar after signing in", "header.topbar").await;
    assert_eq!(path(c).await, "/", "signing in lands on the dashboard");
}

/// The current value of a form field.
async fn value_of(c: &Client, css: &str) -> String {
    find(c, css)
        .await
        .prop("value")
        .await
        .unwrap_or_else(|e| panic!("read the value of {css}: {e}"))
        .unwrap_or_default()
}

async fn is_checked(c: &Client, css: &str) -> bool {
    find(c, css)
        .await
        .is_selected()
        .await
        .unwrap_or_else(|e| panic!("read whether {css} is checked: {e}"))
}

/// An attribute of an element, which must have it.
async fn attr(c: &Client, css: &str, name: &str) -> String {
    find(c, css)
        .await
        .attr(name)
        .await
        .unwrap_or_else(|e| panic!("read {name} of {css}: {e}"))
        .unwrap_or_else(|| panic!("{css} has a {name} attribute"))
}

/// How many elements a CSS selector matches.
async fn count(c: &Client, css: &str) -> usize {
    c.find_all(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("find all {css}: {e}"))
        .len()
}

/// An amount as the quantitative pages write it in full ("285,993 EUR").
fn amount(shown: &str) -> f64 {
    shown
        .strip_suffix(" EUR")
        .map(|n| n.replace(',', ""))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{shown:?} is not an amount in EUR"))
}

/// The before/after table of a risk's quantitative card.
async fn card_rows(c: &Client) -> Vec<Vec<String>> {
    table_rows(c, "//section[@id='quantitative']//table/tbody/tr").await
}

/// The before/after table of the portfolio.
async fn portfolio_rows(c: &Client) -> Vec<Vec<String>> {
    table_rows(
        c,
        "//main//section[h2='Portfolio before and after treatment']//table/tbody/tr",
    )
    .await
}

/// The list of quantified risks on the portfolio page.
async fn quantified_rows(c: &Client) -> Vec<Vec<String>> {
    table_rows(
        c,
        "//main//section[starts-with(h2, 'Quantified risks')]//table/tbody/tr",
    )
    .await
}

/// Whether the portfolio is within its appetite: the page's message, then each breach.
async fn appetite_verdict(c: &Client) -> Vec<String> {
    let lines = c
        .execute(
            "const box = document.querySelector('main > div.errorbox[role=alert]'); \
             if (box) return [box.querySelector('p').innerText.trim()] \
             .concat(Array.from(box.querySelectorAll('li'), li => li.innerText.trim())); \
             const ok = Array.from(document.querySelectorAll('main > p.notice')) \
             .find(p => p.innerText.startsWith('Within the risk appetite')); \
             return ok ? [ok.innerText.trim()] : [];",
            Vec::new(),
        )
        .await
        .expect("read the appetite's verdict");
    serde_json::from_value(lines).expect("the verdict is lines of text")
}

/// A chart is an accessible SVG with a title and a description, drawing the given lines
/// for the series before and after treatment.
async fn assert_chart(c: &Client, css: &str, lines: &str) {
    let svg = find(c, css).await;
    assert_eq!(
        svg.attr("role").await.expect("read the role").as_deref(),
        Some("img"),
        "{css} is an image"
    );
    // A chart's title and description are not drawn: read them from the document.
    let title = text_content(c, &format!("{css} > title")).await;
    assert!(!title.is_empty(), "{css} has a title");
    let desc = text_content(c, &format!("{css} > desc")).await;
    assert!(
        desc.contains("Before treatment: ") && desc.contains("After treatment: "),
        "{css} describes both series in words: {desc}"
    );
    for class in ["current", "residual"] {
        let points = attr(c, &format!("{css} {lines}.{class}"), "points").await;
        assert!(
            points.split_whitespace().count() > 2,
            "{css} draws the {class} series: {points}"
        );
    }
}

/// The text of an element, drawn or not (such as an SVG's title).
async fn text_content(c: &Client, css: &str) -> String {
    let found = c
        .execute(
            "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
            vec![serde_json::Value::from(css)],
        )
        .await
        .unwrap_or_else(|e| panic!("read the text of {css}: {e}"));
    found
        .as_str()
        .unwrap_or_else(|| panic!("find {css}"))
        .to_string()
}

/// A series of a loss-exceedance chart read back from its drawing: (loss, chance of
/// exceeding it) per point, through the labels of the chart's axes.
async fn lec_curve(c: &Client, svg: &str, class: &str) -> Vec<(f64, f64)> {
    let drawn = c
        .execute(
            "const svg = document.querySelector(arguments[0]); \
             const ticks = anchor => Array.from(svg.querySelectorAll( \
               `g.tick[text-anchor=${anchor}] text`), t => [t.getAttribute(anchor === 'end' ? 'y' : 'x'), \
               t.textContent]); \
             return [ticks('middle'), ticks('end'), \
               svg.querySelector(`polyline.curve.${arguments[1]}`).getAttribute('points')];",
            vec![
                serde_json::Value::from(svg),
                serde_json::Value::from(class),
            ],
        )
        .await
        .unwrap_or_else(|e| panic!("read the {class} curve of {svg}: {e}"));
    // (position, label) of each tick label.
    type Ticks = Vec<(String, String)>;
    let (losses, chances, points): (Ticks, Ticks, String) =
        serde_json::from_value(drawn).expect("ticks and points");
    let coordinate = |v: &str| -> f64 {
        v.parse()
            .unwrap_or_else(|e| panic!("{v:?} is a coordinate: {e}"))
    };
    // The loss axis is logarithmic: its first and last labels fix it.
    let loss_of = |label: &str| -> f64 {
        let n = label.strip_suffix(" EUR").expect("a loss in EUR");
        let (n, unit) = match n.chars().last() {
            Some('k') => (&n[..n.len() - 1], 1e3),
            Some('M') => (&n[..n.len() - 1], 1e6),
            Some('B') => (&n[..n.len() - 1], 1e9),
            _ => (n, 1.0),
        };
        n.parse::<f64>()
            .unwrap_or_else(|e| panic!("{label:?} is an amount: {e}"))
            * unit
    };
    let (first, last) = (&losses[0], &losses[losses.len() - 1]);
    let (x0, x1) = (coordinate(&first.0), coordinate(&last.0));
    let (l0, l1) = (loss_of(&first.1).log10(), loss_of(&last.1).log10());
    // The chance axis is linear from 0% to 100% (its labels sit 4 below their gridlines).
    let at = |label: &str| {
        chances
            .iter()
            .find(|t| t.1 == label)
            .map(|t| coordinate(&t.0) - 4.0)
            .unwrap_or_else(|| panic!("the chance axis has a {label} label: {chances:?}"))
    };
    let (y0, y1) = (at("0%"), at("100%"));
    points
        .split_whitespace()
        .map(|p| {
            let (x, y) = p.split_once(',').expect("a point is x,y");
            let (x, y) = (coordinate(x), coordinate(y));
            (
                10f64.powf(l0 + (x - x0) / (x1 - x0) * (l1 - l0)),
                (y - y0) / (y1 - y0),
            )
        })
        .collect()
}
