//! Personal links: a link that lets one person of the staff directory act without an account
//! (acknowledge a policy, record a training) until a day. The link carries the person's id and
//! its last valid day, signed with the instance's key (Ed25519), so Annex keeps no table of
//! links: a link altered in any character, or past its day, is refused.

use crate::domain::user::{from_hex, to_hex};
use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};

/// The longest a link may stay valid.
pub const MAX_DAYS: i64 = 366;
/// How long a link is valid unless asked otherwise.
pub const DEFAULT_DAYS: i64 = 30;

/// Why a link does not open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkError {
    /// Not a link Annex made (or altered).
    Invalid,
    /// Valid until the day it carries, which has passed.
    Expired(String),
}

impl LinkError {
    pub fn message(&self) -> String {
        match self {
            LinkError::Invalid => "This link is not valid: it may have been cut short or changed. Ask the person who sent it for a new one.".into(),
            LinkError::Expired(day) => format!("This link expired on {day}. Ask the person who sent it for a new one."),
        }
    }
}

fn message(person: &str, until: &str) -> Vec<u8> {
    format!("annex-personal-link:v1:{person}:{until}").into_bytes()
}

/// The key links are signed with, from its 32-byte seed in hex.
pub fn key(seed_hex: &str) -> Option<SigningKey> {
    let seed: [u8; 32] = from_hex(seed_hex)?.try_into().ok()?;
    Some(SigningKey::from_bytes(&seed))
}

/// A link token for `person`, valid through `until` (`YYYY-MM-DD`): the day in digits, the
/// signature and the id in hex, joined by dots (all safe in a URL path).
pub fn sign(key: &SigningKey, person: &str, until: &str) -> String {
    let signature = key.sign(&message(person, until));
    format!(
        "{}.{}.{}",
        until.replace('-', ""),
        to_hex(&signature.to_bytes()),
        to_hex(person.as_bytes())
    )
}

/// The person a token is for, when Annex signed it and it is valid on `today`.
pub fn verify(key: &SigningKey, token: &str, today: &str) -> Result<String, LinkError> {
    if token.len() > 400 {
        return Err(LinkError::Invalid);
    }
    let mut parts = token.split('.');
    let (Some(day), Some(sig), Some(id), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(LinkError::Invalid);
    };
    if day.len() != 8 || !day.bytes().all(|b| b.is_ascii_digit()) {
        return Err(LinkError::Invalid);
    }
    let until = format!("{}-{}-{}", &day[..4], &day[4..6], &day[6..]);
    let person = from_hex(id)
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or(LinkError::Invalid)?;
    let sig: [u8; 64] = from_hex(sig)
        .and_then(|b| b.try_into().ok())
        .ok_or(LinkError::Invalid)?;
    let verifying: VerifyingKey = key.verifying_key();
    verifying
        .verify(
            &message(&person, &until),
            &ed25519_dalek::Signature::from_bytes(&sig),
        )
        .map_err(|_| LinkError::Invalid)?;
    if until.as_str() < today {
        return Err(LinkError::Expired(until));
    }
    Ok(person)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_opens_until_its_day_and_not_once_changed() {
        let k = key(&"ab".repeat(32)).unwrap();
        let token = sign(&k, "P-0042", "2027-01-31");
        assert_eq!(verify(&k, &token, "2027-01-31").unwrap(), "P-0042");
        assert_eq!(
            verify(&k, &token, "2027-02-01"),
            Err(LinkError::Expired("2027-01-31".into()))
        );
        // Another day, another person, another key, a cut or a flipped digit: refused.
        let later = token.replacen("20270131", "20280131", 1);
        assert_eq!(verify(&k, &later, "2027-01-01"), Err(LinkError::Invalid));
        let other = format!("{}{}", &token[..token.len() - 2], "43");
        assert_eq!(verify(&k, &other, "2027-01-01"), Err(LinkError::Invalid));
        let k2 = key(&"cd".repeat(32)).unwrap();
        assert_eq!(verify(&k2, &token, "2027-01-01"), Err(LinkError::Invalid));
        for bad in ["", "x", "20270131..", &token[..40], "20270131.zz.50"] {
            assert_eq!(
                verify(&k, bad, "2027-01-01"),
                Err(LinkError::Invalid),
                "{bad}"
            );
        }
    }
}
