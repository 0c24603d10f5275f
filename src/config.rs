//! Configuration, in layers: defaults, then `annex.toml` in the data dir (or `--config`), then
//! `ANNEX_*` environment variables, then command-line flags. Unknown keys and unknown `ANNEX_*`
//! variables are errors that name them. Secrets never appear in `Debug` or in `annex config`.

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The resolved configuration.
#[derive(Clone, Serialize)]
pub struct Config {
    #[serde(skip)]
    pub data_dir: PathBuf,
    #[serde(skip)]
    pub config_file: Option<PathBuf>,
    /// `sqlite://PATH` or `postgres://USER[:PASSWORD]@HOST[:PORT]/DB`.
    pub database_url: String,
    /// Address `annex serve` listens on.
    pub bind: SocketAddr,
    /// The address people use to reach Annex (behind a proxy); printed at start-up.
    pub public_url: Option<String>,
    /// Log filter, e.g. `info` or `annex=debug,info`.
    pub log: String,
    /// Log each use case's span as it closes with the time it was busy (where a slow page
    /// spends its time, without a profiler).
    pub log_spans: bool,
    /// Mark cookies `Secure`. On by default when `public_url` starts with `https://`.
    pub secure_cookies: bool,
    /// How long a browser session lasts without activity, in hours.
    pub session_hours: i64,
    /// Failed logins on one account before it is locked for `login_lockout_minutes`.
    pub login_max_failures: i64,
    /// Failed logins from one address before it is locked for `login_lockout_minutes`.
    pub address_max_failures: i64,
    pub login_lockout_minutes: i64,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy you trust).
    pub trust_proxy: bool,
    /// The largest evidence file accepted, in MB.
    pub evidence_max_mb: i64,
    /// The largest file the API takes for an import, in MB (written to disk as it arrives; a
    /// CSV file of assets or risks is then read as it streams).
    pub import_max_mb: i64,
    /// The Ed25519 key that signs audit checkpoints (`annex audit checkpoint`); made on first
    /// use. `audit-checkpoint.key` in the data dir unless set.
    pub audit_key_file: PathBuf,
    /// How Annex sends e-mail (digests, reminders); none: messages wait in the outbox.
    pub smtp: Option<Smtp>,
}

/// The SMTP server Annex sends through.
#[derive(Clone, Serialize)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    /// `starttls` (the default, port 587), `tls` (port 465) or `none` (a relay on loopback).
    pub security: SmtpSecurity,
    pub username: Option<String>,
    /// Never shown: read from `smtp_password` or the file `ANNEX_SMTP_PASSWORD_FILE` names.
    #[serde(skip)]
    pub password: Option<String>,
    /// The sender: `Annex <isms@example.org>`.
    pub from: String,
    /// A PEM file of certificates to trust besides the system's (an internal CA).
    pub ca_file: Option<PathBuf>,
}

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    Starttls,
    Tls,
    None,
}

impl SmtpSecurity {
    fn parse(s: &str) -> anyhow::Result<SmtpSecurity> {
        match s.trim().to_ascii_lowercase().as_str() {
            "starttls" => Ok(SmtpSecurity::Starttls),
            "tls" | "smtps" => Ok(SmtpSecurity::Tls),
            "none" | "plain" => Ok(SmtpSecurity::None),
            other => bail!("smtp_security: '{other}' is not starttls, tls or none"),
        }
    }
}

/// The keys accepted in `annex.toml`; every one is optional.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLayer {
    database_url: Option<String>,
    bind: Option<String>,
    public_url: Option<String>,
    log: Option<String>,
    log_spans: Option<bool>,
    secure_cookies: Option<bool>,
    session_hours: Option<i64>,
    login_max_failures: Option<i64>,
    address_max_failures: Option<i64>,
    login_lockout_minutes: Option<i64>,
    trust_proxy: Option<bool>,
    evidence_max_mb: Option<i64>,
    import_max_mb: Option<i64>,
    audit_key_file: Option<PathBuf>,
    smtp_host: Option<String>,
    smtp_port: Option<i64>,
    smtp_security: Option<String>,
    smtp_username: Option<String>,
    smtp_password: Option<String>,
    smtp_from: Option<String>,
    smtp_ca_file: Option<PathBuf>,
}

/// What the command line says; `None` means "not given".
#[derive(Default, Debug, Clone)]
pub struct Flags {
    pub data_dir: Option<PathBuf>,
    pub config: Option<PathBuf>,
    pub database_url: Option<String>,
    pub bind: Option<String>,
}

/// Variables read by the test suite, not by Annex; allowed so that they are not reported.
const TEST_VARIABLES: &[&str] = &[
    "ANNEX_TEST_DATABASE_URL",
    "ANNEX_REQUIRE_SUITES",
    "ANNEX_FUZZ_SECONDS",
    "ANNEX_FUZZ_SEED",
    "ANNEX_CONTRACT",
];

const ENV_KEYS: &[&str] = &[
    "DATA_DIR",
    "CONFIG",
    "DATABASE_URL",
    "DATABASE_URL_FILE",
    "BIND",
    "PUBLIC_URL",
    "LOG",
    "LOG_SPANS",
    "SECURE_COOKIES",
    "SESSION_HOURS",
    "LOGIN_MAX_FAILURES",
    "ADDRESS_MAX_FAILURES",
    "LOGIN_LOCKOUT_MINUTES",
    "TRUST_PROXY",
    "EVIDENCE_MAX_MB",
    "IMPORT_MAX_MB",
    "AUDIT_KEY_FILE",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_SECURITY",
    "SMTP_USERNAME",
    "SMTP_PASSWORD",
    "SMTP_PASSWORD_FILE",
    "SMTP_FROM",
    "SMTP_CA_FILE",
];

impl Config {
    /// Resolves the configuration from the process environment and the given flags.
    pub fn load(flags: &Flags) -> anyhow::Result<Config> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        Self::load_from(flags, &env)
    }

    /// Resolves the configuration from explicit environment variables (testable).
    pub fn load_from(flags: &Flags, env: &[(String, String)]) -> anyhow::Result<Config> {
        let var = |k: &str| {
            env.iter()
                .find(|(n, _)| n == &format!("ANNEX_{k}"))
                .map(|(_, v)| v.clone())
        };
        for (name, _) in env {
            if let Some(rest) = name.strip_prefix("ANNEX_")
                && !ENV_KEYS.contains(&rest)
                && !TEST_VARIABLES.contains(&name.as_str())
            {
                bail!(
                    "unknown environment variable {name}: Annex reads ANNEX_{}",
                    ENV_KEYS.join(", ANNEX_")
                );
            }
        }

        let data_dir = flags
            .data_dir
            .clone()
            .or_else(|| var("DATA_DIR").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("annex-data"));

        let explicit_file = flags
            .config
            .clone()
            .or_else(|| var("CONFIG").map(PathBuf::from));
        let (file, config_file) = match &explicit_file {
            Some(path) => (read_file(path)?, Some(path.clone())),
            None => {
                let path = data_dir.join("annex.toml");
                if path.exists() {
                    (read_file(&path)?, Some(path))
                } else {
                    (FileLayer::default(), None)
                }
            }
        };

        let database_url = match (
            flags.database_url.clone(),
            var("DATABASE_URL"),
            var("DATABASE_URL_FILE"),
        ) {
            (Some(u), _, _) | (None, Some(u), _) => u,
            (None, None, Some(path)) => std::fs::read_to_string(&path)
                .with_context(|| format!("reading ANNEX_DATABASE_URL_FILE {path}"))?
                .trim()
                .to_string(),
            (None, None, None) => file
                .database_url
                .clone()
                .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("annex.db").display())),
        };
        check_database_url(&database_url)?;

        let smtp = smtp_of(&var, &file)?;
        let bind_text = flags
            .bind
            .clone()
            .or_else(|| var("BIND"))
            .or(file.bind)
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let bind: SocketAddr = bind_text.parse().with_context(|| {
            format!("bind: '{bind_text}' is not an address such as 127.0.0.1:8080")
        })?;

        let public_url = var("PUBLIC_URL").or(file.public_url);
        let secure_default = public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"));
        let config = Config {
            data_dir: data_dir.clone(),
            config_file,
            database_url,
            bind,
            log: var("LOG").or(file.log).unwrap_or_else(|| "info".into()),
            log_spans: layered_bool("LOG_SPANS", var("LOG_SPANS"), file.log_spans, false)?,
            secure_cookies: layered_bool(
                "SECURE_COOKIES",
                var("SECURE_COOKIES"),
                file.secure_cookies,
                secure_default,
            )?,
            session_hours: layered_int(
                "SESSION_HOURS",
                var("SESSION_HOURS"),
                file.session_hours,
                12,
            )?,
            login_max_failures: layered_int(
                "LOGIN_MAX_FAILURES",
                var("LOGIN_MAX_FAILURES"),
                file.login_max_failures,
                5,
            )?,
            address_max_failures: layered_int(
                "ADDRESS_MAX_FAILURES",
                var("ADDRESS_MAX_FAILURES"),
                file.address_max_failures,
                20,
            )?,
            login_lockout_minutes: layered_int(
                "LOGIN_LOCKOUT_MINUTES",
                var("LOGIN_LOCKOUT_MINUTES"),
                file.login_lockout_minutes,
                15,
            )?,
            trust_proxy: layered_bool("TRUST_PROXY", var("TRUST_PROXY"), file.trust_proxy, false)?,
            evidence_max_mb: layered_int(
                "EVIDENCE_MAX_MB",
                var("EVIDENCE_MAX_MB"),
                file.evidence_max_mb,
                50,
            )?,
            import_max_mb: layered_int(
                "IMPORT_MAX_MB",
                var("IMPORT_MAX_MB"),
                file.import_max_mb,
                1024,
            )?,
            public_url,
            audit_key_file: var("AUDIT_KEY_FILE")
                .map(PathBuf::from)
                .or(file.audit_key_file)
                .unwrap_or_else(|| data_dir.join("audit-checkpoint.key")),
            smtp,
        };
        if !(1..=10_240).contains(&config.evidence_max_mb) {
            bail!(
                "evidence_max_mb must be between 1 and 10240 (got {})",
                config.evidence_max_mb
            );
        }
        if !(1..=102_400).contains(&config.import_max_mb) {
            bail!(
                "import_max_mb must be between 1 and 102400 (got {})",
                config.import_max_mb
            );
        }
        if config.session_hours < 1 {
            bail!(
                "session_hours must be at least 1 (got {})",
                config.session_hours
            );
        }
        Ok(config)
    }

    /// The largest evidence file accepted, in bytes.
    pub fn evidence_max_bytes(&self) -> u64 {
        self.evidence_max_mb as u64 * 1024 * 1024
    }

    /// The largest file the API takes for an import, in bytes.
    pub fn import_max_bytes(&self) -> u64 {
        self.import_max_mb as u64 * 1024 * 1024
    }

    /// Whether people reach Annex over https (`public_url`), so that browsers should be told
    /// to keep to it (HSTS).
    pub fn public_url_is_https(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.to_ascii_lowercase().starts_with("https://"))
    }

    /// The URL to print for people to open.
    pub fn display_url(&self, bound: SocketAddr) -> String {
        match &self.public_url {
            Some(u) => u.clone(),
            None => format!("http://{bound}/"),
        }
    }

    /// The resolved configuration as TOML, with secrets redacted.
    pub fn to_redacted_toml(&self) -> String {
        let mut shown = self.clone();
        shown.database_url = redact_url(&self.database_url);
        let body = toml::to_string(&shown).unwrap_or_default();
        let source = match &self.config_file {
            Some(p) => format!("# config file: {}\n", p.display()),
            None => "# config file: none (defaults, environment and flags only)\n".to_string(),
        };
        format!("# data dir: {}\n{source}{body}", self.data_dir.display())
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_url(&self.database_url))
            .field("bind", &self.bind)
            .finish_non_exhaustive()
    }
}

/// The SMTP settings, when a host is given (`smtp_host`): the port follows the security
/// (587 for STARTTLS, 465 for TLS, 25 for none) unless set.
fn smtp_of(var: &dyn Fn(&str) -> Option<String>, file: &FileLayer) -> anyhow::Result<Option<Smtp>> {
    let Some(host) = var("SMTP_HOST")
        .or_else(|| file.smtp_host.clone())
        .filter(|h| !h.trim().is_empty())
    else {
        return Ok(None);
    };
    let security = match var("SMTP_SECURITY").or_else(|| file.smtp_security.clone()) {
        Some(s) => SmtpSecurity::parse(&s)?,
        None => SmtpSecurity::Starttls,
    };
    let default_port = match security {
        SmtpSecurity::Starttls => 587,
        SmtpSecurity::Tls => 465,
        SmtpSecurity::None => 25,
    };
    let port = layered_int("SMTP_PORT", var("SMTP_PORT"), file.smtp_port, default_port)?;
    let port = u16::try_from(port)
        .ok()
        .filter(|p| *p > 0)
        .with_context(|| format!("smtp_port: '{port}' is not a port (1 to 65535)"))?;
    let password = match (var("SMTP_PASSWORD"), var("SMTP_PASSWORD_FILE")) {
        (Some(p), _) => Some(p),
        (None, Some(path)) => Some(
            std::fs::read_to_string(&path)
                .with_context(|| format!("reading ANNEX_SMTP_PASSWORD_FILE {path}"))?
                .trim_end_matches(['\r', '\n'])
                .to_string(),
        ),
        (None, None) => file.smtp_password.clone(),
    };
    let from = var("SMTP_FROM")
        .or_else(|| file.smtp_from.clone())
        .with_context(
            || "smtp_from: give the sender of Annex's e-mail, such as Annex <isms@example.org>",
        )?;
    if from.parse::<lettre::message::Mailbox>().is_err() {
        bail!("smtp_from: '{from}' is not an address such as Annex <isms@example.org>");
    }
    Ok(Some(Smtp {
        host: host.trim().to_string(),
        port,
        security,
        username: var("SMTP_USERNAME")
            .or_else(|| file.smtp_username.clone())
            .filter(|u| !u.is_empty()),
        password,
        from,
        ca_file: var("SMTP_CA_FILE")
            .map(PathBuf::from)
            .or_else(|| file.smtp_ca_file.clone()),
    }))
}

fn read_file(path: &Path) -> anyhow::Result<FileLayer> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading config file {}", path.display()))?;
    toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("config file {}: {}", path.display(), e.message()))
}

fn layered_int(
    key: &str,
    env: Option<String>,
    file: Option<i64>,
    default: i64,
) -> anyhow::Result<i64> {
    match env {
        Some(v) => v
            .trim()
            .parse()
            .with_context(|| format!("ANNEX_{key}: '{v}' is not a whole number")),
        None => Ok(file.unwrap_or(default)),
    }
}

fn layered_bool(
    key: &str,
    env: Option<String>,
    file: Option<bool>,
    default: bool,
) -> anyhow::Result<bool> {
    match env.as_deref().map(|v| v.trim().to_ascii_lowercase()) {
        Some(v) if ["1", "true", "yes", "on"].contains(&v.as_str()) => Ok(true),
        Some(v) if ["0", "false", "no", "off"].contains(&v.as_str()) => Ok(false),
        Some(v) => bail!("ANNEX_{key}: '{v}' is not true or false"),
        None => Ok(file.unwrap_or(default)),
    }
}

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn check_database_url(url: &str) -> anyhow::Result<Backend> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        if path.is_empty() {
            bail!(
                "database URL 'sqlite://' has no file path: write sqlite://PATH, e.g. sqlite://annex-data/annex.db"
            );
        }
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        let scheme = url.split_once("://").map(|(s, _)| s).unwrap_or(url);
        bail!(
            "unsupported database URL scheme '{scheme}': Annex accepts sqlite://PATH or postgres://USER@HOST[:PORT]/DATABASE"
        )
    }
}

/// Hides the password of a database URL.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:<redacted>@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn flags_beat_environment_which_beats_defaults() {
        let flags = Flags {
            bind: Some("127.0.0.1:9000".into()),
            data_dir: Some("/nonexistent-annex".into()),
            ..Flags::default()
        };
        let c = Config::load_from(
            &flags,
            &env(&[
                ("ANNEX_BIND", "127.0.0.1:7000"),
                ("ANNEX_SESSION_HOURS", "3"),
            ]),
        )
        .unwrap();
        assert_eq!(c.bind.port(), 9000);
        assert_eq!(c.session_hours, 3);
        assert_eq!(c.database_url, "sqlite:///nonexistent-annex/annex.db");
    }

    #[test]
    fn smtp_settings_are_checked_and_the_password_never_shown() {
        let flags = Flags {
            data_dir: Some(std::env::temp_dir().join("annex-config-smtp")),
            ..Flags::default()
        };
        let c = Config::load_from(
            &flags,
            &env(&[
                ("ANNEX_SMTP_HOST", "smtp.example.org"),
                ("ANNEX_SMTP_USERNAME", "annex"),
                ("ANNEX_SMTP_PASSWORD", "hunter2-secret"),
                ("ANNEX_SMTP_FROM", "Annex <isms@example.org>"),
            ]),
        )
        .unwrap();
        let smtp = c.smtp.clone().unwrap();
        assert_eq!((smtp.port, smtp.security), (587, SmtpSecurity::Starttls));
        assert!(!c.to_redacted_toml().contains("hunter2"));
        assert!(c.to_redacted_toml().contains("smtp.example.org"));
        assert!(!format!("{c:?}").contains("hunter2"));
        let e = Config::load_from(
            &flags,
            &env(&[
                ("ANNEX_SMTP_HOST", "smtp.example.org"),
                ("ANNEX_SMTP_FROM", "x"),
            ]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("smtp_from"), "{e}");
        let e = Config::load_from(&flags, &env(&[("ANNEX_SMTP_HOST", "smtp.example.org")]))
            .unwrap_err();
        assert!(e.to_string().contains("smtp_from"), "{e}");
        let e = Config::load_from(
            &flags,
            &env(&[
                ("ANNEX_SMTP_HOST", "smtp.example.org"),
                ("ANNEX_SMTP_FROM", "isms@example.org"),
                ("ANNEX_SMTP_SECURITY", "ssl3"),
            ]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("smtp_security"), "{e}");
        let e = Config::load_from(
            &flags,
            &env(&[
                ("ANNEX_SMTP_HOST", "smtp.example.org"),
                ("ANNEX_SMTP_FROM", "isms@example.org"),
                ("ANNEX_SMTP_PORT", "70000"),
            ]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("smtp_port"), "{e}");
    }

    #[test]
    fn unknown_environment_variables_are_named() {
        let e = Config::load_from(&Flags::default(), &env(&[("ANNEX_BINDD", "x")])).unwrap_err();
        assert!(e.to_string().contains("ANNEX_BINDD"));
    }

    #[test]
    fn database_urls_name_the_accepted_schemes() {
        let e = check_database_url("mysql://x").unwrap_err().to_string();
        assert!(e.contains("'mysql'") && e.contains("sqlite://") && e.contains("postgres://"));
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:<redacted>@h/db"
        );
    }
}
