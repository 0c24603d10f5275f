//! A version's text: Markdown rendered to HTML that is safe to show (pulldown-cmark, then
//! ammonia keeps only harmless elements and attributes), and a readable line-by-line
//! comparison of two versions.

/// How deep quotes and lists nest in the HTML of a text.
const MAX_DEPTH: usize = 16;

/// The Markdown as HTML with nothing a browser would run: scripts, event handlers, styles,
/// `javascript:` links and raw HTML that is not plain text structure are removed.
pub fn render(markdown: &str) -> String {
    use pulldown_cmark::{Event, Options, Parser, Tag, html};
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    // Raw HTML is shown as the text it is (a policy needs none), and quotes and lists nest
    // at most MAX_DEPTH deep: deeper ones are flattened. Both keep a hostile text — thousands
    // of nested `<div>` or `>` — from costing the sanitiser time that grows with the square
    // of the nesting.
    let mut depth = 0usize;
    // For each open tag: whether it nests, and whether it was left out.
    let mut open: Vec<(bool, bool)> = Vec::new();
    let events = Parser::new_ext(markdown, options).filter_map(|event| match event {
        Event::Html(t) | Event::InlineHtml(t) => Some(Event::Text(t)),
        Event::Start(tag) => {
            let nests = matches!(tag, Tag::BlockQuote(_) | Tag::List(_) | Tag::Item);
            let skip = nests && depth >= MAX_DEPTH;
            open.push((nests, skip));
            if skip {
                return None;
            }
            if nests {
                depth += 1;
            }
            Some(Event::Start(tag))
        }
        Event::End(end) => match open.pop() {
            Some((_, true)) => None,
            Some((true, false)) => {
                depth = depth.saturating_sub(1);
                Some(Event::End(end))
            }
            _ => Some(Event::End(end)),
        },
        other => Some(other),
    });
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, events);
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
        // Raw HTML is shown as text; no element or link that runs anything is left.
        for bad in ["<script", "<img", "javascript:"] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn hostile_nesting_is_flattened_and_raw_html_is_text() {
        for (text, tag) in [
            ("> ".repeat(50_000), "<blockquote>"),
            ("- ".repeat(50_000), "<li>"),
            ("1. ".repeat(50_000), "<li>"),
            ("<div>".repeat(50_000), "<div>"),
        ] {
            let html = std::thread::Builder::new()
                .stack_size(2 * 1024 * 1024)
                .spawn(move || render(&text))
                .unwrap()
                .join()
                .expect("rendering survives");
            assert!(
                html.matches(tag).count() <= MAX_DEPTH,
                "{tag}: {}",
                &html[..200.min(html.len())]
            );
        }
        let html = render("<b onclick=x>bold</b> and **bold**");
        assert!(html.contains("&lt;b onclick=x&gt;bold&lt;/b&gt;"), "{html}");
        assert!(html.contains("<strong>bold</strong>"), "{html}");
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
