//! Time-boxed mutation fuzzing of every file reader Annex has, through the paths users take:
//! the spreadsheet reader itself (CSV and XLSX), the asset, risk and measure imports, the
//! migration of a 2013 Statement of Applicability, and scan reports. Each target first replays
//! its regression corpus (`tests/fuzz/regressions/TARGET/`: every input that once crashed or
//! exhausted Annex), then mutates seeds — valid files Annex writes itself — until its time is
//! up: bytes flipped, cut, repeated and spliced, and, inside XLSX files, the sheet's XML.
//!
//! An input that panics, or that the server answers with a 5xx, fails the test and is saved
//! under `target/fuzz-found/` to be added to the corpus. `ANNEX_FUZZ_SECONDS` sets the time
//! per target (default 2; `.ci/run` gives each target longer), `ANNEX_FUZZ_SEED` replays a run.

use crate::harness::{Auth, TestApp, TestDb};
use annex::domain::user::Role;
use axum::body::Body;
use axum::http::{Request, header};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A small, fast, reproducible generator (xorshift64*): the fuzzer needs speed and a seed to
/// replay, not cryptographic quality.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Bytes and texts that tend to find the edges of a reader.
const INTERESTING: &[&[u8]] = &[
    b"\0",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\"",
    b"\"\"",
    b",",
    b";",
    b"\r\n",
    b"\n\n\n",
    b"=cmd|' /C calc'!A0",
    b"1E+300",
    b"-1E+300",
    b"NaN",
    b"99999999999999999999999",
    b"-9223372036854775808",
    b"2026-02-30",
    b"XFD1048576",
    b"A1048577",
    b"\xce\x91\xce\xb8\xce\xae\xce\xbd\xce\xb1",
    b"\xe6\x9d\xb1\xe4\xba\xac",
    b"\xc3",
    b"\xed\xa0\x80",
    b"{}",
    b"[]",
    b"null",
    b"{\"a\":",
];

/// XML pieces that stress a spreadsheet reader: far cells, huge numbers as dates, shared
/// strings that do not exist, rows out of order.
const XML_PIECES: &[&str] = &[
    r#"<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#,
    r#"<row r="2"><c r="A2" s="1"><v>1E+300</v></c></row>"#,
    r#"<row r="3"><c r="B3" t="s"><v>999999</v></c></row>"#,
    r#"<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row>"#,
    r#"<c r="ZZZZ9"><v>1</v></c>"#,
    r#"<row r="0"><c r="A0"><v>1</v></c></row>"#,
    r#"<row r="99999999999"><c r="A99999999999"><v>1</v></c></row>"#,
    r#"<c r="C4" t="e"><v>#DIV/0!</v></c>"#,
    r#"<c r="D5" t="b"><v>2</v></c>"#,
];

const MAX_INPUT: usize = 1024 * 1024;

fn mutate_bytes(rng: &mut Rng, data: &mut Vec<u8>, others: &[Vec<u8>]) {
    for _ in 0..1 + rng.below(8) {
        let len = data.len();
        match rng.below(7) {
            0 if len > 0 => {
                let i = rng.below(len);
                data[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                let piece = rng.pick(INTERESTING);
                data[i] = piece[0];
            }
            2 => {
                let i = rng.below(len + 1);
                let piece = rng.pick(INTERESTING).to_vec();
                data.splice(i..i, piece);
            }
            3 if len > 1 => {
                let a = rng.below(len);
                let b = (a + 1 + rng.below(64)).min(len);
                data.drain(a..b);
            }
            4 if len > 1 => {
                // Repeat a stretch: long rows, many rows, deep nesting.
                let a = rng.below(len);
                let b = (a + 1 + rng.below(256)).min(len);
                let chunk = data[a..b].to_vec();
                let times = 1 + rng.below(200);
                for _ in 0..times {
                    if data.len() + chunk.len() > MAX_INPUT {
                        break;
                    }
                    data.splice(b..b, chunk.iter().copied());
                }
            }
            5 if !others.is_empty() => {
                let other = rng.pick(others);
                let cut = rng.below(len + 1);
                let from = rng.below(other.len() + 1);
                data.truncate(cut);
                data.extend_from_slice(&other[from..]);
            }
            _ => {
                let i = rng.below(len + 1);
                let n = 1 + rng.below(16);
                let random: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                data.splice(i..i, random);
            }
        }
    }
    data.truncate(MAX_INPUT);
}

/// Mutates an XLSX file inside: one of its XML parts is changed as text (or gets one of the
/// `XML_PIECES`) and the file is zipped again, so that the reader gets past the zip.
fn mutate_xlsx(rng: &mut Rng, file: &[u8]) -> Option<Vec<u8>> {
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(file)).ok()?;
    let names: Vec<String> = (0..zin.len())
        .filter_map(|i| {
            zin.by_index(i)
                .ok()
                .map(|f| f.name().unwrap_or_default().to_string())
        })
        .collect();
    let xml: Vec<&String> = names.iter().filter(|n| n.ends_with(".xml")).collect();
    let target = (*rng.pick(&xml)).clone();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for name in &names {
        let mut data = Vec::new();
        zin.by_name(name).ok()?.read_to_end(&mut data).ok()?;
        if *name == target {
            if rng.below(2) == 0 {
                let piece = rng.pick(XML_PIECES).as_bytes();
                let at = find(&data, b"</sheetData>").unwrap_or(rng.below(data.len() + 1));
                data.splice(at..at, piece.iter().copied());
            } else {
                mutate_bytes(rng, &mut data, &[]);
            }
        }
        out.start_file(name.as_str(), opts).ok()?;
        out.write_all(&data).ok()?;
    }
    Some(out.finish().ok()?.into_inner())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let seed = rng.pick(seeds);
    if seed.starts_with(b"PK")
        && rng.below(3) > 0
        && let Some(m) = mutate_xlsx(rng, seed)
    {
        return m;
    }
    let mut data = seed.clone();
    mutate_bytes(rng, &mut data, seeds);
    data
}

fn fuzz_seconds() -> f64 {
    std::env::var("ANNEX_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0)
}

fn fuzz_seed() -> u64 {
    std::env::var("ANNEX_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        })
        | 1
}

fn regressions(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz/regressions")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| e.path().is_file())
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().to_string(),
                        std::fs::read(e.path()).unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Keeps an input that broke Annex, for the corpus, and says where.
fn save_found(target: &str, input: &[u8]) -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/fuzz-found")
        .join(target);
    std::fs::create_dir_all(&dir).unwrap();
    let name = annex::domain::user::sha256_hex(input);
    let path = dir.join(&name[..16]);
    std::fs::write(&path, input).unwrap();
    path.display().to_string()
}

#[test]
fn the_spreadsheet_reader_survives_mutated_files() {
    let seeds = spreadsheet_seeds();
    let mut rng = Rng(fuzz_seed());
    let seed = rng.0;
    let mut found = Vec::new();
    let mut runs = 0u64;
    let run_one = |input: &[u8], found: &mut Vec<String>| {
        let owned = input.to_vec();
        let outcome = std::panic::catch_unwind(move || {
            let _ = annex::exchange::sheet::read_file(&owned);
        });
        if outcome.is_err() {
            found.push(save_found("sheet", input));
        }
    };
    for (name, input) in regressions("sheet") {
        run_one(&input, &mut found);
        assert!(found.is_empty(), "regression {name} fails again");
    }
    let deadline = Instant::now() + Duration::from_secs_f64(fuzz_seconds());
    while Instant::now() < deadline {
        let input = mutate(&mut rng, &seeds);
        run_one(&input, &mut found);
        runs += 1;
    }
    eprintln!("sheet: {runs} inputs (seed {seed})");
    assert!(
        found.is_empty(),
        "inputs that crash the reader (seed {seed}): {found:?}"
    );
}

/// Files Annex writes itself, in both formats, with Greek and Japanese text.
fn spreadsheet_seeds() -> Vec<Vec<u8>> {
    let t = annex::exchange::Table {
        sheet: "Assets",
        header: ["id", "name", "owner", "availability", "last_reviewed_on"]
            .map(String::from)
            .to_vec(),
        numeric: vec!["availability"],
        rows: vec![
            [
                "A-1",
                "Διακομιστής αρχείων",
                "ops@example.org",
                "4",
                "2026-03-31",
            ]
            .map(String::from)
            .to_vec(),
            ["A-2", "東京オフィスの NAS", "", "", ""]
                .map(String::from)
                .to_vec(),
            [
                "A-3",
                "Laptop, \"Ada\"",
                "ada@example.org",
                "2",
                "2025-12-01",
            ]
            .map(String::from)
            .to_vec(),
        ],
        preamble: Vec::new(),
    };
    vec![
        t.csv().into_bytes(),
        t.xlsx().unwrap(),
        t.csv().replace(',', ";").into_bytes(),
    ]
}

/// One import endpoint to fuzz: its path, the seeds, and how to send them.
struct Target {
    name: &'static str,
    path: &'static str,
    seeds: Vec<Vec<u8>>,
    json: bool,
}

async fn targets(app: &TestApp, manager: &str) -> Vec<Target> {
    let export = |path: &'static str| {
        let app = &app;
        async move {
            let (status, _, body) = app.get_bytes(path, Auth::Bearer(manager)).await;
            assert!(status.is_success(), "{path}");
            body.to_vec()
        }
    };
    let report = serde_json::to_vec(&crate::scan_agent::report_of("fuzz-01")).unwrap();
    vec![
        Target {
            name: "assets",
            path: "/api/v1/assets/import?dry_run=true",
            seeds: vec![export("/assets.csv").await, export("/assets.xlsx").await],
            json: false,
        },
        Target {
            name: "risks",
            path: "/api/v1/risks/import?dry_run=true",
            seeds: vec![export("/risks.csv").await, export("/risks.xlsx").await],
            json: false,
        },
        Target {
            name: "measures",
            path: "/api/v1/measures/import?dry_run=true",
            seeds: vec![
                export("/measures.csv").await,
                export("/measures.xlsx").await,
            ],
            json: false,
        },
        Target {
            name: "documents",
            path: "/api/v1/documents/import?dry_run=true",
            seeds: vec![
                export("/documents.csv").await,
                export("/documents.xlsx").await,
            ],
            json: false,
        },
        Target {
            name: "people",
            path: "/api/v1/people/import?dry_run=true&absent_left=true",
            seeds: vec![export("/people.csv").await, export("/people.xlsx").await],
            json: false,
        },
        Target {
            name: "training",
            path: "/api/v1/training/import?dry_run=true",
            seeds: vec![
                b"Learner,Course,Completion date,Score\nit0@example.org,TM-0001,2026-01-05,90%\nE00002,Recognising phishing,2026-01-06,\n"
                    .to_vec(),
            ],
            json: false,
        },
        Target {
            name: "suppliers",
            path: "/api/v1/suppliers/import?dry_run=true",
            seeds: vec![
                b"Name,Personal data,Clauses,Certifications,Notice days\n\xce\xa9\xce\xbc\xce\xad\xce\xb3\xce\xb1 Cloud,yes,right to audit: in the contract; incident notification: in the contract, 24 h,ISO/IEC 27001 certificate | IS 1 | BSI | 2028-01-01,30\n"
                    .to_vec(),
                export("/suppliers.xlsx").await,
            ],
            json: false,
        },
        Target {
            name: "obligations",
            path: "/api/v1/obligations/import?dry_run=true",
            seeds: vec![
                b"Title,Kind,Reference,Applicable,Compliance,Controls\nGDPR,legal,Regulation (EU) 2016/679,yes,partially compliant,5.34\n"
                    .to_vec(),
                export("/obligations.xlsx").await,
            ],
            json: false,
        },
        Target {
            name: "processing",
            path: "/api/v1/processing/import?dry_run=true",
            seeds: vec![
                b"Name,Purposes,Legal basis,Data categories,Data subjects,Retention\nPayroll,paying staff,contract,name; salary,employees,10 years\n"
                    .to_vec(),
                export("/processing.xlsx").await,
            ],
            json: false,
        },
        Target {
            name: "parties",
            path: "/api/v1/parties/import?dry_run=true",
            seeds: vec![
                b"Stakeholder,Kind,Needs,Addressed\nKunden,customers,Schutz ihrer Daten,yes\n".to_vec(),
                export("/parties.xlsx").await,
            ],
            json: false,
        },
        Target {
            name: "context-issues",
            path: "/api/v1/context/issues/import?dry_run=true",
            seeds: vec![
                "Thema,Intern/Extern,Kategorie,Auswirkung\nFachkräftemangel,intern,organisational,Wenige Leute\n"
                    .as_bytes()
                    .to_vec(),
                export("/context/issues.xlsx").await,
            ],
            json: false,
        },
        Target {
            name: "kpi-measurements",
            path: "/api/v1/kpis/measurements/import?dry_run=true",
            seeds: vec![
                b"Indicator,Period,Value,Note\nKPI-0001,2026-01-15,95.5,first\n".to_vec(),
                export("/kpis/measurements.xlsx").await,
            ],
            json: false,
        },
        Target {
            name: "roles",
            path: "/api/v1/roles/import?dry_run=true",
            seeds: vec![
                "Rolle,Typ,Aufgaben,Inhaber\nGeschäftsführung,top management,Genehmigt,jana@example.cz\n"
                    .as_bytes()
                    .to_vec(),
                export("/roles.xlsx").await,
            ],
            json: false,
        },
        Target {
            name: "findings",
            path: "/api/v1/findings/import?dry_run=true",
            seeds: vec![
                "Audit,Art,Feststellung,Maßnahme\nIA-0001,Nebenabweichung,Rechte nicht geprüft,5.18\n"
                    .as_bytes()
                    .to_vec(),
                export("/findings.xlsx").await,
            ],
            json: false,
        },
        Target {
            name: "nonconformities",
            path: "/api/v1/nonconformities/import?dry_run=true",
            seeds: vec![
                "Abweichung,Quelle,Ursache,Whys\nRechte nicht geprüft,manual,HR meldet nichts,warum | darum\n"
                    .as_bytes()
                    .to_vec(),
                export("/nonconformities.xlsx").await,
            ],
            json: false,
        },
        Target {
            name: "corrective-actions",
            path: "/api/v1/corrective-actions/import?dry_run=true",
            seeds: vec![
                b"NC,Action,Owner,Due\nNC-0001,Train a second engineer,ops0@example.org,2027-01-31\n".to_vec(),
                export("/corrective-actions.xlsx").await,
            ],
            json: false,
        },
        Target {
            name: "reviews",
            path: "/api/v1/reviews/import?dry_run=true",
            seeds: vec![
                "Titel,Termin,Vorsitz,Beschlüsse\nManagementbewertung 2025,2025-11-30,ceo@example.org,Ενίσχυση εκπαίδευσης\n"
                    .as_bytes()
                    .to_vec(),
                export("/reviews.xlsx").await,
            ],
            json: false,
        },
        Target {
            name: "review-actions",
            path: "/api/v1/review-actions/import?dry_run=true",
            seeds: vec![
                b"Review,Action,Owner,Due,Status\nMR-0001,Widen the training,hr@example.org,2027-01-31,open\n".to_vec(),
                export("/review-actions.xlsx").await,
            ],
            json: false,
        },
        Target {
            name: "questionnaires",
            path: "/api/v1/questionnaires/import?dry_run=true",
            seeds: vec![
                export("/suppliers/questionnaires.csv").await,
                export("/suppliers/questionnaires.xlsx").await,
            ],
            json: false,
        },
        Target {
            name: "soa-2013",
            path: "/api/v1/soa/import-2013?dry_run=true",
            seeds: vec![crate::soa_migrate::SOA_2013.as_bytes().to_vec()],
            json: false,
        },
        Target {
            name: "soa-2022",
            path: "/api/v1/soa/import?dry_run=true",
            seeds: vec![export("/soa.csv").await, export("/soa.xlsx").await],
            json: false,
        },
        Target {
            name: "scan-report",
            path: "/api/v1/scans",
            seeds: vec![report],
            json: true,
        },
    ]
}

/// Sends one input; answers what went wrong, if anything (a panic or a 5xx).
async fn try_input(app: &TestApp, token: &str, t: &Target, input: &[u8]) -> Option<String> {
    let content_type = if t.json {
        "application/json"
    } else {
        "application/octet-stream"
    };
    let req = Request::post(t.path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(input.to_vec()))
        .unwrap();
    let router = app.router.clone();
    match tokio::spawn(async move { crate::harness::send_to(&router, req).await }).await {
        Err(e) if e.is_panic() => Some("panicked".into()),
        Err(e) => Some(format!("failed: {e}")),
        Ok(res) if res.status.is_server_error() => Some(format!("{}: {}", res.status, res.body)),
        Ok(_) => None,
    }
}

#[tokio::test]
async fn every_import_survives_mutated_files() {
    let db = TestDb::sqlite().await;
    let app = TestApp::spawn(db).await;
    app.set_up().await;
    let ctx = crate::harness::operator(&app.store);
    annex::service::demo::generate(&ctx, annex::service::demo::Size::parse("small").unwrap(), 3)
        .await
        .unwrap();
    let manager = app.token_as(Role::Manager).await;
    let agent = app.token_as(Role::Agent).await;
    let mut rng = Rng(fuzz_seed());
    let seed = rng.0;
    let mut found = Vec::new();
    for t in targets(&app, &manager).await {
        let token = if t.json { &agent } else { &manager };
        for (name, input) in regressions(t.name) {
            if let Some(what) = try_input(&app, token, &t, &input).await {
                found.push(format!("{}: regression {name} {what}", t.name));
            }
        }
        let deadline = Instant::now() + Duration::from_secs_f64(fuzz_seconds());
        let mut runs = 0u64;
        while Instant::now() < deadline {
            let input = mutate(&mut rng, &t.seeds);
            if let Some(what) = try_input(&app, token, &t, &input).await {
                let path = save_found(t.name, &input);
                found.push(format!("{}: {what} (input kept in {path})", t.name));
            }
            runs += 1;
        }
        eprintln!("{}: {runs} inputs (seed {seed})", t.name);
    }
    assert_eq!(
        app.get("/healthz", Auth::None).await.status,
        axum::http::StatusCode::OK
    );
    app.finish().await;
    assert!(
        found.is_empty(),
        "inputs that break Annex (seed {seed}):\n{}",
        found.join("\n")
    );
}
