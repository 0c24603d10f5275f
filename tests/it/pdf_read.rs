//! A small PDF reader for the integration tests, so that they can check an exported PDF
//! (the Statement of Applicability) without a PDF library: how many pages it has, and the
//! text it shows. It reads what `annex::exchange::pdf` writes (uncompressed content streams
//! with a direct `/Length`) and is no general parser: filtered (compressed) streams are
//! skipped, and text comes in file order, which for that writer is page order.

/// Number of page objects (`/Type /Page`, not the `/Pages` tree nodes).
#[allow(dead_code)]
pub fn page_count(pdf: &[u8]) -> usize {
    let mut count = 0;
    let mut at = 0;
    while let Some(found) = find(&pdf[at..], b"/Type") {
        let mut i = at + found + b"/Type".len();
        while pdf.get(i).is_some_and(|b| is_white(*b)) {
            i += 1;
        }
        let rest = &pdf[i..];
        if rest.starts_with(b"/Page") && !rest.get(5).is_some_and(|b| is_regular(*b)) {
            count += 1;
        }
        at = i;
    }
    count
}

/// The strings shown by `Tj`, `TJ`, `'` and `"` in all content streams, decoded from
/// WinAnsi to UTF-8, one show operation a line.
#[allow(dead_code)]
pub fn text(pdf: &[u8]) -> String {
    let mut out = String::new();
    for content in streams(pdf) {
        shown_text(content, &mut out);
    }
    out
}

/// Unfiltered stream data, in file order.
fn streams(pdf: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(found) = find(&pdf[at..], b"stream") {
        let keyword = at + found;
        at = keyword + b"stream".len();
        let data = match pdf[at..] {
            [b'\r', b'\n', ..] => at + 2,
            [b'\n', ..] | [b'\r', ..] => at + 1,
            _ => continue, // "endstream", or the word inside some text
        };
        if !pdf[..keyword].trim_ascii_end().ends_with(b">>") {
            continue;
        }
        let dict_start = rfind(&pdf[..keyword], b"obj").unwrap_or(0);
        let dict = &pdf[dict_start..keyword];
        let end = direct_length(dict)
            .map(|len| data + len)
            .filter(|&end| end <= pdf.len())
            .or_else(|| find(&pdf[data..], b"endstream").map(|i| data + i))
            .unwrap_or(pdf.len());
        if find(dict, b"/Filter").is_none() {
            out.push(&pdf[data..end]);
        }
        at = end;
    }
    out
}

/// The value of `/Length` when it is a number, not a reference (`N 0 R`).
fn direct_length(dict: &[u8]) -> Option<usize> {
    let at = find(dict, b"/Length")? + b"/Length".len();
    let rest = dict[at..].trim_ascii_start();
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let after = rest[digits..].trim_ascii_start();
    let is_reference = after.first().is_some_and(u8::is_ascii_digit);
    if digits == 0 || is_reference {
        return None;
    }
    std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()
}

/// An operand on the content stream's stack, as far as text showing cares.
enum Operand {
    Str(Vec<u8>),
    Array(Vec<Vec<u8>>),
    Other,
}

/// Runs through a content stream's operators, appending each shown string and a newline.
fn shown_text(content: &[u8], out: &mut String) {
    let mut operands: Vec<Operand> = Vec::new();
    let mut i = 0;
    while i < content.len() {
        let b = content[i];
        match b {
            _ if is_white(b) => i += 1,
            b'%' => {
                while i < content.len() && content[i] != b'\n' && content[i] != b'\r' {
                    i += 1;
                }
            }
            b'(' => {
                let (s, next) = literal(content, i);
                operands.push(Operand::Str(s));
                i = next;
            }
            b'<' if content.get(i + 1) == Some(&b'<') => {
                operands.push(Operand::Other);
                i += 2;
            }
            b'<' => {
                let (s, next) = hex(content, i);
                operands.push(Operand::Str(s));
                i = next;
            }
            b'[' => {
                let (strings, next) = array(content, i);
                operands.push(Operand::Array(strings));
                i = next;
            }
            b'>' | b']' | b'{' | b'}' | b')' => i += 1,
            b'/' => {
                i += 1;
                while i < content.len() && is_regular(content[i]) {
                    i += 1;
                }
                operands.push(Operand::Other);
            }
            _ => {
                let start = i;
                while i < content.len() && is_regular(content[i]) {
                    i += 1;
                }
                let token = &content[start..i];
                if token
                    .first()
                    .is_some_and(|c| c.is_ascii_digit() || b"+-.".contains(c))
                {
                    operands.push(Operand::Other);
                    continue;
                }
                match (token, operands.last()) {
                    (b"Tj" | b"'" | b"\"", Some(Operand::Str(s))) => push_line(out, s),
                    (b"TJ", Some(Operand::Array(parts))) => push_line(out, &parts.concat()),
                    (b"BI", _) => i = skip_inline_image(content, i),
                    _ => {}
                }
                operands.clear();
            }
        }
    }
}

fn push_line(out: &mut String, winansi: &[u8]) {
    out.extend(winansi.iter().map(|&b| decode_winansi(b)));
    out.push('\n');
}

/// A literal string starting at `(`: its bytes with escapes resolved, and the index after it.
fn literal(content: &[u8], open: usize) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut i = open + 1;
    while i < content.len() {
        let b = content[i];
        i += 1;
        match b {
            b'(' => {
                depth += 1;
                out.push(b);
            }
            b')' if depth == 0 => return (out, i),
            b')' => {
                depth -= 1;
                out.push(b);
            }
            b'\\' => i = escape(content, i, &mut out),
            _ => out.push(b),
        }
    }
    (out, i)
}

/// Resolves the escape after a backslash at `i - 1`; returns the index after it.
fn escape(content: &[u8], mut i: usize, out: &mut Vec<u8>) -> usize {
    let Some(&b) = content.get(i) else {
        return i;
    };
    i += 1;
    match b {
        b'n' => out.push(b'\n'),
        b'r' => out.push(b'\r'),
        b't' => out.push(b'\t'),
        b'b' => out.push(8),
        b'f' => out.push(12),
        b'0'..=b'7' => {
            let mut value = u32::from(b - b'0');
            for _ in 0..2 {
                match content.get(i) {
                    Some(&d @ b'0'..=b'7') => {
                        value = value * 8 + u32::from(d - b'0');
                        i += 1;
                    }
                    _ => break,
                }
            }
            out.push((value & 0xff) as u8);
        }
        // A backslash at the end of a line continues the string on the next.
        b'\r' => {
            if content.get(i) == Some(&b'\n') {
                i += 1;
            }
        }
        b'\n' => {}
        other => out.push(other),
    }
    i
}

/// A hex string starting at `<`: its bytes and the index after `>`.
fn hex(content: &[u8], open: usize) -> (Vec<u8>, usize) {
    let mut nibbles = Vec::new();
    let mut i = open + 1;
    while i < content.len() && content[i] != b'>' {
        if let Some(n) = char::from(content[i]).to_digit(16) {
            nibbles.push(n as u8);
        }
        i += 1;
    }
    if nibbles.len() % 2 == 1 {
        nibbles.push(0);
    }
    let bytes = nibbles.chunks(2).map(|p| p[0] << 4 | p[1]).collect();
    (bytes, i + 1)
}

/// The strings of an array starting at `[` (numbers in a `TJ` array are kerning, dropped),
/// and the index after `]`.
fn array(content: &[u8], open: usize) -> (Vec<Vec<u8>>, usize) {
    let mut strings = Vec::new();
    let mut i = open + 1;
    while i < content.len() {
        match content[i] {
            b']' => return (strings, i + 1),
            b'(' => {
                let (s, next) = literal(content, i);
                strings.push(s);
                i = next;
            }
            b'<' => {
                let (s, next) = hex(content, i);
                strings.push(s);
                i = next;
            }
            _ => i += 1,
        }
    }
    (strings, i)
}

/// Skips inline image data up to and past its `EI` operator.
fn skip_inline_image(content: &[u8], from: usize) -> usize {
    let mut i = from;
    while i + 2 <= content.len() {
        if &content[i..i + 2] == b"EI"
            && content.get(i + 2).is_none_or(|b| is_white(*b))
            && i > 0
            && is_white(content[i - 1])
        {
            return i + 2;
        }
        i += 1;
    }
    content.len()
}

/// WinAnsi (Windows-1252) byte to character; codes it leaves undefined give U+FFFD.
fn decode_winansi(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{FFFD}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{FFFD}', 'Ž',
        '\u{FFFD}', '\u{FFFD}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ',
        '\u{FFFD}', 'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'\0')
}

fn is_delimiter(b: u8) -> bool {
    b"()<>[]{}/%".contains(&b)
}

fn is_regular(b: u8) -> bool {
    !is_white(b) && !is_delimiter(b)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}
