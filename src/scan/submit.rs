//! `annex scan --report-to URL`: posts the JSON report to an Annex server's
//! `/api/v1/scans` with a bearer token, over a minimal HTTP/1.1 client. On `https://` the
//! connection is TLS (rustls with the ring provider), trusting the system's certificate
//! store and the certificates of `--ca-cert FILE`; on `http://` it is plain TCP, with a
//! warning when the server is not on this host, since the token then travels in clear.

use anyhow::{Context, anyhow, bail};
use rustls::pki_types::{CertificateDer, ServerName, pem::PemObject};
use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Where to send: TLS or not, host, port and the path prefix before `/api/v1/scans`.
#[derive(Debug, PartialEq, Eq)]
pub struct Target {
    pub tls: bool,
    /// As written in the URL: an IPv6 address keeps its brackets.
    pub host: String,
    pub port: u16,
    pub prefix: String,
}

impl Target {
    fn default_port(&self) -> u16 {
        if self.tls { 443 } else { 80 }
    }

    /// The host without an IPv6 address's brackets, to resolve and to name for TLS.
    fn bare_host(&self) -> &str {
        self.host.trim_start_matches('[').trim_end_matches(']')
    }

    /// localhost, 127.0.0.0/8 or ::1: a plain connection does not leave this host.
    pub fn is_loopback(&self) -> bool {
        let h = self.bare_host();
        h.eq_ignore_ascii_case("localhost") || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    /// What to warn about before sending the token over `http://` to another host.
    pub fn cleartext_warning(&self) -> Option<String> {
        (!self.tls && !self.is_loopback()).then(|| {
            format!(
                "warning: --report-to http://{}: the token and the report travel unencrypted over the network; use https://",
                self.host
            )
        })
    }
}

pub fn parse_url(url: &str) -> anyhow::Result<Target> {
    let url = url.trim();
    let usage = || {
        anyhow!(
            "--report-to {url}: give the server's address as https://HOST[:PORT][/PATH] (or http://…)"
        )
    };
    let (tls, rest) = if let Some(rest) = url.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(usage());
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if authority.is_empty() || authority.contains('@') {
        return Err(usage());
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => match p.parse::<u16>() {
            Ok(p) => (h.to_string(), Some(p)),
            Err(_) => bail!("--report-to {url}: '{p}' is not a port"),
        },
        _ => (authority.to_string(), None),
    };
    if host.is_empty() {
        return Err(usage());
    }
    let mut t = Target {
        tls,
        host,
        port: 0,
        prefix: path.trim_end_matches('/').to_string(),
    };
    t.port = port.unwrap_or_else(|| t.default_port());
    Ok(t)
}

/// Posts the report; answers the server's response body on 2xx, or an error with the
/// server's message. `ca_cert` is a PEM file of certificates trusted besides the system's
/// (https:// only).
pub fn post_report(
    url: &str,
    token: &str,
    body: &str,
    ca_cert: Option<&Path>,
) -> anyhow::Result<String> {
    let t = parse_url(url)?;
    // A bad --ca-cert is reported before anything is sent.
    let tls = if t.tls {
        Some(tls_config(ca_cert)?)
    } else {
        if ca_cert.is_some() {
            eprintln!("warning: --ca-cert is only used for https://");
        }
        None
    };
    if let Some(w) = t.cleartext_warning() {
        eprintln!("{w}");
    }
    let mut tcp = connect(&t)?;
    let request = request(&t, token, body);
    let raw = match tls {
        None => exchange(tcp, &request)?,
        Some(config) => {
            let name = ServerName::try_from(t.bare_host().to_string())
                .with_context(|| format!("{}: not a host name for TLS", t.host))?;
            let mut conn = rustls::ClientConnection::new(config, name)
                .with_context(|| format!("cannot set up TLS with {}", t.host))?;
            // The handshake on its own, so that a certificate problem reads as one.
            if let Err(e) = conn.complete_io(&mut tcp) {
                let hint = match e.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) {
                    Some(rustls::Error::InvalidCertificate(
                        rustls::CertificateError::UnknownIssuer,
                    )) => " (give the server's CA with --ca-cert FILE)",
                    Some(rustls::Error::InvalidMessage(_)) => {
                        " (does the server speak TLS on this port? for plain HTTP use http://)"
                    }
                    _ => "",
                };
                bail!("cannot set up TLS with {}: {e}{hint}", t.host);
            }
            exchange(rustls::StreamOwned::new(conn, tcp), &request)?
        }
    };
    answer(&raw)
}

/// The roots: the system's certificate store plus the certificates of `ca_cert`.
pub(crate) fn tls_config(ca_cert: Option<&Path>) -> anyhow::Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    // Unreadable or unparsable system certificates are skipped: if none is left, say so.
    let system = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(system.certs);
    if let Some(path) = ca_cert {
        for cert in read_ca_certs(path)? {
            roots.add(cert).with_context(|| {
                format!(
                    "--ca-cert {}: a certificate in it cannot be a trust root",
                    path.display()
                )
            })?;
        }
    }
    if roots.is_empty() {
        let why = system
            .errors
            .first()
            .map(|e| format!(" ({e})"))
            .unwrap_or_default();
        bail!(
            "no trusted certificate authority: the system's certificate store is empty or unreadable{why}; give the server's CA with --ca-cert FILE"
        );
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .context("cannot set up TLS")?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The certificates of a PEM file (one or more), or an error naming the file.
pub fn read_ca_certs(path: &Path) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let fail = |e: rustls::pki_types::pem::Error| match e {
        rustls::pki_types::pem::Error::Io(e) => {
            anyhow!("--ca-cert {}: cannot read it: {e}", path.display())
        }
        e => anyhow!("--ca-cert {}: not a valid PEM file: {e}", path.display()),
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(fail)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(fail)?;
    if certs.is_empty() {
        bail!(
            "--ca-cert {}: no certificate in it (expected PEM: -----BEGIN CERTIFICATE-----)",
            path.display()
        );
    }
    Ok(certs)
}

fn connect(t: &Target) -> anyhow::Result<TcpStream> {
    let addr = (t.bare_host(), t.port)
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {}", t.host))?
        .next()
        .with_context(|| format!("no address for {}", t.host))?;
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10))
        .with_context(|| format!("cannot connect to {addr}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    stream.set_write_timeout(Some(Duration::from_secs(60)))?;
    Ok(stream)
}

fn request(t: &Target, token: &str, body: &str) -> Vec<u8> {
    let host_header = if t.port == t.default_port() {
        t.host.clone()
    } else {
        format!("{}:{}", t.host, t.port)
    };
    let mut r = format!(
        "POST {}/api/v1/scans HTTP/1.1\r\nHost: {host_header}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: {}\r\nConnection: close\r\nUser-Agent: annex/{}\r\n\r\n",
        t.prefix,
        body.len(),
        env!("CARGO_PKG_VERSION")
    )
    .into_bytes();
    r.extend_from_slice(body.as_bytes());
    r
}

/// Sends the request and reads the answer until the server closes: one path for the
/// plain and the TLS stream.
fn exchange<S: Read + Write>(mut stream: S, request: &[u8]) -> anyhow::Result<Vec<u8>> {
    stream
        .write_all(request)
        .and_then(|()| stream.flush())
        .context("sending the report")?;
    let mut raw = Vec::new();
    match stream.read_to_end(&mut raw) {
        Ok(_) => {}
        // A TLS server that closes without close_notify: what it sent before stays (and
        // parse_response keeps to its Content-Length).
        Err(e) if e.kind() == ErrorKind::UnexpectedEof && !raw.is_empty() => {}
        Err(e) => return Err(e).context("reading the server's answer"),
    }
    Ok(raw)
}

/// The body of a 2xx answer, or an error with the server's message.
fn answer(raw: &[u8]) -> anyhow::Result<String> {
    let (status, text) = parse_response(raw)?;
    if (200..300).contains(&status) {
        return Ok(text);
    }
    let message = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| {
            let e = &v["error"];
            let mut m = e["message"].as_str()?.to_string();
            if let Some(details) = e["details"].as_array() {
                for d in details {
                    m.push_str(&format!(
                        "\n  {}: {}",
                        d["field"].as_str().unwrap_or_default(),
                        d["message"].as_str().unwrap_or_default()
                    ));
                }
            }
            Some(m)
        })
        .unwrap_or_else(|| text.trim().chars().take(500).collect());
    if message.is_empty() {
        bail!(
            "the server refused the report (HTTP {status}) without a message: is this the address of an Annex server?"
        )
    }
    bail!("the server refused the report (HTTP {status}): {message}")
}

/// The status code and body of an HTTP/1.1 response (Content-Length, chunked or to close).
pub fn parse_response(raw: &[u8]) -> anyhow::Result<(u16, String)> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("the server's answer is not HTTP")?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut body = &raw[split + 4..];
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("the server's answer is not HTTP: {status_line}"))?;
    let mut chunked = false;
    for l in lines {
        if let Some((k, v)) = l.split_once(':') {
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            if k == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked") {
                chunked = true;
            } else if k == "content-length"
                && let Ok(n) = v.parse::<usize>()
            {
                body = &body[..n.min(body.len())];
            }
        }
    }
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_vec()
    };
    Ok((status, String::from_utf8_lossy(&body).to_string()))
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(i) = b.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&b[..i]);
        let size = size.split(';').next().unwrap_or_default().trim();
        let Ok(n) = usize::from_str_radix(size, 16) else {
            break;
        };
        b = &b[i + 2..];
        if n == 0 || n > b.len() {
            out.extend_from_slice(&b[..n.min(b.len())]);
            break;
        }
        out.extend_from_slice(&b[..n]);
        b = b.get(n + 2..).unwrap_or_default();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::PrivateKeyDer;
    use std::net::TcpListener;
    use std::path::PathBuf;
    use std::thread;

    #[test]
    fn urls_are_parsed_with_the_scheme_s_default_port() {
        assert_eq!(
            parse_url("http://annex.lan:8080/isms/").unwrap(),
            Target {
                tls: false,
                host: "annex.lan".into(),
                port: 8080,
                prefix: "/isms".into()
            }
        );
        assert_eq!(parse_url("http://annex").unwrap().port, 80);
        assert_eq!(
            parse_url("https://annex.example.org/isms/").unwrap(),
            Target {
                tls: true,
                host: "annex.example.org".into(),
                port: 443,
                prefix: "/isms".into()
            }
        );
        let t = parse_url("https://[::1]:8443").unwrap();
        assert_eq!((t.tls, t.host.as_str(), t.port), (true, "[::1]", 8443));
        assert_eq!(t.prefix, "");
        for bad in [
            "ftp://x",
            "https://",
            "https://:443",
            "https://u@h",
            "https://h:x",
        ] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn plain_http_to_another_host_is_warned_about() {
        let warns = |u: &str| parse_url(u).unwrap().cleartext_warning();
        let w = warns("http://annex.lan:8080").unwrap();
        assert!(w.contains("unencrypted") && w.contains("annex.lan"), "{w}");
        assert!(warns("http://10.0.0.5").is_some());
        for quiet in [
            "http://127.0.0.1:8080",
            "http://127.8.9.10",
            "http://localhost/isms",
            "http://LOCALHOST:80",
            "http://[::1]:8080",
            "https://annex.lan",
        ] {
            assert_eq!(warns(quiet), None, "{quiet}");
        }
    }

    #[test]
    fn responses_are_read_with_length_or_chunks() {
        let (s, b) =
            parse_response(b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\n{}extra").unwrap();
        assert_eq!((s, b.as_str()), (201, "{}"));
        let (s, b) = parse_response(
            b"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!((s, b.as_str()), (403, "abcde"));
    }

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/tls")
            .join(name)
    }

    const TOKEN: &str = "annex_t0ken";
    const CREATED: &str = r#"{"run_id":"r-1","host":"web-01"}"#;

    /// An HTTPS server on 127.0.0.1 for one connection, with the fixture's certificate for
    /// localhost and 127.0.0.1: 201 with a small JSON body when the request carries the
    /// bearer token, 401 otherwise. The thread answers the request it read.
    fn tls_server() -> (u16, thread::JoinHandle<anyhow::Result<String>>) {
        let certs = CertificateDer::pem_file_iter(fixture("server.pem"))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_file(fixture("server.key")).unwrap();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = thread::spawn(move || -> anyhow::Result<String> {
            let (tcp, _) = listener.accept()?;
            tcp.set_read_timeout(Some(Duration::from_secs(10)))?;
            let conn = rustls::ServerConnection::new(Arc::new(config))?;
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            let mut raw = Vec::new();
            let mut buf = [0u8; 4096];
            let mut read_more = |raw: &mut Vec<u8>| -> anyhow::Result<()> {
                let n = tls.read(&mut buf)?;
                if n == 0 {
                    bail!("the client closed before the request's end");
                }
                raw.extend_from_slice(&buf[..n]);
                Ok(())
            };
            let head_end = loop {
                if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                    break i + 4;
                }
                read_more(&mut raw)?;
            };
            let head = String::from_utf8_lossy(&raw[..head_end]).to_string();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .context("no Content-Length")?
                .parse()?;
            while raw.len() < head_end + length {
                read_more(&mut raw)?;
            }
            let (status, body) = if head.contains(&format!("\r\nAuthorization: Bearer {TOKEN}\r\n"))
            {
                ("201 Created", CREATED)
            } else {
                (
                    "401 Unauthorized",
                    r#"{"error":{"code":"unauthorized","message":"a valid API token is needed"}}"#,
                )
            };
            write!(
                tls,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )?;
            tls.conn.send_close_notify();
            tls.flush()?;
            Ok(String::from_utf8_lossy(&raw).to_string())
        });
        (port, server)
    }

    #[test]
    fn reports_go_over_tls_to_a_server_of_the_given_ca() {
        let ca = fixture("ca.pem");
        // By name (SNI localhost), with a path prefix.
        let (port, server) = tls_server();
        let url = format!("https://localhost:{port}/isms/");
        let answer = post_report(&url, TOKEN, r#"{"host":"web-01"}"#, Some(&ca)).unwrap();
        assert_eq!(answer, CREATED);
        let request = server.join().unwrap().unwrap();
        assert!(
            request.starts_with("POST /isms/api/v1/scans HTTP/1.1\r\n"),
            "{request}"
        );
        assert!(
            request.contains(&format!("\r\nHost: localhost:{port}\r\n")),
            "{request}"
        );
        assert!(
            request.ends_with("\r\n\r\n{\"host\":\"web-01\"}"),
            "{request}"
        );

        // By IP address (the certificate's IP SAN); a refusal carries the server's message.
        let (port, server) = tls_server();
        let url = format!("https://127.0.0.1:{port}");
        let e = post_report(&url, "annex_wrong", "{}", Some(&ca))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("HTTP 401") && e.contains("a valid API token is needed"),
            "{e}"
        );
        server.join().unwrap().unwrap();
    }

    #[test]
    fn a_server_of_an_unknown_ca_is_refused_before_the_token_is_sent() {
        let (port, server) = tls_server();
        let e = post_report(&format!("https://localhost:{port}"), TOKEN, "{}", None)
            .unwrap_err()
            .to_string();
        // (On a host whose certificate store is empty, that is what the error says.)
        assert!(
            e.contains("no trusted certificate authority")
                || e.contains(
                    "cannot set up TLS with localhost: invalid peer certificate: UnknownIssuer (give the server's CA with --ca-cert FILE)"
                ),
            "{e}"
        );
        // The server saw the handshake fail, never a request.
        assert!(server.join().unwrap().is_err());
    }

    #[test]
    fn a_bad_ca_cert_file_is_named_before_connecting() {
        // Port 9 is never reached: the file is read first.
        let url = "https://127.0.0.1:9";
        let missing = fixture("missing.pem");
        let e = post_report(url, TOKEN, "{}", Some(&missing))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("missing.pem") && e.contains("cannot read"),
            "{e}"
        );
        // A PEM file without a certificate (a key).
        let e = post_report(url, TOKEN, "{}", Some(&fixture("server.key")))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("server.key") && e.contains("no certificate"),
            "{e}"
        );
        // A folder cannot be read as a file.
        let dir = fixture("");
        let e = read_ca_certs(&dir).unwrap_err().to_string();
        assert!(
            e.contains("fixtures/tls") && e.contains("cannot read"),
            "{e}"
        );
        // Every certificate of a file is read.
        let both = tempfile::NamedTempFile::new().unwrap();
        let pem = std::fs::read_to_string(fixture("ca.pem")).unwrap()
            + &std::fs::read_to_string(fixture("server.pem")).unwrap();
        std::fs::write(both.path(), pem).unwrap();
        assert_eq!(read_ca_certs(both.path()).unwrap().len(), 2);
    }
}
