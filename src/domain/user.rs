//! People and credentials: roles, e-mail addresses, names, password rules, password hashing
//! (Argon2id) and the secrets used for sessions and API tokens (random, stored only as SHA-256).

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// What a person may do. Order matters only for display; permissions are checked by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Manager,
    Contributor,
    Auditor,
    Viewer,
    /// A host's scanner (`annex scan --report-to`): an API token only, never the web UI.
    Agent,
}

/// Admins only: users, tokens, settings.
pub const ADMIN: &[Role] = &[Role::Admin];
/// Those who read the audit trail.
pub const TRAIL_READERS: &[Role] = &[Role::Admin, Role::Auditor];
/// Those who edit all ISMS content.
pub const EDITORS: &[Role] = &[Role::Admin, Role::Manager];
/// Editors, and contributors for the records they own (the use case checks the owner).
pub const OWNERS: &[Role] = &[Role::Admin, Role::Manager, Role::Contributor];
/// Those who submit scan results: a host's agent, and admins.
pub const SCAN_SUBMITTERS: &[Role] = &[Role::Agent, Role::Admin];

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Manager,
        Role::Contributor,
        Role::Auditor,
        Role::Viewer,
        Role::Agent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Contributor => "contributor",
            Role::Auditor => "auditor",
            Role::Viewer => "viewer",
            Role::Agent => "agent",
        }
    }

    /// One line that tells an administrator what choosing this role means.
    pub fn describe(self) -> &'static str {
        match self {
            Role::Admin => "everything, including users, tokens and settings",
            Role::Manager => "edits all ISMS content",
            Role::Contributor => "edits the records assigned to them",
            Role::Auditor => "reads everything, including the audit trail; records findings",
            Role::Viewer => "reads ISMS content",
            Role::Agent => "a host's scanner: may only submit scan results for its own host",
        }
    }

    /// Whether this role is a person's (signs in, reads ISMS content) rather than a machine's.
    pub fn is_human(self) -> bool {
        self != Role::Agent
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown role '{s}': use one of admin, manager, contributor, auditor, viewer, agent"
                )
            })
    }
}

/// A normalised (trimmed, lower-case) e-mail address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, String> {
        let s = raw.trim().to_lowercase();
        if s.is_empty() {
            return Err("enter an e-mail address".into());
        }
        if s.len() > 254 {
            return Err("an e-mail address has at most 254 characters".into());
        }
        let valid = match s.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
                    && !s.chars().any(|c| c.is_whitespace() || c.is_control())
            }
            None => false,
        };
        if valid {
            Ok(Email(s))
        } else {
            Err(format!("'{}' is not an e-mail address", raw.trim()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's display name.
#[derive(Debug, Clone)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<PersonName, String> {
        let s = raw.trim();
        if s.is_empty() {
            return Err("enter a name".into());
        }
        if s.chars().count() > 200 {
            return Err("a name has at most 200 characters".into());
        }
        if s.chars().any(char::is_control) {
            return Err("a name cannot contain control characters".into());
        }
        Ok(PersonName(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub const MIN_PASSWORD_LEN: usize = 12;

/// A password that meets the policy. It is never logged or stored: only its Argon2id hash is.
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Password, String> {
        let n = raw.chars().count();
        if n < MIN_PASSWORD_LEN {
            return Err(format!(
                "a password needs at least {MIN_PASSWORD_LEN} characters (a short sentence works well)"
            ));
        }
        if n > 1024 {
            return Err("a password has at most 1024 characters".into());
        }
        Ok(Password(raw.to_string()))
    }

    /// The Argon2id hash in PHC form, with a fresh random salt.
    pub fn hash(&self) -> anyhow::Result<String> {
        Argon2::default()
            .hash_password(self.0.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password failed: {e}"))
    }

    /// A random password for accounts created on the command line without one.
    pub fn generate() -> Password {
        const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        let bytes: [u8; 20] = rand::random();
        Password(
            bytes
                .iter()
                .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
                .collect(),
        )
    }

    pub fn reveal(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Checks a password against a stored PHC hash. Always does the work of one verification,
/// even without a stored hash, so that timing does not reveal which accounts exist.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3gVd2Xx9WmZ6p9I2qkmx3Sx5m8c9bYIK0sZ4Wk0ZL2Q";
    let (hash, real) = match stored {
        Some(h) => (h, true),
        None => (DUMMY, false),
    };
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let ok = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    ok && real
}

/// Hex form of SHA-256, used for stored token and session hashes and for the audit chain.
pub fn sha256_hex(data: &[u8]) -> String {
    to_hex(&Sha256::digest(data))
}

/// Bytes from hex digits, or nothing when the text is not an even run of them.
pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

pub fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 15)] as char);
    }
    s
}

/// A new random secret of 32 bytes in hex, with a prefix that says what it is.
pub fn new_secret(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{prefix}{}", to_hex(&bytes))
}

/// A short random id (12 hex characters) for records people refer to, such as API tokens.
pub fn new_short_id() -> String {
    let bytes: [u8; 6] = rand::random();
    to_hex(&bytes)
}

/// A user account as the rest of Annex sees it (never with the password hash).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl User {
    /// What the audit trail records of a user (no secrets).
    pub fn audit_view(&self) -> serde_json::Value {
        serde_json::json!({"email": self.email, "name": self.name, "role": self.role, "disabled": self.disabled})
    }
}

/// A user to create; the password arrives already hashed (or absent: cannot log in yet).
pub struct NewUser {
    pub email: Email,
    pub name: PersonName,
    pub role: Role,
    pub password_hash: Option<String>,
}

impl NewUser {
    /// Parses a user as typed in a form or an API body, reporting every bad field at once,
    /// and hashes the password. An agent (a host's scanner) has none: it reports with API
    /// tokens, so a password given for one is refused rather than kept unusable.
    pub fn parse(
        email: &str,
        name: &str,
        role: &str,
        password: &str,
    ) -> Result<NewUser, crate::error::Error> {
        let mut p = crate::error::Problems::new();
        let email = p.take("email", Email::parse(email));
        let name = p.take("name", PersonName::parse(name));
        let role = p.take("role", role.parse::<Role>());
        let password = if role == Some(Role::Agent) {
            if !password.is_empty() {
                p.add(
                    "password",
                    "an agent account has no password (it reports with API tokens): leave it empty",
                );
            }
            None
        } else {
            p.take("password", Password::parse(password))
        };
        p.into_result()?;
        match (email, name, role, password) {
            (Some(email), Some(name), Some(Role::Agent), None) => Ok(NewUser {
                email,
                name,
                role: Role::Agent,
                password_hash: None,
            }),
            (Some(email), Some(name), Some(role), Some(password)) => Ok(NewUser {
                email,
                name,
                role,
                password_hash: Some(password.hash()?),
            }),
            _ => Err(crate::error::Error::BadRequest("incomplete user".into())),
        }
    }
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Default)]
pub struct UserUpdate {
    pub name: Option<PersonName>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
}

/// An API token as listed (the secret is shown once, at creation, and never again).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiToken {
    pub id: String,
    pub user_email: String,
    pub name: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

impl ApiToken {
    pub fn state(&self, now: &str) -> &'static str {
        if self.revoked_at.is_some() {
            "revoked"
        } else if self.expires_at.as_deref().is_some_and(|e| e <= now) {
            "expired"
        } else {
            "active"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agent_has_no_password_and_may_not_be_given_one() {
        let agent = NewUser::parse("web-01@example.org", "web-01", "agent", "").unwrap();
        assert!(agent.password_hash.is_none());
        let e = NewUser::parse("web-01@example.org", "web-01", "agent", "a long enough one")
            .err()
            .unwrap();
        assert_eq!(e.fields()[0].field, "password");
        // Everyone else still needs one.
        assert!(NewUser::parse("ada@example.org", "Ada", "viewer", "").is_err());
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse(" Ada@Example.ORG ").unwrap().as_str(),
            "ada@example.org"
        );
        assert!(Email::parse("ada").is_err());
        assert!(Email::parse("ada@localhost").is_err());
        assert!(Email::parse("a da@example.org").is_err());
    }

    #[test]
    fn passwords_hash_and_verify() {
        let p = Password::parse("correct horse battery").unwrap();
        let h = p.hash().unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", Some(&h)));
        assert!(!verify_password("wrong horse battery", Some(&h)));
        assert!(!verify_password("correct horse battery", None));
        assert!(Password::parse("short").is_err());
    }

    #[test]
    fn roles_parse_with_a_helpful_error() {
        assert_eq!("Manager".parse::<Role>().unwrap(), Role::Manager);
        assert!(
            "root"
                .parse::<Role>()
                .unwrap_err()
                .contains("admin, manager")
        );
    }
}
