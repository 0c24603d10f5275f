//! An SMTP server on loopback for the mail tests: EHLO, STARTTLS (with a certificate made for
//! the run), AUTH PLAIN and LOGIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT. It keeps every message
//! it accepts; it can be told to refuse messages (451) or logins, as a failing server does.

use base64::Engine;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A message as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent (headers and MIME parts).
    pub data: String,
    /// Whether it came over TLS.
    pub tls: bool,
    /// The user it signed in as, if any.
    pub user: Option<String>,
}

impl Received {
    /// A header's value (the first), unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next()?;
        let mut out: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(v) = out.as_mut() {
                if line.starts_with(' ') || line.starts_with('\t') {
                    v.push_str(line.trim_start());
                    continue;
                }
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case(name)
            {
                out = Some(v.trim().to_string());
            }
        }
        out
    }

    /// The decoded text of each part (plain text and HTML), whatever their transfer encoding.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for part in self.data.split("\r\n--") {
            let Some((head, body)) = part.split_once("\r\n\r\n") else {
                continue;
            };
            let head_lower = head.to_ascii_lowercase();
            if !head_lower.contains("content-type: text/") {
                continue;
            }
            let body = body.split("\r\n--").next().unwrap_or(body);
            if head_lower.contains("content-transfer-encoding: base64") {
                let joined: String = body.split_whitespace().collect();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(joined.as_bytes())
                    .unwrap_or_default();
                out.push_str(&String::from_utf8_lossy(&bytes));
            } else if head_lower.contains("content-transfer-encoding: quoted-printable") {
                out.push_str(&quoted_printable(body));
            } else {
                out.push_str(body);
            }
            out.push('\n');
        }
        out
    }
}

fn quoted_printable(s: &str) -> String {
    let mut bytes = Vec::new();
    let raw = s.replace("=\r\n", "");
    let b = raw.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'='
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&raw[i + 1..i + 3], 16)
        {
            bytes.push(v);
            i += 3;
            continue;
        }
        bytes.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// How the sink behaves; changeable while it runs.
#[derive(Debug, Clone, Default)]
pub struct Behaviour {
    /// Answer 451 at the end of DATA: the message is not taken.
    pub refuse_messages: bool,
    /// The only login accepted (user, password); none: no AUTH offered.
    pub login: Option<(String, String)>,
}

/// A running sink.
pub struct Sink {
    pub port: u16,
    pub received: Arc<Mutex<Vec<Received>>>,
    pub behaviour: Arc<Mutex<Behaviour>>,
    /// The PEM of the certificate STARTTLS presents (for `smtp_ca_file`).
    pub cert_pem: String,
}

impl Sink {
    pub fn messages(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub fn to(&self, who: &str) -> Vec<Received> {
        self.messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(who)))
            .collect()
    }

    pub fn set(&self, f: impl FnOnce(&mut Behaviour)) {
        f(&mut self.behaviour.lock().unwrap());
    }
}

/// Starts a sink on 127.0.0.1 with a certificate for `localhost` and 127.0.0.1.
pub async fn start(behaviour: Behaviour) -> Sink {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
        .expect("a certificate");
    let cert_pem = cert.cert.pem();
    let key_der = rustls::pki_types::PrivateKeyDer::Pkcs8(
        rustls::pki_types::PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()),
    );
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert.cert.der().clone()], key_der)
    .expect("server TLS");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let behaviour = Arc::new(Mutex::new(behaviour));
    let (r, b) = (received.clone(), behaviour.clone());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (r, b, acceptor) = (r.clone(), b.clone(), acceptor.clone());
            tokio::spawn(async move {
                let mut session = Session {
                    received: r,
                    behaviour: b,
                    user: None,
                    tls: false,
                };
                if let Ok(Some(plain)) = session.run(stream).await
                    && let Ok(tls) = acceptor.accept(plain).await
                {
                    session.tls = true;
                    let _ = session.run(tls).await;
                }
            });
        }
    });
    Sink {
        port,
        received,
        behaviour,
        cert_pem,
    }
}

struct Session {
    received: Arc<Mutex<Vec<Received>>>,
    behaviour: Arc<Mutex<Behaviour>>,
    user: Option<String>,
    tls: bool,
}

impl Session {
    /// Serves commands until QUIT (None) or STARTTLS (the plain stream back, to wrap).
    async fn run<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        stream: S,
    ) -> std::io::Result<Option<S>> {
        let mut io = BufReader::new(stream);
        if !self.tls {
            io.get_mut().write_all(b"220 sink ESMTP ready\r\n").await?;
        }
        let mut from = String::new();
        let mut to: Vec<String> = Vec::new();
        loop {
            let mut line = String::new();
            if io.read_line(&mut line).await? == 0 {
                return Ok(None);
            }
            let cmd = line.trim_end().to_string();
            let upper = cmd.to_ascii_uppercase();
            let behaviour = self.behaviour.lock().unwrap().clone();
            let reply: String = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                let mut r = String::from("250-sink\r\n");
                if !self.tls {
                    r.push_str("250-STARTTLS\r\n");
                }
                if behaviour.login.is_some() {
                    r.push_str("250-AUTH PLAIN LOGIN\r\n");
                }
                r.push_str("250 8BITMIME\r\n");
                r
            } else if upper == "STARTTLS" && !self.tls {
                io.get_mut().write_all(b"220 go ahead\r\n").await?;
                return Ok(Some(io.into_inner()));
            } else if upper.starts_with("AUTH PLAIN") {
                let given = cmd.split_whitespace().nth(2).unwrap_or("").to_string();
                let given = if given.is_empty() {
                    io.get_mut().write_all(b"334 \r\n").await?;
                    let mut l = String::new();
                    io.read_line(&mut l).await?;
                    l.trim().to_string()
                } else {
                    given
                };
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(given.as_bytes())
                    .unwrap_or_default();
                let parts: Vec<String> = String::from_utf8_lossy(&decoded)
                    .split('\0')
                    .map(str::to_string)
                    .collect();
                self.check_login(&behaviour, parts.get(1), parts.get(2))
            } else if upper.starts_with("AUTH LOGIN") {
                let mut read = async |prompt: &[u8]| -> std::io::Result<String> {
                    io.get_mut().write_all(prompt).await?;
                    let mut l = String::new();
                    io.read_line(&mut l).await?;
                    let d = base64::engine::general_purpose::STANDARD
                        .decode(l.trim().as_bytes())
                        .unwrap_or_default();
                    Ok(String::from_utf8_lossy(&d).into_owned())
                };
                let user = read(b"334 VXNlcm5hbWU6\r\n").await?;
                let pass = read(b"334 UGFzc3dvcmQ6\r\n").await?;
                self.check_login(&behaviour, Some(&user), Some(&pass))
            } else if upper.starts_with("MAIL FROM:") {
                if behaviour.login.is_some() && self.user.is_none() {
                    "530 sign in first\r\n".into()
                } else {
                    from = address(&cmd[10..]);
                    to.clear();
                    "250 ok\r\n".into()
                }
            } else if upper.starts_with("RCPT TO:") {
                to.push(address(&cmd[8..]));
                "250 ok\r\n".into()
            } else if upper == "DATA" {
                io.get_mut()
                    .write_all(b"354 end with <CRLF>.<CRLF>\r\n")
                    .await?;
                let mut data = String::new();
                loop {
                    let mut l = String::new();
                    if io.read_line(&mut l).await? == 0 {
                        return Ok(None);
                    }
                    if l == ".\r\n" {
                        break;
                    }
                    data.push_str(l.strip_prefix('.').unwrap_or(&l));
                }
                if behaviour.refuse_messages {
                    "451 4.3.0 try again later\r\n".into()
                } else {
                    self.received.lock().unwrap().push(Received {
                        from: from.clone(),
                        to: to.clone(),
                        data,
                        tls: self.tls,
                        user: self.user.clone(),
                    });
                    "250 2.0.0 queued\r\n".into()
                }
            } else if upper == "RSET" || upper == "NOOP" {
                "250 ok\r\n".into()
            } else if upper == "QUIT" {
                io.get_mut().write_all(b"221 bye\r\n").await?;
                return Ok(None);
            } else {
                "502 not implemented\r\n".into()
            };
            io.get_mut().write_all(reply.as_bytes()).await?;
        }
    }

    fn check_login(
        &mut self,
        b: &Behaviour,
        user: Option<&String>,
        pass: Option<&String>,
    ) -> String {
        match (&b.login, user, pass) {
            (Some((u, p)), Some(gu), Some(gp)) if u == gu && p == gp => {
                self.user = Some(gu.clone());
                "235 2.7.0 signed in\r\n".into()
            }
            _ => "535 5.7.8 wrong user name or password\r\n".into(),
        }
    }
}

fn address(s: &str) -> String {
    s.trim()
        .trim_start_matches('<')
        .split('>')
        .next()
        .unwrap_or("")
        .to_string()
}
