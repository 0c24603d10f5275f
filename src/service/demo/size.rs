//! How much `annex demo` makes, by size.

use crate::error::{Error, Result};

/// How much to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub assets: usize,
    pub measures: usize,
    pub risks: usize,
    pub acceptances: usize,
    pub evidence: usize,
    /// People in the staff directory (with acknowledgements and training completions).
    pub people: usize,
    /// Documents published and acknowledged (the policy templates, then procedures).
    pub published: usize,
}

impl Size {
    pub fn parse(raw: &str) -> Result<Size> {
        match raw.trim() {
            "small" => Ok(Size {
                assets: 200,
                measures: 60,
                risks: 120,
                acceptances: 20,
                evidence: 100,
                people: 100,
                published: 13,
            }),
            // The Statement of Applicability's benchmark: a mid-sized ISMS.
            "medium" => Ok(Size {
                assets: 2_000,
                measures: 1_000,
                risks: 5_000,
                acceptances: 50,
                evidence: 10_000,
                people: 1_000,
                published: 13,
            }),
            "large" => Ok(Size {
                assets: 100_000,
                measures: 2_000,
                risks: 100_000,
                acceptances: 200,
                evidence: 10_000,
                people: 10_000,
                published: 20,
            }),
            // The million-row benchmark: a large company's CMDB and risk register.
            "huge" => Ok(Size {
                assets: 1_000_000,
                measures: 2_000,
                risks: 1_000_000,
                acceptances: 200,
                evidence: 10_000,
                people: 10_000,
                published: 20,
            }),
            other => Err(Error::field(
                "size",
                format!("'{other}' is not a demo size: use small, medium, large or huge"),
            )),
        }
    }
}
