//! Sending e-mail through the configured SMTP server (lettre): STARTTLS, TLS or a plain relay,
//! with a login when set, and the system's certificates trusted plus an internal CA's. Every
//! message has a plain-text and an HTML part and a `Message-ID` made from its outbox id, so a
//! receiving server can tell a message it already has.

use crate::config::{Smtp, SmtpSecurity};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// A message ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The outbox id: the message's `Message-ID` is made from it.
    pub id: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The SMTP server and how to reach it.
#[derive(Clone)]
pub struct Mailer {
    settings: Smtp,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("host", &self.settings.host)
            .field("port", &self.settings.port)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// The mailer of the settings (checked: the sender is an address, the CA file reads).
    pub fn new(settings: &Smtp) -> anyhow::Result<Mailer> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("smtp_from '{}': {e}", settings.from))?;
        let tls = || -> anyhow::Result<TlsParameters> {
            let mut b = TlsParameters::builder(settings.host.clone());
            if let Some(path) = &settings.ca_file {
                let pem = std::fs::read(path)
                    .map_err(|e| anyhow::anyhow!("reading smtp_ca_file {}: {e}", path.display()))?;
                let cert = Certificate::from_pem(&pem).map_err(|e| {
                    anyhow::anyhow!(
                        "smtp_ca_file {} is not a PEM certificate: {e}",
                        path.display()
                    )
                })?;
                b = b.add_root_certificate(cert);
            }
            b.build_rustls()
                .map_err(|e| anyhow::anyhow!("TLS settings for {}: {e}", settings.host))
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            .port(settings.port)
            .timeout(Some(std::time::Duration::from_secs(20)))
            .tls(match settings.security {
                SmtpSecurity::Starttls => Tls::Required(tls()?),
                SmtpSecurity::Tls => Tls::Wrapper(tls()?),
                SmtpSecurity::None => Tls::None,
            });
        if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Mailer {
            settings: settings.clone(),
            transport: builder.build(),
            from,
        })
    }

    /// Where it sends, for people: `smtp.example.org:587 (STARTTLS)`.
    pub fn describe(&self) -> String {
        let how = match self.settings.security {
            SmtpSecurity::Starttls => "STARTTLS",
            SmtpSecurity::Tls => "TLS",
            SmtpSecurity::None => "no TLS",
        };
        let login = match &self.settings.username {
            Some(u) => format!(", signing in as {u}"),
            None => String::new(),
        };
        format!(
            "{}:{} ({how}{login}), from {}",
            self.settings.host, self.settings.port, self.settings.from
        )
    }

    /// Sends one message; the error says what the server or the connection answered.
    pub async fn send(&self, m: &Outgoing) -> Result<(), String> {
        let to: Mailbox =
            m.to.parse()
                .map_err(|e| format!("'{}' is not an e-mail address: {e}", m.to))?;
        let domain = self
            .from
            .email
            .domain()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
            .collect::<String>();
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&m.subject)
            .message_id(Some(format!("<{}@{}>", m.id, domain)))
            .date_now()
            .multipart(MultiPart::alternative_plain_html(
                m.text.clone(),
                m.html.clone(),
            ))
            .map_err(|e| format!("the message could not be made: {e}"))?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                text.push_str(": ");
                text.push_str(&s.to_string());
                source = s.source();
            }
            text
        })
    }
}
