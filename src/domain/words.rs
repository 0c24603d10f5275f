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
            "id" | "sd" | "url" | "ip" => w.to_uppercase(),
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

#[cfg(test)]
mod tests {
    #[test]
    fn one_is_singular_and_every_other_number_plural() {
        assert_eq!(super::count(1, "problem", "problems"), "1 problem");
        assert_eq!(super::count(0, "problem", "problems"), "0 problems");
        assert_eq!(super::count(12, "entry", "entries"), "12 entries");
    }
}
