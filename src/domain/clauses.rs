//! The clauses of ISO/IEC 27001:2022 that an ISMS is audited against (4.1 to 10.2), by number
//! and short title, and how people name a set of them ("9", "6.1", "4.1-4.4").

/// Every requirement clause, in the standard's order: (number, short title).
pub const CLAUSES: [(&str, &str); 25] = [
    ("4.1", "The organisation and its context"),
    ("4.2", "Needs and expectations of interested parties"),
    ("4.3", "The scope of the ISMS"),
    ("4.4", "The information security management system"),
    ("5.1", "Leadership and commitment"),
    ("5.2", "Information security policy"),
    ("5.3", "Roles, responsibilities and authorities"),
    ("6.1.1", "Actions to address risks and opportunities"),
    ("6.1.2", "Information security risk assessment"),
    ("6.1.3", "Information security risk treatment"),
    (
        "6.2",
        "Information security objectives and planning to achieve them",
    ),
    ("6.3", "Planning of changes"),
    ("7.1", "Resources"),
    ("7.2", "Competence"),
    ("7.3", "Awareness"),
    ("7.4", "Communication"),
    ("7.5", "Documented information"),
    ("8.1", "Operational planning and control"),
    ("8.2", "Performing risk assessments"),
    ("8.3", "Implementing risk treatment"),
    ("9.1", "Monitoring, measurement, analysis and evaluation"),
    ("9.2", "Internal audit"),
    ("9.3", "Management review"),
    ("10.1", "Continual improvement"),
    ("10.2", "Nonconformity and corrective action"),
];

/// The clause numbered `id`, as its constant number and title.
pub fn find(id: &str) -> Option<(&'static str, &'static str)> {
    let id = id.trim();
    CLAUSES.iter().find(|(n, _)| *n == id).copied()
}

/// The title of clause `id` (empty when there is no such clause).
pub fn title(id: &str) -> &'static str {
    find(id).map(|c| c.1).unwrap_or("")
}

fn position(id: &str) -> Option<usize> {
    CLAUSES.iter().position(|(n, _)| *n == id)
}

/// Whether clause `id` is `prefix` or one of its sub-clauses ("6.1.2" is within "6" and
/// "6.1").
fn within(id: &str, prefix: &str) -> bool {
    id == prefix || id.starts_with(&format!("{prefix}."))
}

/// The clauses a text names, in the standard's order without repeats: numbers ("9.2"),
/// sections ("9" is 9.1 to 9.3, "6.1" is 6.1.1 to 6.1.3) and ranges ("4.1-4.4", also with an
/// en dash or "to"), separated by commas, semicolons, spaces or new lines. Each word that is
/// none of these is named in the error.
pub fn expand(raw: &str) -> Result<Vec<&'static str>, String> {
    let text = raw.replace(['–', '—'], "-").replace(" to ", "-");
    let mut picked = [false; CLAUSES.len()];
    let mut bad = Vec::new();
    for word in text
        .split([',', ';', '\n', ' '])
        .map(|w| w.trim().trim_start_matches('§').trim_end_matches('.'))
        .filter(|w| !w.is_empty())
    {
        if let Some((from, to)) = word.split_once('-') {
            match (position(from.trim()), position(to.trim())) {
                (Some(a), Some(b)) if a <= b => picked[a..=b].iter_mut().for_each(|p| *p = true),
                _ => bad.push(word.to_string()),
            }
            continue;
        }
        let mut any = false;
        for (i, (n, _)) in CLAUSES.iter().enumerate() {
            if within(n, word) {
                picked[i] = true;
                any = true;
            }
        }
        if !any {
            bad.push(word.to_string());
        }
    }
    if !bad.is_empty() {
        return Err(format!(
            "{} {} not a clause of ISO/IEC 27001 (4.1 to 10.2; a section such as 9, or a range such as 4.1-4.4)",
            bad.iter()
                .map(|b| format!("'{}'", b.chars().take(20).collect::<String>()))
                .collect::<Vec<_>>()
                .join(", "),
            if bad.len() == 1 { "is" } else { "are" }
        ));
    }
    Ok(CLAUSES
        .iter()
        .zip(picked)
        .filter(|(_, p)| *p)
        .map(|((n, _), _)| *n)
        .collect())
}

/// The controls a text names among `ids` (a catalogue's, in its order), in that order without
/// repeats: ids ("5.15"), ranges ("5.15-5.18", also with an en dash) and themes ("8" is every
/// control whose id starts with "8."). Each word that is none of these is named in the error.
pub fn expand_controls(raw: &str, ids: &[&str]) -> Result<Vec<String>, String> {
    let text = raw.replace(['–', '—'], "-").replace(" to ", "-");
    let mut picked = vec![false; ids.len()];
    let mut bad = Vec::new();
    let at = |id: &str| ids.iter().position(|c| c.eq_ignore_ascii_case(id.trim()));
    for word in text
        .split([',', ';', '\n', ' '])
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        if let Some((from, to)) = word.split_once('-') {
            match (at(from), at(to)) {
                (Some(a), Some(b)) if a <= b => picked[a..=b].iter_mut().for_each(|p| *p = true),
                _ => bad.push(word.to_string()),
            }
            continue;
        }
        if let Some(i) = at(word) {
            picked[i] = true;
            continue;
        }
        let theme = format!("{word}.");
        let mut any = false;
        for (i, id) in ids.iter().enumerate() {
            if id.starts_with(&theme) {
                picked[i] = true;
                any = true;
            }
        }
        if !any {
            bad.push(word.to_string());
        }
    }
    if !bad.is_empty() {
        return Err(format!(
            "{} {} not a control of the catalogue (an id such as 5.15, a range such as 5.15-5.18 or a theme such as 8)",
            bad.iter()
                .map(|b| format!("'{}'", b.chars().take(20).collect::<String>()))
                .collect::<Vec<_>>()
                .join(", "),
            if bad.len() == 1 { "is" } else { "are" }
        ));
    }
    Ok(ids
        .iter()
        .zip(picked)
        .filter(|(_, p)| *p)
        .map(|(id, _)| id.to_string())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_ranges_and_numbers_expand_in_order() {
        assert_eq!(expand("9").unwrap(), ["9.1", "9.2", "9.3"]);
        assert_eq!(
            expand("6.1, 4.3").unwrap(),
            ["4.3", "6.1.1", "6.1.2", "6.1.3"]
        );
        assert_eq!(
            expand("4.1–4.4; 10").unwrap(),
            ["4.1", "4.2", "4.3", "4.4", "10.1", "10.2"]
        );
        assert!(expand("9.2 9.2 clause").unwrap_err().contains("'clause'"));
        assert!(expand("11").is_err());
        assert!(expand("4.4-4.1").is_err());
        assert!(expand("").unwrap().is_empty());
        assert_eq!(title("9.2"), "Internal audit");
    }

    #[test]
    fn controls_expand_by_id_range_and_theme() {
        let ids = ["5.1", "5.15", "5.16", "5.17", "5.18", "6.1", "8.1", "8.2"];
        assert_eq!(
            expand_controls("5.15–5.18", &ids).unwrap(),
            ["5.15", "5.16", "5.17", "5.18"]
        );
        assert_eq!(
            expand_controls("8, 5.1", &ids).unwrap(),
            ["5.1", "8.1", "8.2"]
        );
        let e = expand_controls("5.99, 9", &ids).unwrap_err();
        assert!(e.contains("'5.99', '9' are"), "{e}");
    }
}
