//! A version's text: Markdown rendered to HTML that is safe to show (pulldown-cmark, then
//! ammonia keeps only harmless elements and attributes), and a readable line-by-line
//! comparison of two versions.

/// The Markdown as HTML with nothing a browser would run: scripts, event handlers, styles,
/// `javascript:` links and raw HTML that is not plain text structure are removed.
pub fn render(markdown: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&raw)
        .to_string()
}

/// How a line of the comparison stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Same,
    Added,
    Removed,
    /// Unchanged lines left out between changes.
    Skipped,
}

impl Change {
    pub fn key(self) -> &'static str {
        match self {
            Change::Same => "same",
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Skipped => "skipped",
        }
    }
}

/// One line of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub change: Change,
    /// Its number in the older and the newer text.
    pub old: Option<usize>,
    pub new: Option<usize>,
    /// The line; for skipped lines, how many.
    pub text: String,
}

/// The lines that differ between two texts, each with `context` unchanged lines around it;
/// longer unchanged runs are one skipped line. Answers how many lines were added and removed.
pub fn compare(old: &str, new: &str, context: usize) -> (Vec<Line>, usize, usize) {
    use similar::{ChangeTag, TextDiff};
    let diff = TextDiff::from_lines(old, new);
    let all: Vec<Line> = diff
        .iter_all_changes()
        .map(|c| Line {
            change: match c.tag() {
                ChangeTag::Equal => Change::Same,
                ChangeTag::Insert => Change::Added,
                ChangeTag::Delete => Change::Removed,
            },
            old: c.old_index().map(|i| i + 1),
            new: c.new_index().map(|i| i + 1),
            text: c.value().trim_end_matches(['\n', '\r']).to_string(),
        })
        .collect();
    let added = all.iter().filter(|l| l.change == Change::Added).count();
    let removed = all.iter().filter(|l| l.change == Change::Removed).count();
    let near: Vec<bool> = (0..all.len())
        .map(|i| {
            let from = i.saturating_sub(context);
            let to = (i + context + 1).min(all.len());
            all[from..to].iter().any(|l| l.change != Change::Same)
        })
        .collect();
    let mut out = Vec::new();
    let mut skipped = 0;
    for (line, keep) in all.into_iter().zip(near) {
        if keep {
            if skipped > 0 {
                out.push(skipped_line(skipped));
                skipped = 0;
            }
            out.push(line);
        } else {
            skipped += 1;
        }
    }
    if skipped > 0 {
        out.push(skipped_line(skipped));
    }
    (out, added, removed)
}

fn skipped_line(n: usize) -> Line {
    Line {
        change: Change::Skipped,
        old: None,
        new: None,
        text: crate::domain::words::count(n, "unchanged line", "unchanged lines"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_rendered_and_nothing_runnable_survives() {
        let html = render(
            "# Πολιτική\n\n**Must** read <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        );
        assert!(html.contains("<h1>Πολιτική</h1>"), "{html}");
        assert!(html.contains("<strong>Must</strong>"), "{html}");
        assert!(html.contains("<table>"), "{html}");
        for bad in ["<script", "javascript:", "onerror", "alert(1)</script"] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
    }

    #[test]
    fn a_comparison_shows_changes_with_their_context_and_counts_them() {
        let old = (1..=20).map(|i| format!("line {i}\n")).collect::<String>();
        let new = old.replace("line 10\n", "line ten\n") + "line 21\n";
        let (lines, added, removed) = compare(&old, &new, 2);
        assert_eq!((added, removed), (2, 1));
        let kinds: Vec<Change> = lines.iter().map(|l| l.change).collect();
        assert_eq!(kinds[0], Change::Skipped);
        assert_eq!(lines[0].text, "7 unchanged lines");
        let removed_line = lines.iter().find(|l| l.change == Change::Removed).unwrap();
        assert_eq!(
            (removed_line.old, removed_line.text.as_str()),
            (Some(10), "line 10")
        );
        assert_eq!(lines.last().unwrap().text, "line 21");
        assert_eq!(
            compare("same\n", "same\n", 3).0.len(),
            1,
            "only one skipped line"
        );
    }
}
