//! The browser journey: a newcomer sets Annex up, signs out and in again, filters the
//! catalogue with the live filters, opens a control and signs out, in headless Chromium
//! driven through chromedriver (fantoccini).
//!
//! Needs `/usr/bin/chromedriver` and `/usr/bin/chromium` (Debian's `chromium-driver` and
//! `chromium`); the environment variables `CHROMEDRIVER` and `CHROMIUM` override the paths.
//! Without them the journey is skipped with a notice, or fails under `ANNEX_REQUIRE_SUITES=1`.

use crate::harness::{PASSWORD, TestApp, TestDb, notice, require_suites, serve_tcp};
use annex::domain::catalog::ControlFilter;
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

#[tokio::test]
async fn a_newcomer_sets_up_annex_and_browses_the_catalogue_in_a_browser() {
    let Some((chromedriver, chromium)) = browser_binaries() else {
        return;
    };
    let started = Instant::now();
    let app = TestApp::spawn(TestDb::sqlite().await).await;
    let base = format!("http://{}", serve_tcp(app.router.clone()).await);

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

    // The browser's profile lives in a temporary directory that outlives the driver.
    let profile = tempfile::tempdir().expect("temporary Chromium profile directory");
    let mut driver = Chromedriver::start(&chromedriver, profile.path());
    let client = driver.connect(&chromium, profile.path()).await;
    let c = &client;

    // 1. A fresh Annex sends the newcomer to first-run setup.
    c.goto(&format!("{base}/")).await.expect("open Annex");
    wait_for(c, "the setup form", "form[action='/setup']").await;
    assert_eq!(path(c).await, "/setup", "a fresh Annex opens on setup");
    type_into(c, "#organisation", ORGANISATION).await;
    type_into(c, "#name", ADMIN_NAME).await;
    type_into(c, "#email", ADMIN_EMAIL).await;
    type_into(c, "#password", PASSWORD).await;
    type_into(c, "#confirm", PASSWORD).await;
    click(c, "form[action='/setup'] button[type='submit']").await;

    // 2. Setup signs the administrator in and shows the dashboard.
    wait_for(
        c,
        "the top bar of a signed-in page after setup",
        "header.topbar",
    )
    .await;
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

    client.close().await.expect("close the browser session");
    drop(driver);
    app.finish().await;
    eprintln!(
        "browser journey passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
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
