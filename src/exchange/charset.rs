//! The character set of a CSV file: UTF-8 (with or without a byte-order mark), UTF-16 with its
//! mark, or — for files that are not UTF-8 — the single-byte code page their content fits
//! best: Windows-1252 (Western European), Windows-1250 (Central European: Czech, Polish,
//! Slovak, Hungarian …) or ISO-8859-2. A person can say it instead (`--encoding`, the review's
//! choice), and is always told which one was used.

use crate::error::{Error, Result};
use encoding_rs::{Encoding, ISO_8859_2, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1250, WINDOWS_1252};

/// The character sets a person can choose, by the names people know them by.
pub const CHOICES: [(&str, &str); 6] = [
    ("utf-8", "UTF-8"),
    ("utf-16", "UTF-16 (with its byte-order mark)"),
    ("windows-1252", "Windows-1252 (Western European)"),
    ("windows-1250", "Windows-1250 (Central European)"),
    ("iso-8859-2", "ISO-8859-2 (Latin-2)"),
    ("iso-8859-1", "ISO-8859-1 (Latin-1)"),
];

/// The character set a person named (`windows-1250`, `cp1250`, `latin2`, `utf8` …).
pub fn parse(raw: &str) -> Result<&'static Encoding> {
    let label = raw.trim().to_lowercase();
    let label = match label.as_str() {
        "cp1250" | "1250" => "windows-1250",
        "cp1252" | "1252" => "windows-1252",
        "latin2" | "latin-2" => "iso-8859-2",
        "latin1" | "latin-1" => "iso-8859-1",
        "utf8" => "utf-8",
        "utf16" => "utf-16le",
        "utf-16" => "utf-16le",
        other => other,
    };
    Encoding::for_label(label.as_bytes()).ok_or_else(|| {
        let names: Vec<&str> = CHOICES.iter().map(|(k, _)| *k).collect();
        Error::field(
            "encoding",
            format!(
                "'{}' is not a character set Annex knows: use {}",
                raw.trim(),
                names.join(", ")
            ),
        )
    })
}

/// A character set's name as people read it ("Windows-1250 (Central European)").
pub fn label(e: &'static Encoding) -> String {
    let key = e.name().to_lowercase();
    CHOICES
        .iter()
        .find(|(k, _)| *k == key || (key.starts_with("utf-16") && *k == "utf-16"))
        .map(|(_, l)| l.to_string())
        .unwrap_or_else(|| e.name().to_string())
}

/// Decodes a file's bytes: in the character set given, or the one its byte-order mark names,
/// UTF-8 when it is valid UTF-8, else the single-byte code page its content fits best.
/// Answers the text and the character set used.
pub fn decode<'a>(
    bytes: &'a [u8],
    given: Option<&'static Encoding>,
) -> (std::borrow::Cow<'a, str>, &'static Encoding) {
    let bom = Encoding::for_bom(bytes);
    let encoding = match (given, bom) {
        (Some(e), _) if e == UTF_16LE || e == UTF_16BE => bom.map_or(e, |(b, _)| b),
        (Some(e), _) => e,
        (None, Some((b, _))) => b,
        (None, None) if std::str::from_utf8(bytes).is_ok() => UTF_8,
        (None, None) => guess_single_byte(bytes),
    };
    // `decode` takes off the mark of the encoding it was given, and takes a mark of another
    // Unicode encoding over the one given: UTF-16 files are read as UTF-16 whatever was asked.
    let (text, used, _) = encoding.decode(bytes);
    (text, used)
}

/// The character set of a file known by its first bytes (see [`decode`]), and whether it
/// was found to be UTF-8 rather than given or marked: then a byte further on that is not
/// UTF-8 means the file is not, and is told.
pub fn sniff(head: &[u8], given: Option<&'static Encoding>) -> (&'static Encoding, bool) {
    let bom = Encoding::for_bom(head);
    match (given, bom) {
        (Some(e), _) if e == UTF_16LE || e == UTF_16BE => (bom.map_or(e, |(b, _)| b), false),
        (Some(e), _) => (e, false),
        (None, Some((b, _))) => (b, false),
        // A character cut at the end of what was read is still UTF-8.
        (None, None) => match std::str::from_utf8(head) {
            Ok(_) => (UTF_8, true),
            Err(e) if e.error_len().is_none() => (UTF_8, true),
            Err(_) => (guess_single_byte(head), false),
        },
    }
}

/// Bytes that stand for a letter in Windows-1250 but not the same one (or none) in
/// Windows-1252, and how much each says for a Central European text (positive) or a Western
/// one (negative): ř, ě, ů and ť are everyday Czech and rare or impossible in Western
/// languages; à, å and ñ are the reverse.
const EVIDENCE: [(u8, i32); 24] = [
    (0xF8, 2),  // ř / ø
    (0xEC, 3),  // ě / ì
    (0xF9, 2),  // ů / ù
    (0xE8, 1),  // č / è
    (0xC8, 2),  // Č / È
    (0xD8, 2),  // Ř / Ø
    (0xCC, 2),  // Ě / Ì
    (0xF2, 1),  // ň / ò
    (0xEF, 1),  // ď / ï
    (0x9D, 4),  // ť / (none)
    (0x8D, 4),  // Ť / (none)
    (0x8F, 4),  // Ź / (none)
    (0x9C, 1),  // ś / œ
    (0x9F, 2),  // ź / Ÿ
    (0xB9, 2),  // ą / ¹
    (0xB3, 2),  // ł / ³
    (0xA5, 1),  // Ą / ¥
    (0xBE, 2),  // ľ / ¾
    (0xE0, -3), // ŕ / à
    (0xE5, -2), // ĺ / å
    (0xF1, -1), // ń / ñ
    (0xE6, -1), // ć / æ
    (0xE3, -1), // ă / ã
    (0xF5, -1), // ő / õ
];

/// Bytes that are letters in ISO-8859-2 but signs in Windows-1250 (š ž Š Ž ť Ť ś Ś ź Ź ľ ą).
const LATIN2_LETTERS: [u8; 12] = [
    0xB9, 0xBE, 0xA9, 0xAE, 0xBB, 0xAB, 0xB6, 0xA6, 0xBC, 0xAC, 0xB5, 0xB1,
];

/// Letters the languages of each code page use every day; a decoding that gives many letters
/// outside its own list (a `ç` read as Central European, a `ŕ` in a German word) is the wrong
/// one.
// Slovak ĺ and ŕ are left out: rare even in Slovak, while the same bytes are the Nordic å and
// the French à.
const EVERYDAY_1250: &str = "áčďéěíňóřšťúůýžąćęłńśźżäľôöőüűÁČĎÉĚÍŇÓŘŠŤÚŮÝŽĄĆĘŁŃŚŹŻÄĽÔÖŐÜŰ";
const EVERYDAY_1252: &str = "àâäæçèéêëîïñôöøùûüÿœåßáíóúìòõãšžÀÂÄÆÇÈÉÊËÎÏÑÔÖØÙÛÜÅÁÍÓÚÌÒÕÃŠŽ";

/// How many letters of a decoding are outside the everyday letters of its languages.
fn strangeness(text: &str, everyday: &str) -> usize {
    text.chars()
        .filter(|c| !c.is_ascii() && c.is_alphabetic() && !everyday.contains(*c))
        .count()
}

/// The single-byte code page a file's content fits best: the decoding with fewer letters its
/// languages do not use, then the letters typical of each (`EVIDENCE`). Signs in the
/// 0xA0–0xBF range count only inside words, so that a `©` or `¾` in a note says nothing.
fn guess_single_byte(bytes: &[u8]) -> &'static Encoding {
    let letter = |j: Option<&u8>| j.is_some_and(|b| b.is_ascii_alphabetic() || *b >= 0xC0);
    let in_word =
        |i: usize| letter(i.checked_sub(1).and_then(|j| bytes.get(j))) || letter(bytes.get(i + 1));
    let mut score = 0i32;
    let mut c1 = false;
    let mut latin2 = 0;
    for (i, b) in bytes.iter().enumerate() {
        if (0x80..0xA0).contains(b) {
            c1 = true;
        }
        if *b < 0xC0 && !in_word(i) {
            continue;
        }
        if let Some((_, w)) = EVIDENCE.iter().find(|(x, _)| x == b) {
            score += w;
        }
        if LATIN2_LETTERS.contains(b) {
            latin2 += 1;
        }
    }
    let central = strangeness(
        &WINDOWS_1250.decode_without_bom_handling(bytes).0,
        EVERYDAY_1250,
    );
    let western = strangeness(
        &WINDOWS_1252.decode_without_bom_handling(bytes).0,
        EVERYDAY_1252,
    );
    let central_wins = central < western || (central == western && score > 0);
    // Windows code pages use 0x80–0x9F for letters and quotes; ISO-8859-2 has none there.
    if !c1 && latin2 > 0 && (central_wins || score + latin2 > 0) {
        ISO_8859_2
    } else if central_wins {
        WINDOWS_1250
    } else {
        WINDOWS_1252
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(text: &str, e: &'static Encoding) -> Vec<u8> {
        let (bytes, _, unmappable) = e.encode(text);
        assert!(!unmappable, "{text} in {}", e.name());
        bytes.into_owned()
    }

    #[test]
    fn single_byte_files_are_read_in_the_code_page_their_words_fit() {
        let czech = "Vlastník,Aktivum\nJiří Dvořák,Účetní systém\nŠárka Žižková,Řídicí jednotka\n";
        for e in [WINDOWS_1250, ISO_8859_2] {
            let bytes = encoded(czech, e);
            let (text, used) = decode(&bytes, None);
            assert_eq!(text, czech, "{}", e.name());
            assert_eq!(used, e);
        }
        let polish = "Właściciel,Zasób\nŁukasz Wiśniewski,Serwer pocztowy źródłowy\n";
        assert_eq!(decode(&encoded(polish, WINDOWS_1250), None).0, polish);
        for western in [
            "Owner,Asset\nFrançois Müller,Système de paie à Genève\n",
            "Eigentümer,Anlage\nJürgen Groß,Lohnbuchhaltung\n",
            "Propietario,Activo\nSeñora Peña,Nómina\n",
            "Ejer,Aktiv\nSøren Ærø,Lønsystem på Åland\n",
        ] {
            let bytes = encoded(western, WINDOWS_1252);
            let (text, used) = decode(&bytes, None);
            assert_eq!((text.as_ref(), used), (western, WINDOWS_1252));
        }
    }

    #[test]
    fn unicode_files_and_a_named_charset_are_read_as_such() {
        let greek = "Ιδιοκτήτης,Πάγιο\nΜαρία,Διακομιστής\n";
        assert_eq!(decode(greek.as_bytes(), None), (greek.into(), UTF_8));
        let mut le = vec![0xFF, 0xFE];
        le.extend(greek.encode_utf16().flat_map(|u| u.to_le_bytes()));
        assert_eq!(decode(&le, None), (greek.into(), UTF_16LE));
        let mut be = vec![0xFE, 0xFF];
        be.extend(greek.encode_utf16().flat_map(|u| u.to_be_bytes()));
        assert_eq!(decode(&be, None).0, greek);
        // Named: the bytes are read in that set, whatever they look like.
        let bytes = encoded("Jiří", WINDOWS_1250);
        assert_eq!(decode(&bytes, Some(WINDOWS_1252)).0, "Jiøí");
        assert_eq!(parse("CP1250").unwrap(), WINDOWS_1250);
        assert_eq!(parse("latin2").unwrap(), ISO_8859_2);
        assert!(
            parse("klingon")
                .unwrap_err()
                .to_string()
                .contains("windows-1250")
        );
        assert_eq!(label(WINDOWS_1250), "Windows-1250 (Central European)");
    }
}
