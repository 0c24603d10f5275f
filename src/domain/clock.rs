//! Time as Annex sees it. Timestamps are stored as fixed-width RFC 3339 text in UTC with
//! microseconds (`2026-11-23T14:30:00.000000Z`), so they sort as text on both databases.
//! The clock is a parameter of the application, so that expiry and due dates are testable.

use std::sync::Arc;
use time::{
    OffsetDateTime, UtcOffset, format_description::BorrowedFormatItem, macros::format_description,
};

const STORED: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// Formats a moment in the one stored form.
pub fn stamp(t: OffsetDateTime) -> String {
    t.to_offset(UtcOffset::UTC)
        .format(STORED)
        .unwrap_or_else(|_| String::from("1970-01-01T00:00:00.000000Z"))
}

/// Parses the stored form back (or any RFC 3339 text).
pub fn parse_stamp(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, STORED)
        .ok()
        .or_else(|| OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok())
}

tokio::task_local! {
    /// The time zone people read moments in, for the request or command being served: the
    /// organisation's setting (see [`in_zone`]). UTC outside such a scope.
    static ZONE: Option<jiff::tz::TimeZone>;
}

/// The IANA name of a time zone written in any case (`europe/athens` → `Europe/Athens`), or a
/// message naming the value.
pub fn parse_zone(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() || name.eq_ignore_ascii_case("utc") {
        return Ok("UTC".into());
    }
    if name.chars().count() > 64 {
        return Err(
            "that is not a time zone: give an IANA name such as Europe/Athens or UTC".into(),
        );
    }
    jiff::tz::db()
        .available()
        .find(|n| n.as_str().eq_ignore_ascii_case(name))
        .map(|n| n.as_str().to_string())
        .ok_or_else(|| {
            format!("'{name}' is not a time zone: give an IANA name such as Europe/Athens or UTC")
        })
}

/// Every time zone name people may choose, sorted.
pub fn zone_names() -> Vec<String> {
    let mut names: Vec<String> = jiff::tz::db()
        .available()
        .map(|n| n.as_str().to_string())
        .filter(|n| n.contains('/') && !n.starts_with("Etc/") && !n.starts_with("posix/"))
        .collect();
    names.push("UTC".into());
    names.sort();
    names.dedup();
    names
}

/// Runs `f` with moments shown in the zone `name` (UTC for "UTC" or a name the database does
/// not know).
pub async fn in_zone<F: std::future::Future>(name: &str, f: F) -> F::Output {
    let zone = match name {
        "" | "UTC" => None,
        _ => jiff::tz::TimeZone::get(name).ok(),
    };
    ZONE.scope(zone, f).await
}

/// A human form of a stored stamp in the organisation's zone: `2026-11-23 14:30 UTC`,
/// `2026-11-23 16:30 EET` in Europe/Athens. Text that is not a stamp is given back as it is.
pub fn display(s: &str) -> String {
    let Some(t) = parse_stamp(s) else {
        return s.to_string();
    };
    let zoned = ZONE
        .try_with(|z| {
            let tz = z.as_ref()?;
            let ts = jiff::Timestamp::from_second(t.unix_timestamp()).ok()?;
            Some(
                ts.to_zoned(tz.clone())
                    .strftime("%Y-%m-%d %H:%M %Z")
                    .to_string(),
            )
        })
        .ok()
        .flatten();
    zoned.unwrap_or_else(|| {
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        )
    })
}

/// A moment typed as `YYYY-MM-DDTHH:MM` (or with seconds), read in the organisation's zone
/// (UTC when none is set; a time that a clock change skips or repeats takes the earlier one).
pub fn parse_local(s: &str) -> Option<OffsetDateTime> {
    let civil: jiff::civil::DateTime = s.trim().parse().ok()?;
    let tz = ZONE
        .try_with(|z| z.clone())
        .ok()
        .flatten()
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let ts = tz.to_ambiguous_zoned(civil).compatible().ok()?.timestamp();
    OffsetDateTime::from_unix_timestamp(ts.as_second()).ok()
}

/// A moment as [`display`] writes it (`2026-11-23 14:30 UTC`, `2026-11-23 16:30 EET`): what
/// an export holds, read back. The zone's abbreviation must be what the organisation's zone
/// shows at that moment (a repeated hour picks the one that shows it).
pub fn parse_displayed(s: &str) -> Option<OffsetDateTime> {
    let (civil, abbr) = s.trim().rsplit_once(' ')?;
    let civil: jiff::civil::DateTime = civil.trim().replacen(' ', "T", 1).parse().ok()?;
    if abbr == "UTC" {
        let ts = jiff::tz::TimeZone::UTC.to_zoned(civil).ok()?.timestamp();
        return OffsetDateTime::from_unix_timestamp(ts.as_second()).ok();
    }
    let tz = ZONE.try_with(|z| z.clone()).ok().flatten()?;
    let ambiguous = tz.to_ambiguous_zoned(civil);
    [ambiguous.clone().earlier().ok(), ambiguous.later().ok()]
        .into_iter()
        .flatten()
        .filter_map(|z| OffsetDateTime::from_unix_timestamp(z.timestamp().as_second()).ok())
        .find(|t| display(&stamp(*t)) == s.trim())
}

/// A relative hint such as "in 5 days" or "3 weeks ago".
pub fn relative(s: &str, now: OffsetDateTime) -> String {
    let Some(t) = parse_stamp(s) else {
        return String::new();
    };
    let secs = (t - now).whole_seconds();
    let (future, secs) = (secs >= 0, secs.unsigned_abs());
    let text = match secs {
        0..=59 => return "just now".into(),
        60..=3599 => plural(secs / 60, "minute"),
        3600..=86_399 => plural(secs / 3600, "hour"),
        86_400..=1_209_599 => plural(secs / 86_400, "day"),
        1_209_600..=5_183_999 => plural(secs / 604_800, "week"),
        5_184_000..=63_071_999 => plural(secs / 2_592_000, "month"),
        _ => plural(secs / 31_536_000, "year"),
    };
    if future {
        format!("in {text}")
    } else {
        format!("{text} ago")
    }
}

fn plural(n: u64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// Where "now" comes from.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> OffsetDateTime + Send + Sync>);

impl Clock {
    pub fn system() -> Self {
        Clock(Arc::new(OffsetDateTime::now_utc))
    }

    /// A clock that always answers the same moment (tests).
    pub fn fixed(t: OffsetDateTime) -> Self {
        Clock(Arc::new(move || t))
    }

    pub fn now(&self) -> OffsetDateTime {
        (self.0)()
    }

    /// A clock that stands where its hand puts it (tests that let time pass: a scheduler's
    /// simulated hour).
    pub fn settable(start: OffsetDateTime) -> (Self, Hand) {
        let at = Arc::new(std::sync::Mutex::new(start));
        let read = at.clone();
        let clock = Clock(Arc::new(move || {
            *read.lock().unwrap_or_else(|e| e.into_inner())
        }));
        (clock, Hand(at))
    }
}

/// Moves a [`Clock::settable`].
#[derive(Clone, Debug)]
pub struct Hand(Arc<std::sync::Mutex<OffsetDateTime>>);

impl Hand {
    pub fn set(&self, t: OffsetDateTime) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = t;
    }

    pub fn advance(&self, d: time::Duration) {
        let mut at = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *at += d;
    }

    pub fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Another clock on this hand (another instance sharing the simulated time).
    pub fn clock(&self) -> Clock {
        let read = self.0.clone();
        Clock(Arc::new(move || {
            *read.lock().unwrap_or_else(|e| e.into_inner())
        }))
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn moments_show_in_the_zone_of_their_scope() {
        let s = "2026-07-01T09:30:00.000000Z";
        assert_eq!(display(s), "2026-07-01 09:30 UTC");
        assert_eq!(
            in_zone("Europe/Athens", async { display(s) }).await,
            "2026-07-01 12:30 EEST"
        );
        assert_eq!(
            in_zone("Asia/Tokyo", async { display("2026-12-31T20:00:00Z") }).await,
            "2027-01-01 05:00 JST"
        );
        assert_eq!(
            in_zone("UTC", async { display(s) }).await,
            "2026-07-01 09:30 UTC"
        );
        assert_eq!(display(s), "2026-07-01 09:30 UTC", "outside a scope, UTC");
        assert_eq!(parse_zone("europe/prague").unwrap(), "Europe/Prague");
        assert_eq!(parse_zone(" utc ").unwrap(), "UTC");
        assert!(
            parse_zone("Mars/Olympus")
                .unwrap_err()
                .contains("'Mars/Olympus'")
        );
        let names = zone_names();
        assert!(names.contains(&"Europe/Athens".to_string()) && names.contains(&"UTC".to_string()));
    }

    #[test]
    fn stamps_round_trip_and_sort_as_text() {
        let a = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let b = a + time::Duration::microseconds(1);
        assert!(stamp(a) < stamp(b));
        assert_eq!(parse_stamp(&stamp(a)), Some(a));
        assert_eq!(stamp(a).len(), 27);
    }

    #[test]
    fn relative_hints_read_naturally() {
        let now = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        assert_eq!(
            relative(&stamp(now + time::Duration::days(5)), now),
            "in 5 days"
        );
        assert_eq!(
            relative(&stamp(now - time::Duration::days(21)), now),
            "3 weeks ago"
        );
    }
}
