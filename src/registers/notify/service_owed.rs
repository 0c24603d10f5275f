//! Reminders for the people of the staff directory, most of whom never sign in: what each
//! owes — published documents to acknowledge, training campaigns to complete — by e-mail,
//! with their personal link (signed, expiring), which opens their page without an account.
//! A person is told as soon as something new is owed (at the digest hour), and again every
//! Monday while anything is.

use super::domain::{Line, Mail, MessageKind, Preferences, Section};
use crate::domain::user::ADMIN;
use crate::error::Result;
use crate::service::Ctx;
use std::collections::{BTreeMap, HashMap};

/// How long the personal link in a reminder opens: past the next weekly reminder.
pub const LINK_DAYS: i64 = 30;

/// One thing a person owes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwedItem {
    /// What marks that they were told of it (`owed:{person}:{document}:{version}`).
    pub mark: String,
    pub training: bool,
    pub title: String,
    pub note: String,
}

/// A person and what they owe.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Debtor {
    pub name: String,
    pub email: String,
    pub items: Vec<OwedItem>,
}

/// The reminder of `d` (whose personal page is `link`, open until `until`).
pub fn reminder(d: &Debtor, link: &str, until: &str, today: &str) -> Mail {
    let docs: Vec<&OwedItem> = d.items.iter().filter(|i| !i.training).collect();
    let trainings: Vec<&OwedItem> = d.items.iter().filter(|i| i.training).collect();
    let line = |i: &&OwedItem, verb: &str| Line {
        text: format!("{verb}: {}", i.title),
        note: i.note.clone(),
        link: link.to_string(),
    };
    let mut sections = Vec::new();
    let mut what = Vec::new();
    if !docs.is_empty() {
        what.push(format!(
            "{} to acknowledge",
            crate::domain::words::count(docs.len(), "document", "documents")
        ));
        sections.push(Section {
            title: "To read and acknowledge".into(),
            lines: docs
                .iter()
                .map(|i| line(i, "Read and acknowledge"))
                .collect(),
        });
    }
    if !trainings.is_empty() {
        what.push(format!(
            "{} to complete",
            crate::domain::words::count(trainings.len(), "training", "trainings")
        ));
        sections.push(Section {
            title: "Training to complete".into(),
            lines: trainings.iter().map(|i| line(i, "Complete")).collect(),
        });
    }
    let overdue = d.items.iter().any(|i| i.note.contains("overdue"));
    Mail {
        subject: format!(
            "Annex: {}{}",
            what.join(", "),
            if overdue { " (overdue)" } else { "" }
        ),
        heading: format!("Hello {},", d.name),
        intro: format!(
            "as of {today} your organisation asks you to do the following. Your personal page lists it all and opens without a password until {until}: {link} — it is yours alone, so please do not forward this message."
        ),
        sections,
        settings_link: String::new(),
    }
}

fn due_note(due: Option<&str>, today: &str) -> String {
    match due {
        Some(d) if d < today => format!("was due {d}, overdue"),
        Some(d) => format!("due {d}"),
        None => String::new(),
    }
}

/// What each person of the directory owes now, by person id.
async fn debtors(ctx: &Ctx, today: &str) -> Result<BTreeMap<String, Debtor>> {
    use crate::registers::document::domain_ack::{AckFilter, AckState};
    use crate::registers::training::domain::{CampaignFilter, CampaignState};
    let mut out: BTreeMap<String, Debtor> = BTreeMap::new();
    let pending = AckFilter {
        state: Some(AckState::Pending),
        ..AckFilter::default()
    };
    for id in ctx.store().ack_rule_documents().await? {
        let d = ctx.store().document(&id).await?;
        let Some(version) = d.current_version else {
            continue;
        };
        for l in crate::registers::document::service_ack::all_lines(ctx, &id, &pending).await? {
            let e = out.entry(l.person_id.clone()).or_default();
            e.name = l.name;
            e.email = l.email;
            e.items.push(OwedItem {
                mark: format!("owed:{}:{id}:{version}", l.person_id),
                training: false,
                title: format!("{} (version {version})", d.title),
                note: due_note(l.due_on.as_deref(), today),
            });
        }
    }
    let pending = CampaignFilter {
        state: Some(CampaignState::Pending),
        ..CampaignFilter::default()
    };
    for c in crate::registers::training::service::campaigns(ctx).await? {
        if c.closed_on.is_some() || c.starts_on.as_str() > today {
            continue;
        }
        for l in crate::registers::training::service::all_lines(ctx, &c.id, &pending).await? {
            let e = out.entry(l.person_id.clone()).or_default();
            e.name = l.name;
            e.email = l.email;
            let due = due_note(Some(&c.due_on), today);
            e.items.push(OwedItem {
                mark: format!("owed:{}:{}", l.person_id, c.id),
                training: true,
                title: c.title.clone(),
                note: format!("{} of {} modules done · {due}", l.done, l.of),
            });
        }
    }
    Ok(out)
}

/// Queues, on `day`, a reminder with their personal link for each person of the directory
/// with an e-mail who owes something new since they were last told, or — on Mondays —
/// anything at all; unless they turned such messages off. Answers how many were queued.
#[tracing::instrument(name = "notify.owed", skip_all, fields(actor = %ctx.who(), day = %day))]
pub async fn queue_owed(ctx: &Ctx, day: &str) -> Result<usize> {
    ctx.require(ADMIN)?;
    let monday = crate::registers::task::domain::day(day)
        .is_some_and(|d| d.weekday() == time::Weekday::Monday);
    let owed = debtors(ctx, day).await?;
    let marks: Vec<String> = owed
        .values()
        .flat_map(|d| d.items.iter().map(|i| i.mark.clone()))
        .collect();
    let mut tx = ctx.store().read_tx().await?;
    let told = super::store::marked(&mut tx, marks).await?;
    tx.commit().await?;
    let prefs: HashMap<String, Preferences> = ctx
        .store()
        .preferences()
        .await?
        .into_iter()
        .map(|r| (r.0.clone(), super::service::prefs_of(r)))
        .collect();
    let chosen: Vec<(String, Debtor)> = owed
        .into_iter()
        .filter(|(_, d)| {
            let email = d.email.trim().to_lowercase();
            email.contains('@')
                && prefs.get(&email).is_none_or(|p| p.wants(MessageKind::Owed))
                && (monday || d.items.iter().any(|i| !told.contains(&i.mark)))
        })
        .collect();
    if chosen.is_empty() {
        return Ok(0);
    }
    let ids: Vec<String> = chosen.iter().map(|c| c.0.clone()).collect();
    let links = crate::registers::staff::service_link::make_many(ctx, &ids, LINK_DAYS).await?;
    let until = crate::domain::input::days_after(day, LINK_DAYS).unwrap_or_default();
    let base = ctx.public_url();
    let mut tx = ctx.write().await?;
    let mut written = 0;
    for ((person, d), (_, path)) in chosen.iter().zip(links) {
        let to = d.email.trim().to_lowercase();
        let key = format!("owed:{person}:{day}");
        let mail = reminder(d, &format!("{base}{path}"), &until, day);
        if super::service_outbox::enqueue_mail(&mut tx, &key, MessageKind::Owed, &to, &mail).await?
        {
            written += 1;
        }
        for i in &d.items {
            if !told.contains(&i.mark) {
                super::store::mark(&mut tx, &i.mark, &key).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reminder_lists_documents_and_training_with_the_personal_link_and_no_settings() {
        let d = Debtor {
            name: "Ελένη Παπαδοπούλου".into(),
            email: "eleni@example.org".into(),
            items: vec![
                OwedItem {
                    mark: "owed:P-1:D-1:2".into(),
                    training: false,
                    title: "Πολιτική ασφάλειας (version 2)".into(),
                    note: due_note(Some("2026-12-01"), "2026-12-07"),
                },
                OwedItem {
                    mark: "owed:P-1:C-1".into(),
                    training: true,
                    title: "Phishing 2026".into(),
                    note: "0 of 2 modules done · due 2026-12-31".into(),
                },
            ],
        };
        let link = "https://isms.example.org/for/abc";
        let m = reminder(&d, link, "2027-01-06", "2026-12-07");
        assert_eq!(
            m.subject,
            "Annex: 1 document to acknowledge, 1 training to complete (overdue)"
        );
        let text = m.text();
        assert!(text.contains(
            "Read and acknowledge: Πολιτική ασφάλειας (version 2) (was due 2026-12-01, overdue)"
        ));
        assert!(text.contains("Complete: Phishing 2026"));
        assert!(text.contains("until 2027-01-06"));
        assert_eq!(text.matches(link).count(), 3, "{text}");
        assert!(text.contains("keeps its staff directory in Annex"));
        assert!(!text.contains("/my-work/settings"));
        assert!(m.html().contains("keeps its staff directory in Annex"));
    }
}
