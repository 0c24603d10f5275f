//! A person's tasks as an iCalendar feed (RFC 5545), for Outlook, Google Calendar and Apple
//! Calendar: one event per task on its due day (at its moment for deadlines counted in
//! hours), each with a stable UID so that a calendar updates it rather than adding another.

use super::domain::{Task, add_days};
use icalendar::{Calendar, Component, Event, EventLike};
use time::OffsetDateTime;

fn naive(day: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(day.get(..10)?, "%Y-%m-%d").ok()
}

fn utc(t: OffsetDateTime) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::from_timestamp(t.unix_timestamp(), 0)
}

/// The feed of `tasks` for `name`, made at `now`, linking to `base`.
pub fn calendar(name: &str, tasks: &[Task], now: OffsetDateTime, base: &str) -> String {
    let mut cal = Calendar::new();
    cal.name(&format!("Annex: {name}"))
        .description("Tasks from Annex, the information security management system")
        .append_property(icalendar::Property::new("PRODID", "-//Annex//Tasks//EN"));
    let stamp = utc(now);
    for t in tasks {
        let mut e = Event::new();
        e.uid(&format!("{}@annex", t.id))
            .summary(&format!("{}: {}", t.kind.verb(), t.title))
            .description(&format!("{} — {base}{}", t.kind.label(), t.link))
            .url(&format!("{base}{}", t.link));
        if let Some(s) = stamp {
            e.timestamp(s);
        }
        let at = t
            .due_at
            .as_deref()
            .and_then(crate::domain::clock::parse_stamp)
            .and_then(utc);
        match (at, t.due_on.as_deref().and_then(naive)) {
            (Some(at), _) => {
                e.starts(at).ends(at + chrono::Duration::minutes(30));
            }
            (None, Some(day)) => {
                e.all_day(day);
                if let Some(next) = t
                    .due_on
                    .as_deref()
                    .map(|d| add_days(d, 1))
                    .and_then(|d| naive(&d))
                {
                    e.ends(next);
                }
            }
            (None, None) => continue,
        }
        cal.push(e.done());
    }
    cal.done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registers::task::domain::TaskKind;

    #[test]
    fn each_task_is_an_event_on_its_day_that_a_parser_reads_back() {
        let tasks = vec![
            Task::new(
                TaskKind::Measure,
                "M-0001",
                "",
                "Šifrování notebooků; krok 2, část \"A\"",
                "ann@example.org",
                Some("2026-12-06".into()),
                None,
            ),
            Task::new(
                TaskKind::NotificationStage,
                "INC-0001",
                "nis2:early",
                "Outage: early warning to the CSIRT",
                "ann@example.org",
                Some("2026-12-05".into()),
                Some("2026-12-05T14:30:00.000000Z".into()),
            ),
        ];
        let now = crate::domain::clock::parse_stamp("2026-12-05T09:00:00.000000Z").unwrap();
        let ics = calendar("Ann", &tasks, now, "https://isms.example.org");
        let parsed: icalendar::Calendar = ics.parse().expect("the feed parses");
        let events: Vec<&icalendar::Event> = parsed
            .components
            .iter()
            .filter_map(|c| c.as_event())
            .collect();
        assert_eq!(events.len(), 2);
        assert_eq!(
            events[0].get_summary(),
            Some("Implement: Šifrování notebooků; krok 2, část \"A\"")
        );
        assert_eq!(events[0].get_uid(), Some("measure:M-0001@annex"));
        assert_eq!(
            events[0].get_start(),
            Some(icalendar::DatePerhapsTime::Date(
                chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
            ))
        );
        let Some(icalendar::DatePerhapsTime::DateTime(icalendar::CalendarDateTime::Utc(start))) =
            events[1].get_start()
        else {
            panic!("a moment in UTC")
        };
        assert_eq!(start.to_rfc3339(), "2026-12-05T14:30:00+00:00");
        assert!(
            ics.contains("URL:https://isms.example.org/incidents/INC-0001"),
            "{ics}"
        );
    }
}
