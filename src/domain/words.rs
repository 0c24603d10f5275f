//! Words for people: counts ("1 risk", "2 risks") and keys ("target_likelihood" is
//! "Target likelihood").

/// `n` with the singular or the plural of what is counted.
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A key as people read it (file headers, field names in the history): `target_likelihood` becomes "Target
/// likelihood", `id` "ID". Imports compare headers by their letters and digits only, case
/// ignored, so a file keeps importing whichever of the two it has. A key that is already
/// written for people (it has a capital or a space, as the catalogue's attribute names do)
/// is kept.
pub fn key_label(key: &str) -> String {
    if key.chars().any(|c| c.is_uppercase() || c == ' ') {
        return key.to_string();
    }
    let words: Vec<String> = key
        .split('_')
        .filter(|w| !w.is_empty())
        .enumerate()
        .map(|(i, w)| match w {
            "id" | "sd" | "url" | "ip" | "nda" | "rto" | "rpo" | "mtpd" | "dpia" | "eea" => {
                w.to_uppercase()
            }
            w if i == 0 => {
                let mut chars = w.chars();
                chars
                    .next()
                    .map(|c| c.to_uppercase().chain(chars).collect())
                    .unwrap_or_default()
            }
            w => w.to_string(),
        })
        .collect();
    words.join(" ")
}

/// A person as people read them: the name of the account whose e-mail address `who` is
/// (`names` by lowercase address), else `who` as written.
pub fn person(names: &std::collections::HashMap<String, String>, who: &str) -> String {
    names
        .get(&who.trim().to_lowercase())
        .cloned()
        .unwrap_or_else(|| who.to_string())
}

/// Greek and Cyrillic capitals and small letters that look like Latin ones, with the Latin
/// letter each is mistaken for.
const LOOKALIKES: &[(char, char, &str)] = &[
    ('Α', 'A', "Greek"),
    ('Β', 'B', "Greek"),
    ('Ε', 'E', "Greek"),
    ('Ζ', 'Z', "Greek"),
    ('Η', 'H', "Greek"),
    ('Ι', 'I', "Greek"),
    ('Κ', 'K', "Greek"),
    ('Μ', 'M', "Greek"),
    ('Ν', 'N', "Greek"),
    ('Ο', 'O', "Greek"),
    ('Ρ', 'P', "Greek"),
    ('Τ', 'T', "Greek"),
    ('Υ', 'Y', "Greek"),
    ('Χ', 'X', "Greek"),
    ('ο', 'o', "Greek"),
    ('ν', 'v', "Greek"),
    ('А', 'A', "Cyrillic"),
    ('В', 'B', "Cyrillic"),
    ('Е', 'E', "Cyrillic"),
    ('К', 'K', "Cyrillic"),
    ('М', 'M', "Cyrillic"),
    ('Н', 'H', "Cyrillic"),
    ('О', 'O', "Cyrillic"),
    ('Р', 'P', "Cyrillic"),
    ('С', 'C', "Cyrillic"),
    ('Т', 'T', "Cyrillic"),
    ('Х', 'X', "Cyrillic"),
    ('а', 'a', "Cyrillic"),
    ('е', 'e', "Cyrillic"),
    ('о', 'o', "Cyrillic"),
    ('р', 'p', "Cyrillic"),
    ('с', 'c', "Cyrillic"),
    ('х', 'x', "Cyrillic"),
    ('у', 'y', "Cyrillic"),
];

/// When a value mixes Latin letters with Greek or Cyrillic ones that look the same ("Ηigh"
/// typed with a Greek Η), says which: an error that quotes the value would otherwise read as
/// if the value were right.
pub fn lookalikes(value: &str) -> Option<String> {
    let latin = value.chars().any(|c| c.is_ascii_alphabetic());
    let found: Vec<String> = value
        .chars()
        .filter_map(|c| LOOKALIKES.iter().find(|(x, _, _)| *x == c))
        .map(|(x, l, script)| {
            format!(
                "the {script} letter {x} (U+{:04X}), not the Latin {l}",
                *x as u32
            )
        })
        .collect();
    // A word wholly in Greek or Cyrillic is meant so; one letter among Latin ones is not, nor
    // is a word that is only look-alikes (the Greek "ΑΒ" for "AB").
    let all_lookalike = value
        .chars()
        .filter(|c| c.is_alphabetic())
        .all(|c| LOOKALIKES.iter().any(|(x, _, _)| *x == c));
    if found.is_empty() || !(latin || all_lookalike) {
        return None;
    }
    let mut unique = found;
    unique.dedup();
    Some(format!("it holds {}", list_of(&unique)))
}

fn list_of(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

macro_rules! words_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal, [$(($v:ident, $key:literal, $label:literal)),+ $(,)?]) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($v),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            pub fn key(self) -> &'static str {
                match self { $($name::$v => $key),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$v => $label),+ }
            }

            /// Its place in the declared order (0 first).
            #[allow(dead_code)]
            pub fn rank(self) -> usize {
                Self::ALL.iter().position(|v| *v == self).unwrap_or(0)
            }

            /// By key or label, case, spaces and hyphens ignored.
            pub fn parse(raw: &str) -> Result<$name, String> {
                let norm = |s: &str| s.trim().to_lowercase().replace([' ', '-'], "_");
                let n = norm(raw);
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.key() == n || norm(v.label()) == n)
                    .ok_or_else(|| {
                        let all: Vec<&str> = Self::ALL.iter().map(|v| v.label()).collect();
                        format!("'{}' is not {}: use {}", raw.trim(), $what, all.join(", "))
                    })
            }
        }
    };
}
pub(crate) use words_enum;

/// The values of a closed list whose JSON name is not its key (the API's document lists the
/// JSON names, the filters read keys: the two must agree), for tests.
#[cfg(test)]
pub fn keys_not_json<T: serde::Serialize + Copy>(
    all: &[T],
    key: fn(T) -> &'static str,
) -> Vec<String> {
    all.iter()
        .filter(|v| {
            serde_json::to_value(**v)
                .ok()
                .and_then(|j| j.as_str().map(str::to_string))
                .as_deref()
                != Some(key(**v))
        })
        .map(|v| key(*v).to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_is_singular_and_every_other_number_plural() {
        assert_eq!(super::count(1, "problem", "problems"), "1 problem");
        assert_eq!(super::count(0, "problem", "problems"), "0 problems");
        assert_eq!(super::count(12, "entry", "entries"), "12 entries");
    }
}

#[cfg(test)]
mod lookalike_tests {
    use super::lookalikes;

    #[test]
    fn letters_of_other_scripts_that_look_latin_are_named() {
        assert_eq!(
            lookalikes("Μitigate").as_deref(),
            Some("it holds the Greek letter Μ (U+039C), not the Latin M")
        );
        assert_eq!(
            lookalikes("Α").as_deref(),
            Some("it holds the Greek letter Α (U+0391), not the Latin A")
        );
        assert!(lookalikes("Cеrvеr").unwrap().contains("Cyrillic letter е"));
        assert_eq!(lookalikes("Mitigate"), None);
        assert_eq!(lookalikes("Μείωση"), None, "a Greek word is meant so");
        assert_eq!(lookalikes("Ναι"), None);
    }
}
