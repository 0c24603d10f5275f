//! Reads the PDFs Annex exports, for the integration tests: how many pages a file has (from
//! its page objects, which krilla writes uncompressed) and the text a reader would copy out
//! of it, extracted by poppler's `pdftotext` (Debian's poppler-utils) as an auditor's viewer
//! would. Without `pdftotext` the text checks are skipped with a notice, or fail under
//! `ANNEX_REQUIRE_SUITES=1`.

/// Number of page objects (`/Type /Page`, not the `/Pages` tree nodes).
#[allow(dead_code)]
pub fn page_count(pdf: &[u8]) -> usize {
    let mut count = 0;
    let mut at = 0;
    while let Some(found) = find(&pdf[at..], b"/Type") {
        let mut i = at + found + b"/Type".len();
        while pdf.get(i).is_some_and(|b| is_white(*b)) {
            i += 1;
        }
        let rest = &pdf[i..];
        if rest.starts_with(b"/Page") && !rest.get(5).is_some_and(|b| is_regular(*b)) {
            count += 1;
        }
        at = i;
    }
    count
}

/// The text of the whole document as `pdftotext` extracts it (UTF-8, pages in order), or
/// `None` (with a notice) where poppler-utils is not installed.
#[allow(dead_code)]
pub fn text(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = match std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            assert!(
                !crate::harness::require_suites(),
                "ANNEX_REQUIRE_SUITES=1 but pdftotext cannot run ({e}): install poppler-utils"
            );
            eprintln!("PDF text checks SKIPPED: pdftotext (poppler-utils) cannot run: {e}");
            return None;
        }
    };
    assert!(
        out.status.success(),
        "pdftotext reads the PDF: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).expect("pdftotext writes UTF-8"))
}
fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'\0')
}

fn is_delimiter(b: u8) -> bool {
    b"()<>[]{}/%".contains(&b)
}

fn is_regular(b: u8) -> bool {
    !is_white(b) && !is_delimiter(b)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
