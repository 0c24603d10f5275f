//! Notifications: what each person chooses to receive, the organisation's rules (when the
//! digest goes, after how many days an overdue task goes to the owner's manager), and the
//! messages themselves — in our own words, with a plain-text and an HTML part and links back
//! to Annex.

use crate::domain::input::bounded;
use crate::error::{Error, Problems};
use crate::registers::task::domain::{Bucket, Task};
use serde::{Deserialize, Serialize};

crate::domain::words::words_enum!(
    /// How often a person's digest of their tasks comes.
    DigestChoice,
    "a digest choice",
    [
        (Daily, "daily", "every day"),
        (Weekly, "weekly", "every Monday"),
        (Off, "off", "never"),
    ]
);

crate::domain::words::words_enum!(
    /// What a message is about; people may turn each kind off but test messages.
    MessageKind,
    "a kind of message",
    [
        (Digest, "digest", "digest of my tasks"),
        (Deadline, "deadline", "a deadline within 24 hours"),
        (Assignment, "assignment", "a task given to me"),
        (Escalation, "escalation", "an overdue task of someone I manage"),
        (Host, "host", "a host that stopped reporting"),
        (Owed, "owed", "documents to acknowledge and training to complete"),
        (Test, "test", "a test message"),
    ]
);

/// A person's choices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Preferences {
    pub email: String,
    pub digest: DigestChoice,
    /// Kinds of message they do not want.
    pub muted: Vec<MessageKind>,
    /// When their calendar feed was made (none: they have no feed).
    pub feed_created_at: Option<String>,
    /// The last day their feed opens.
    pub feed_until: Option<String>,
    pub revision: i64,
}

/// How long a calendar feed opens after it is made.
pub const FEED_DAYS: i64 = 366;

impl Preferences {
    /// The choices of someone who made none: a daily digest, every message.
    pub fn default_for(email: &str) -> Preferences {
        Preferences {
            email: email.to_string(),
            digest: DigestChoice::Daily,
            muted: Vec::new(),
            feed_created_at: None,
            feed_until: None,
            revision: 0,
        }
    }

    /// Read from the stored row (e-mail, digest, muted keys, feed made at, revision).
    pub fn from_row(
        email: String,
        digest: &str,
        muted: &str,
        feed_created_at: Option<String>,
        revision: i64,
    ) -> Preferences {
        let feed_until = feed_created_at
            .as_deref()
            .map(|at| crate::registers::task::domain::add_days(&at[..10.min(at.len())], FEED_DAYS));
        Preferences {
            email,
            digest: DigestChoice::parse(digest).unwrap_or(DigestChoice::Daily),
            muted: muted
                .split(',')
                .filter_map(|k| MessageKind::parse(k).ok())
                .collect(),
            feed_created_at,
            feed_until,
            revision,
        }
    }

    pub fn wants(&self, kind: MessageKind) -> bool {
        kind == MessageKind::Test || !self.muted.contains(&kind)
    }
}

/// A person's choices as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PreferencesInput {
    pub digest: String,
    /// The kinds of message not wanted (`digest`, `deadline`, `assignment`, `escalation`,
    /// `host`).
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub muted: String,
}

impl PreferencesInput {
    pub fn parse(&self) -> Result<(DigestChoice, Vec<MessageKind>), Error> {
        let mut p = Problems::default();
        let digest = match self.digest.trim() {
            "" => DigestChoice::Daily,
            raw => p
                .take("digest", DigestChoice::parse(raw))
                .unwrap_or(DigestChoice::Daily),
        };
        let mut muted = Vec::new();
        for raw in self
            .muted
            .split([',', ';', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            match MessageKind::parse(raw) {
                Ok(MessageKind::Test) => p.add("muted", "test messages cannot be turned off"),
                Ok(k) if !muted.contains(&k) => muted.push(k),
                Ok(_) => {}
                Err(m) => p.add("muted", m),
            }
        }
        p.into_result()?;
        Ok((digest, muted))
    }
}

/// The organisation's rules for messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = NotificationPolicy)]
pub struct Policy {
    /// The hour (0–23, in the organisation's time zone) digests and escalations go out.
    pub digest_hour: u8,
    /// Days a task may be overdue before its owner's manager is told (0: never).
    pub escalate_after_days: i64,
    /// An ISMS role (its id, `RL-0001`) whose holders are told when an owner has no manager
    /// in the staff directory; empty for nobody.
    pub escalate_to_role: String,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            digest_hour: 7,
            escalate_after_days: 7,
            escalate_to_role: String::new(),
        }
    }
}

/// The rules as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
#[schema(as = NotificationPolicyInput)]
pub struct PolicyInput {
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    pub digest_hour: String,
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    pub escalate_after_days: String,
    #[schema(max_length = 40)]
    pub escalate_to_role: String,
}

impl PolicyInput {
    pub fn parse(&self) -> Result<Policy, Error> {
        let mut p = Problems::default();
        let d = Policy::default();
        let digest_hour = match self.digest_hour.trim() {
            "" => d.digest_hour,
            raw => match raw.parse::<u8>() {
                Ok(h) if h < 24 => h,
                _ => {
                    p.add(
                        "digest_hour",
                        format!("'{raw}' is not an hour from 0 to 23"),
                    );
                    d.digest_hour
                }
            },
        };
        let escalate_after_days = match self.escalate_after_days.trim() {
            "" => d.escalate_after_days,
            raw => match raw.parse::<i64>() {
                Ok(n) if (0..=365).contains(&n) => n,
                _ => {
                    p.add(
                        "escalate_after_days",
                        format!("'{raw}' is not a number of days from 0 (never) to 365"),
                    );
                    d.escalate_after_days
                }
            },
        };
        let role = bounded(&mut p, "escalate_to_role", &self.escalate_to_role, 40).to_uppercase();
        p.into_result()?;
        Ok(Policy {
            digest_hour,
            escalate_after_days,
            escalate_to_role: role,
        })
    }
}

/// A message as written: a heading, a sentence, sections of lines with links, and where the
/// reader changes what they receive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub subject: String,
    pub heading: String,
    pub intro: String,
    pub sections: Vec<Section>,
    /// The page where the reader changes their choices.
    pub settings_link: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub title: String,
    pub lines: Vec<Line>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    pub note: String,
    pub link: String,
}

/// Why someone without choices in Annex (the staff directory's people) receives a message.
pub const STAFF_FOOTER: &str = "You receive this because your organisation keeps its staff directory in Annex and asks this of you. Questions: ask your manager or the security team.";

/// The HTML part of a message (askama escapes every value).
#[derive(askama::Template)]
#[template(path = "notify/templates/mail.html")]
struct MailHtml<'a> {
    m: &'a Mail,
}

impl Mail {
    /// The plain-text part.
    pub fn text(&self) -> String {
        let mut out = format!("{}\n\n{}\n", self.heading, self.intro);
        for s in &self.sections {
            out.push_str(&format!("\n{}\n", s.title));
            for l in &s.lines {
                out.push_str(&format!("- {}", l.text));
                if !l.note.is_empty() {
                    out.push_str(&format!(" ({})", l.note));
                }
                out.push_str(&format!("\n  {}\n", l.link));
            }
        }
        if self.settings_link.is_empty() {
            out.push_str(&format!("\n{STAFF_FOOTER}\n"));
        } else {
            out.push_str(&format!(
                "\nYou receive this because of your choices in Annex: {}\n",
                self.settings_link
            ));
        }
        out
    }

    /// The HTML part.
    pub fn html(&self) -> String {
        use askama::Template;
        MailHtml { m: self }
            .render()
            .unwrap_or_else(|_| format!("<pre>{}</pre>", self.text().replace('<', "&lt;")))
    }
}

/// A line for a task: its title and kind, when it is due, a link to its record.
fn task_line(t: &Task, today: &str, base: &str) -> Line {
    let due = match (&t.due_at, &t.due_on) {
        (Some(at), _) => format!("due {}", crate::domain::clock::display(at)),
        (None, Some(d)) if d.as_str() < today => {
            format!("was due {d}, {} overdue", days(t.days_overdue(today)))
        }
        (None, Some(d)) => format!("due {d}"),
        (None, None) => "no due day".into(),
    };
    Line {
        text: format!("{}: {}", t.kind.verb(), t.title),
        note: format!("{due} · {}", t.kind.label()),
        link: format!("{base}{}", t.link),
    }
}

fn days(n: i64) -> String {
    if n == 1 {
        "1 day".into()
    } else {
        format!("{n} days")
    }
}

/// Tasks a digest or an escalation lists in each of its parts; the rest are counted, with
/// the way to the whole list (a backlog of thousands makes a readable message, not a book).
pub const LISTED: usize = 20;

/// The line after the listed ones of a part: how many more, and where they are.
fn more_line(more: usize, base: &str, link: &str) -> Line {
    Line {
        text: format!("… and {more} more"),
        note: String::new(),
        link: format!("{base}{link}"),
    }
}

/// A person's digest: their tasks overdue, this week and coming up. `tasks` are the first
/// of them, soonest first; `counts` how many there are in each part in all (overdue, this
/// week, later): what is not listed is counted.
pub fn digest(name: &str, tasks: &[Task], counts: [usize; 3], today: &str, base: &str) -> Mail {
    let mut sections = Vec::new();
    let mut totals = [0; 3];
    for (i, (bucket, title)) in [
        (Bucket::Overdue, "Overdue"),
        (Bucket::ThisWeek, "Due this week"),
        (Bucket::Later, "Coming up"),
    ]
    .into_iter()
    .enumerate()
    {
        let of_part: Vec<&Task> = tasks.iter().filter(|t| t.bucket(today) == bucket).collect();
        totals[i] = counts[i].max(of_part.len());
        let mut lines: Vec<Line> = of_part
            .iter()
            .take(LISTED)
            .map(|t| task_line(t, today, base))
            .collect();
        let more = totals[i] - lines.len();
        if more > 0 {
            lines.push(more_line(more, base, "/my-work"));
        }
        if !lines.is_empty() {
            sections.push(Section {
                title: title.into(),
                lines,
            });
        }
    }
    let overdue = totals[0];
    let count = crate::domain::words::count(totals.iter().sum(), "task", "tasks");
    let subject = if overdue > 0 {
        format!("Annex: {count} to do, {overdue} overdue")
    } else {
        format!("Annex: {count} to do")
    };
    Mail {
        subject,
        heading: format!("Hello {name},"),
        intro: format!(
            "here is what Annex has for you as of {today}. Your whole list is at {base}/my-work."
        ),
        sections,
        settings_link: format!("{base}/my-work/settings"),
    }
}

/// A message to a manager (or a role's holder) about someone's overdue tasks: `tasks` are
/// the oldest not told of before, `more` how many others are overdue beyond those read.
pub fn escalation(
    owner_name: &str,
    owner: &str,
    tasks: &[Task],
    more: usize,
    today: &str,
    base: &str,
) -> Mail {
    let count = crate::domain::words::count(tasks.len() + more, "task", "tasks");
    let mut lines: Vec<Line> = tasks
        .iter()
        .take(LISTED)
        .map(|t| task_line(t, today, base))
        .collect();
    let rest = tasks.len() + more - lines.len();
    if rest > 0 {
        let team = format!("/tasks?owner={}", crate::domain::query::encode(owner));
        lines.push(more_line(rest, base, &team));
    }
    Mail {
        subject: format!("Annex: {owner_name} has {count} overdue"),
        heading: format!("{owner_name} has {count} overdue"),
        intro: "You are told because you manage them, or hold the role that follows up on overdue work. Please check with them or give the work to someone else.".into(),
        sections: vec![Section {
            title: "Overdue".into(),
            lines,
        }],
        settings_link: format!("{base}/my-work/settings"),
    }
}

/// A deadline counted in hours that falls within the next day (an incident notification).
pub fn deadline(t: &Task, today: &str, base: &str) -> Mail {
    Mail {
        subject: format!("Annex: due within 24 hours: {}", t.title),
        heading: "A deadline falls within the next 24 hours".into(),
        intro: "This one cannot wait for tomorrow's digest.".into(),
        sections: vec![Section {
            title: t.kind.label().to_string(),
            lines: vec![task_line(t, today, base)],
        }],
        settings_link: format!("{base}/my-work/settings"),
    }
}

/// A task given to someone (`to`: "you" in their own message, their name in a webhook's) by
/// someone else (a written task, or a record made theirs).
pub fn assignment(by: &str, to: &str, t: &Task, today: &str, base: &str) -> Mail {
    let what = match t.kind {
        crate::registers::task::domain::TaskKind::Manual => "a task".to_string(),
        k => {
            let noun = k.record_noun();
            let an = noun.starts_with(['a', 'e', 'i', 'o', 'u']);
            format!("{} {noun}", if an { "an" } else { "a" })
        }
    };
    Mail {
        subject: format!("Annex: {by} gave {to} {what}: {}", t.title),
        heading: format!("{by} gave {to} {what}"),
        intro: "It is on your list in Annex.".into(),
        sections: vec![Section {
            title: "Your task".into(),
            lines: vec![task_line(t, today, base)],
        }],
        settings_link: format!("{base}/my-work/settings"),
    }
}

/// A host whose scans stopped arriving.
pub fn host_stale(host: &str, last: &str, base: &str) -> Mail {
    Mail {
        subject: format!("Annex: {host} stopped reporting"),
        heading: format!(
            "{host} has not sent a scan since {}",
            crate::domain::clock::display(last)
        ),
        intro:
            "Its evidence will lapse: check that its scheduled scan still runs and can reach Annex."
                .into(),
        sections: vec![Section {
            title: "Host".into(),
            lines: vec![Line {
                text: host.to_string(),
                note: format!("last report {}", crate::domain::clock::display(last)),
                link: format!("{base}/hosts/{}", crate::domain::query::encode(host)),
            }],
        }],
        settings_link: format!("{base}/my-work/settings"),
    }
}

/// A message that proves the settings work.
pub fn test(by: &str, server: &str, base: &str) -> Mail {
    Mail {
        subject: "Annex: test message".into(),
        heading: "E-mail from Annex works".into(),
        intro: format!("{by} asked Annex to send this through {server}. Nothing needs doing."),
        sections: Vec::new(),
        settings_link: format!("{base}/my-work/settings"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registers::task::domain::TaskKind;

    #[test]
    fn a_digest_lists_overdue_this_week_and_later_with_links_in_both_parts() {
        let tasks = vec![
            Task::new(
                TaskKind::Measure,
                "M-0001",
                "",
                "Κρυπτογράφηση <φορητών>",
                "ann@example.org",
                Some("2026-12-03".into()),
                None,
            ),
            Task::new(
                TaskKind::Evidence,
                "E-0002",
                "",
                "Backup report",
                "ann@example.org",
                Some("2026-12-09".into()),
                None,
            ),
            Task::new(
                TaskKind::RiskReview,
                "R-0003",
                "",
                "Ransomware",
                "ann@example.org",
                Some("2026-11-30".into()),
                None,
            ),
        ];
        let m = digest(
            "Ann",
            &tasks,
            [1, 1, 1],
            "2026-12-02",
            "https://isms.example.org",
        );
        assert_eq!(m.subject, "Annex: 3 tasks to do, 1 overdue");
        let titles: Vec<&str> = m.sections.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(titles, ["Overdue", "Due this week", "Coming up"]);
        let text = m.text();
        assert!(
            text.contains("Implement: Κρυπτογράφηση <φορητών>"),
            "{text}"
        );
        assert!(text.contains("https://isms.example.org/measures/M-0001"));
        assert!(
            text.contains("was due 2026-11-30, 2 days overdue"),
            "{text}"
        );
        let html = m.html();
        assert!(html.contains("Κρυπτογράφηση &#60;φορητών&#62;"), "{html}");
        assert!(
            html.contains("href=\"https://isms.example.org/evidence/E-0002\""),
            "{html}"
        );
    }

    #[test]
    fn choices_and_rules_name_each_bad_value() {
        let Err(Error::Validation(p)) = (PreferencesInput {
            digest: "hourly".into(),
            muted: "digest, test, spam".into(),
        })
        .parse() else {
            panic!("refused")
        };
        let fields: Vec<&str> = p.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["digest", "muted", "muted"]);
        let (d, muted) = PreferencesInput {
            digest: "weekly".into(),
            muted: "assignment;digest".into(),
        }
        .parse()
        .unwrap();
        assert_eq!(d, DigestChoice::Weekly);
        assert_eq!(muted, [MessageKind::Assignment, MessageKind::Digest]);
        let Err(Error::Validation(p)) = (PolicyInput {
            digest_hour: "24".into(),
            escalate_after_days: "-1".into(),
            escalate_to_role: "x".repeat(41),
        })
        .parse() else {
            panic!("refused")
        };
        assert_eq!(p.len(), 3);
    }
}
