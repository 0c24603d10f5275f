//! Routes declared together with who may call them. Each register builds its `Routes` (its
//! pages and its API operations, each with an `Access`); the application merges them into one
//! router and one access policy, which the guard enforces on every request (a route without a
//! rule is refused) and the route × role test walks.

use super::vocabulary::{Live, Values};
use super::{Access, AppState};
use crate::exchange::import::{Importer, Importers};
use axum::handler::Handler;
use axum::routing::{MethodRouter, delete, get, post, put};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};

/// Who may call one route: (method, route pattern, access).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub method: &'static str,
    pub path: String,
    pub access: Access,
}

/// A set of routes with their access rules, and the spreadsheet importers of their registers.
pub struct Routes {
    router: OpenApiRouter<AppState>,
    rules: Vec<Rule>,
    importers: Vec<&'static dyn Importer>,
    values: Vec<Values>,
    live: Vec<Live>,
}

/// Everything the routes declared, taken apart for the application.
pub struct Parts {
    pub router: OpenApiRouter<AppState>,
    pub rules: Vec<Rule>,
    pub importers: Importers,
    /// Closed lists of accepted values, for the API document.
    pub values: Vec<Values>,
    /// Readers of the organisation's own closed lists, for the API document.
    pub live: Vec<Live>,
}

impl Default for Routes {
    fn default() -> Self {
        Routes::new()
    }
}

impl Routes {
    pub fn new() -> Routes {
        Routes {
            router: OpenApiRouter::new(),
            rules: Vec::new(),
            importers: Vec::new(),
            values: Vec::new(),
            live: Vec::new(),
        }
    }

    /// Starts from an OpenAPI document (the API's title, security schemes, shared schemas).
    pub fn with_openapi(doc: utoipa::openapi::OpenApi) -> Routes {
        Routes {
            router: OpenApiRouter::with_openapi(doc),
            rules: Vec::new(),
            importers: Vec::new(),
            values: Vec::new(),
            live: Vec::new(),
        }
    }

    fn add(
        mut self,
        method: &'static str,
        path: &str,
        access: Access,
        mr: MethodRouter<AppState>,
    ) -> Self {
        self.rules.push(Rule {
            method,
            path: path.to_string(),
            access,
        });
        self.router = self.router.route(path, mr);
        self
    }

    /// A page or file answering GET (and HEAD).
    pub fn get<H, T>(self, path: &str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("GET", path, access, get(handler))
    }

    /// A form submission or another POST that is not part of the API document.
    pub fn post<H, T>(self, path: &str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("POST", path, access, post(handler))
    }

    /// A POST whose body may be as large as `max_bytes` (a file upload).
    pub fn post_upload<H, T>(self, path: &str, access: Access, handler: H, max_bytes: usize) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let mr = post(handler).layer(axum::extract::DefaultBodyLimit::max(max_bytes));
        self.add("POST", path, access, mr)
    }

    /// A POST whose body the handler counts itself as it streams (an import's upload, whose
    /// limit is configured: `import_max_mb`); no limit is set here.
    pub fn post_stream<H, T>(self, path: &str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let mr = post(handler).layer(axum::extract::DefaultBodyLimit::disable());
        self.add("POST", path, access, mr)
    }

    pub fn put<H, T>(self, path: &str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("PUT", path, access, put(handler))
    }

    pub fn delete<H, T>(self, path: &str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("DELETE", path, access, delete(handler))
    }

    /// An API operation (`routes!(handler)`): its method and path are read from its OpenAPI
    /// description, so the rule cannot name another route than the one served.
    pub fn api(mut self, access: Access, op: UtoipaMethodRouter<AppState>) -> Self {
        for (path, item) in &op.1.paths {
            let ops = [
                ("GET", item.get.is_some()),
                ("PUT", item.put.is_some()),
                ("POST", item.post.is_some()),
                ("DELETE", item.delete.is_some()),
                ("PATCH", item.patch.is_some()),
            ];
            for (method, present) in ops {
                if present {
                    self.rules.push(Rule {
                        method,
                        path: path.clone(),
                        access,
                    });
                }
            }
        }
        self.router = self.router.routes(op);
        self
    }

    /// The register imports spreadsheets with this importer (its upload's review and the
    /// import pages find it by key).
    pub fn importer(mut self, importer: &'static dyn Importer) -> Self {
        self.importers.push(importer);
        self
    }

    /// The API accepts only these values at this place (declared in its document).
    pub fn values(mut self, values: impl IntoIterator<Item = Values>) -> Self {
        self.values.extend(values);
        self
    }

    /// The API accepts only the organisation's own values at some places (its settings, its
    /// matrix), read when a signed-in caller asks for the document.
    pub fn live_values(mut self, live: Live) -> Self {
        self.live.push(live);
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.rules.extend(other.rules);
        self.importers.extend(other.importers);
        self.values.extend(other.values);
        self.live.extend(other.live);
        self
    }

    pub fn into_parts(self) -> Parts {
        Parts {
            router: self.router,
            rules: self.rules,
            importers: Importers(self.importers),
            values: self.values,
            live: self.live,
        }
    }
}
