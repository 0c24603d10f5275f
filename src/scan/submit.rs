//! `annex scan --report-to URL`: posts the JSON report to an Annex server's
//! `/api/v1/scans` with a bearer token, over a minimal HTTP/1.1 client on a plain TCP
//! connection (no TLS: put the server, or a local proxy to it, on `http://`).

use anyhow::{Context, bail};
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Where to send: host, port and the path prefix before `/api/v1/scans`.
#[derive(Debug, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub port: u16,
    pub prefix: String,
}

pub fn parse_url(url: &str) -> anyhow::Result<Target> {
    let url = url.trim();
    if url.starts_with("https://") {
        bail!(
            "--report-to {url}: reporting over TLS (https://) is not supported yet; run a local proxy that forwards http://127.0.0.1:PORT to the server and report to that"
        );
    }
    let Some(rest) = url.strip_prefix("http://") else {
        bail!("--report-to {url}: give the server's address as http://HOST[:PORT][/PATH]");
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if authority.is_empty() || authority.contains('@') {
        bail!("--report-to {url}: give the server's address as http://HOST[:PORT][/PATH]");
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => match p.parse::<u16>() {
            Ok(p) => (h.to_string(), p),
            Err(_) => bail!("--report-to {url}: '{p}' is not a port"),
        },
        _ => (authority.to_string(), 80),
    };
    Ok(Target {
        host,
        port,
        prefix: path.trim_end_matches('/').to_string(),
    })
}

/// Posts the report; answers the server's response body on 2xx, or an error with the
/// server's message.
pub fn post_report(url: &str, token: &str, body: &str) -> anyhow::Result<String> {
    let t = parse_url(url)?;
    let addr = (t.host.trim_start_matches('[').trim_end_matches(']'), t.port)
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {}", t.host))?
        .next()
        .with_context(|| format!("no address for {}", t.host))?;
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10))
        .with_context(|| format!("cannot connect to {addr}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    stream.set_write_timeout(Some(Duration::from_secs(60)))?;
    let host_header = if t.port == 80 {
        t.host.clone()
    } else {
        format!("{}:{}", t.host, t.port)
    };
    let head = format!(
        "POST {}/api/v1/scans HTTP/1.1\r\nHost: {host_header}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: {}\r\nConnection: close\r\nUser-Agent: annex/{}\r\n\r\n",
        t.prefix,
        body.len(),
        env!("CARGO_PKG_VERSION")
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    stream.flush()?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .context("reading the server's answer")?;
    let (status, text) = parse_response(&raw)?;
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

    #[test]
    fn urls_are_parsed_and_tls_is_refused_clearly() {
        assert_eq!(
            parse_url("http://annex.lan:8080/isms/").unwrap(),
            Target {
                host: "annex.lan".into(),
                port: 8080,
                prefix: "/isms".into()
            }
        );
        assert_eq!(parse_url("http://annex").unwrap().port, 80);
        let e = parse_url("https://annex.example.org")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("not supported yet") && e.contains("proxy"),
            "{e}"
        );
        assert!(parse_url("ftp://x").is_err());
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
}
