//! Posting to a webhook: one JSON body over HTTP or HTTPS — hyper speaks the protocol on a
//! connection opened here, rustls (the system's certificates) secures it — with a deadline
//! for the whole exchange. A 2xx answer is delivered; anything else is named for the outbox.

use axum::body::Bytes;
use axum::http::{Request, Uri, header};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// How long one post may take, connection included.
const DEADLINE: Duration = Duration::from_secs(15);

/// A post to make.
pub struct Post<'a> {
    pub url: &'a str,
    pub body: &'a str,
    /// Headers besides the content type and the user agent.
    pub headers: &'a [(&'static str, String)],
}

/// Posts and answers the status, or why it was not delivered (in words for the outbox).
pub async fn post(p: &Post<'_>) -> Result<u16, String> {
    match tokio::time::timeout(DEADLINE, exchange(p)).await {
        Ok(r) => r,
        Err(_) => Err(format!("no answer within {} seconds", DEADLINE.as_secs())),
    }
}

async fn exchange(p: &Post<'_>) -> Result<u16, String> {
    let uri: Uri = p
        .url
        .parse()
        .map_err(|_| "the address does not read".to_string())?;
    let https = match uri.scheme_str() {
        Some("https") => true,
        Some("http") => false,
        _ => return Err("the address is neither http nor https".into()),
    };
    let host = uri
        .host()
        .ok_or("the address names no host")?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let authority = uri
        .authority()
        .map(|a| a.as_str().to_string())
        .unwrap_or_default();
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut req = Request::post(path)
        .header(header::HOST, authority)
        .header(header::CONTENT_TYPE, "application/json")
        .header(
            header::USER_AGENT,
            concat!("Annex/", env!("CARGO_PKG_VERSION")),
        );
    for (name, value) in p.headers {
        req = req.header(*name, value);
    }
    let req = req
        .body(Full::new(Bytes::from(p.body.to_string())))
        .map_err(|e| format!("the request cannot be made: {e}"))?;
    let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| format!("cannot connect to {host}:{port}: {e}"))?;
    let _ = tcp.set_nodelay(true);
    if https {
        let name = rustls::pki_types::ServerName::try_from(host.clone())
            .map_err(|_| format!("'{host}' cannot be checked against a certificate"))?;
        let tls = tokio_rustls::TlsConnector::from(tls_config()?)
            .connect(name, tcp)
            .await
            .map_err(|e| format!("TLS with {host}: {e}"))?;
        send(TokioIo::new(tls), req).await
    } else {
        send(TokioIo::new(tcp), req).await
    }
}

async fn send<IO>(io: IO, req: Request<Full<Bytes>>) -> Result<u16, String>
where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| format!("HTTP: {e}"))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let res = sender
        .send_request(req)
        .await
        .map_err(|e| format!("HTTP: {e}"))?;
    let status = res.status();
    if status.is_success() {
        return Ok(status.as_u16());
    }
    // A few hundred bytes of the answer say why; no more is read.
    let mut body = res.into_body();
    let mut said = Vec::new();
    while said.len() < 300 {
        match body.frame().await {
            Some(Ok(f)) => {
                if let Some(d) = f.data_ref() {
                    said.extend_from_slice(&d[..d.len().min(300 - said.len())]);
                }
            }
            _ => break,
        }
    }
    let said = String::from_utf8_lossy(&said).trim().to_string();
    Err(if said.is_empty() {
        format!("the receiver answered {status}")
    } else {
        format!("the receiver answered {status}: {said}")
    })
}

/// The TLS settings (the system's certificates), made once.
fn tls_config() -> Result<Arc<rustls::ClientConfig>, String> {
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| crate::scan::submit::tls_config(None).map_err(|e| e.to_string()))
        .clone()
}
