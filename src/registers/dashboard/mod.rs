//! The dashboard, the top bar's search and the forms' pickers (`/suggest/{kind}`). They own no records: their pages gather what the
//! other registers' use cases answer.

pub mod pages;

use crate::web::{Access, Routes};

/// The dashboard and the search: every signed-in person.
pub fn routes() -> Routes {
    let anyone = Access::SignedIn;
    Routes::new()
        .get("/", anyone, pages::dashboard)
        .get("/search", anyone, pages::search)
        .get("/suggest/{kind}", anyone, pages::suggest)
}
