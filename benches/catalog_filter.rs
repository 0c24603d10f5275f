//! Benchmarks of browsing the ISO/IEC 27002:2022 catalogue through the store (SQLite).
//!
//! Run with:
//!   CARGO_TARGET_DIR=/tmp/annex-bench-target cargo bench --bench catalog_filter
//!
//! One store is prepared once in a temporary data dir (migrations applied, built-in catalogues
//! loaded) and shared by every benchmark; each sample runs one store call on a single-threaded
//! tokio runtime, as a request handler would.

use annex::config::{Config, Flags};
use annex::domain::catalog::ControlFilter;
use annex::domain::clock::Clock;
use annex::store::Store;
use std::sync::OnceLock;

const FRAMEWORK: &str = "iso27002-2022";

fn main() {
    // Prepare the store before divan starts timing anything.
    let _ = fixture();
    divan::main();
}

struct Fixture {
    rt: tokio::runtime::Runtime,
    store: Store,
    // Kept so that the data dir lives as long as the process.
    _dir: tempfile::TempDir,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().to_path_buf();
        let flags = Flags {
            data_dir: Some(path.clone()),
            database_url: Some(format!("sqlite://{}/annex.db", path.display())),
            ..Flags::default()
        };
        let config = Config::load_from(&flags, &[]).expect("config");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let (store, _report) = rt
            .block_on(annex::app::prepare(&config, Clock::system()))
            .expect("prepare the store");
        Fixture {
            rt,
            store,
            _dir: dir,
        }
    })
}

fn filter(theme: Option<&str>, attrs: &[&str], text: Option<&str>) -> ControlFilter {
    let attrs: Vec<String> = attrs.iter().map(|a| a.to_string()).collect();
    ControlFilter::parse(theme, &attrs, text).expect("valid filter")
}

/// Runs one page query (limit 100, first page) and returns the number of items.
fn page(bencher: divan::Bencher, f: ControlFilter, expect_some: bool) {
    let fx = fixture();
    let n = fx
        .rt
        .block_on(fx.store.controls(FRAMEWORK, &f, None, 100))
        .expect("controls")
        .items
        .len();
    assert_eq!(n > 0, expect_some, "unexpected result size {n} for {f:?}");
    bencher.bench_local(|| {
        let p = fx
            .rt
            .block_on(
                fx.store
                    .controls(FRAMEWORK, divan::black_box(&f), None, 100),
            )
            .expect("controls");
        divan::black_box(p)
    });
}

#[divan::bench]
fn controls_no_filter(bencher: divan::Bencher) {
    page(bencher, ControlFilter::default(), true);
}

#[divan::bench]
fn controls_one_attribute(bencher: divan::Bencher) {
    page(
        bencher,
        filter(None, &["control_type:Detective"], None),
        true,
    );
}

#[divan::bench]
fn controls_two_attributes_and_theme(bencher: divan::Bencher) {
    page(
        bencher,
        filter(
            Some("technological"),
            &[
                "control_type:Preventive",
                "information_security_properties:Confidentiality",
            ],
            None,
        ),
        true,
    );
}

#[divan::bench]
fn controls_text_search(bencher: divan::Bencher) {
    page(bencher, filter(None, &[], Some("backup")), true);
}

#[divan::bench]
fn facets_two_attributes(bencher: divan::Bencher) {
    let fx = fixture();
    let f = filter(
        None,
        &[
            "control_type:Preventive",
            "information_security_properties:Confidentiality",
        ],
        None,
    );
    bencher.bench_local(|| {
        let facets = fx
            .rt
            .block_on(fx.store.control_facets(FRAMEWORK, divan::black_box(&f)))
            .expect("facets");
        divan::black_box(facets)
    });
}

#[divan::bench]
fn control_by_id(bencher: divan::Bencher) {
    let fx = fixture();
    bencher.bench_local(|| {
        let c = fx
            .rt
            .block_on(fx.store.control(FRAMEWORK, divan::black_box("8.13")))
            .expect("control 8.13");
        divan::black_box(c)
    });
}
