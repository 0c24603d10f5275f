//! The fonts of Annex's PDFs and the measuring of text set in them.
//!
//! DejaVu Sans, regular and bold, ships inside the binary (`assets/fonts`, Bitstream Vera
//! licence): Latin with every European accent, Greek and Cyrillic print on any machine.
//! A character DejaVu lacks (Japanese, Chinese, Korean, Thai, ...) is set in the first font
//! installed on the system that has it, found once per process with `fontdb`; a character
//! no font has is drawn as DejaVu's empty box and its script named on the cover (see
//! [`missing_scripts`]). krilla embeds only the glyphs a document uses (subsetting) and maps
//! them back to their characters, so text can be searched and copied.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, OnceLock};

static REGULAR_TTF: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

/// The two weights the documents use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Weight {
    Regular,
    Bold,
}

/// A font face: its metrics for measuring and the font krilla embeds.
pub(super) struct Face {
    metrics: ttf_parser::Face<'static>,
    pub(super) font: krilla::text::Font,
    units_per_em: f32,
}

impl std::fmt::Debug for Face {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Face")
            .field("units_per_em", &self.units_per_em)
            .finish_non_exhaustive()
    }
}

impl Face {
    fn new(data: &'static [u8], index: u32) -> Option<Face> {
        let metrics = ttf_parser::Face::parse(data, index).ok()?;
        let units_per_em = f32::from(metrics.units_per_em());
        if units_per_em <= 0.0 {
            return None;
        }
        let font = krilla::text::Font::new(krilla::Data::from(data), index)?;
        Some(Face {
            metrics,
            font,
            units_per_em,
        })
    }

    fn has(&self, c: char) -> bool {
        self.metrics.glyph_index(c).is_some_and(|g| g.0 != 0)
    }

    /// Advance width of a character in em (that of the missing-glyph box when the face
    /// lacks it).
    fn advance(&self, c: char) -> f32 {
        let glyph = self
            .metrics
            .glyph_index(c)
            .unwrap_or(ttf_parser::GlyphId(0));
        f32::from(self.metrics.glyph_hor_advance(glyph).unwrap_or(0)) / self.units_per_em
    }
}

/// DejaVu Sans in the weight asked for (`None` only if the binary's own font data were
/// broken, which [`available`] reports and a test rules out).
fn builtin(weight: Weight) -> Option<&'static Face> {
    static FACES: OnceLock<(Option<Face>, Option<Face>)> = OnceLock::new();
    let (regular, bold) = FACES.get_or_init(|| (Face::new(REGULAR_TTF, 0), Face::new(BOLD_TTF, 0)));
    match weight {
        Weight::Regular => regular.as_ref(),
        Weight::Bold => bold.as_ref(),
    }
}

/// Whether the built-in fonts can be used.
pub(super) fn available() -> bool {
    builtin(Weight::Regular).is_some() && builtin(Weight::Bold).is_some()
}

/// Characters that need no glyph: they are never drawn (line breaks are handled before).
fn invisible(c: char) -> bool {
    c.is_control() || c == '\u{FEFF}' || c == '\u{200B}'
}

/// The face a character is set in: DejaVu when it has the character, else a system font
/// that has it, else DejaVu (which draws its empty box).
fn face_for(c: char, weight: Weight) -> Option<&'static Face> {
    let own = builtin(weight)?;
    if own.has(c) || invisible(c) || c == ' ' {
        return Some(own);
    }
    Some(system().face_for(c, weight).unwrap_or(own))
}

/// Width of a text in em.
pub(super) fn width(text: &str, weight: Weight) -> f32 {
    text.chars().map(|c| advance(c, weight)).sum()
}

/// Width of one character in em.
pub(super) fn advance(c: char, weight: Weight) -> f32 {
    face_for(c, weight).map_or(0.5, |f| f.advance(c))
}

/// Splits a line into runs set in one face each, with each run's width in em.
pub(super) fn runs(text: &str, weight: Weight) -> Vec<(&'static Face, &str, f32)> {
    let mut out: Vec<(&'static Face, &str, f32)> = Vec::new();
    let mut start = 0;
    let mut current: Option<&'static Face> = None;
    let mut run_width = 0.0;
    for (i, c) in text.char_indices() {
        let Some(face) = face_for(c, weight) else {
            return Vec::new();
        };
        if let Some(cur) = current
            && !std::ptr::eq(cur, face)
        {
            out.push((cur, &text[start..i], run_width));
            start = i;
            run_width = 0.0;
        }
        current = Some(face);
        run_width += face.advance(c);
    }
    if let Some(cur) = current {
        out.push((cur, &text[start..], run_width));
    }
    out
}

/// The scripts (by name, sorted) of the characters of `texts` that no font can show.
pub(super) fn missing_scripts<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    use unicode_script::UnicodeScript;
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut checked: BTreeSet<char> = BTreeSet::new();
    for text in texts {
        for c in text.chars() {
            if invisible(c) || c.is_whitespace() || !checked.insert(c) {
                continue;
            }
            let shown = [Weight::Regular, Weight::Bold]
                .iter()
                .any(|w| face_for(c, *w).is_some_and(|f| f.has(c)));
            if !shown {
                let name = match c.script() {
                    unicode_script::Script::Common | unicode_script::Script::Unknown => {
                        "symbol".to_string()
                    }
                    script => script.full_name().replace('_', " "),
                };
                seen.insert(name);
            }
        }
    }
    seen.into_iter().collect()
}

/// The fonts installed on the system, listed on the first character DejaVu lacks.
struct System {
    db: fontdb::Database,
    /// Candidate faces, in the order they are tried.
    faces: Vec<Candidate>,
    /// What each character resolved to, so that each is looked up once.
    chosen: Mutex<HashMap<(char, Weight), Option<usize>>>,
}

struct Candidate {
    id: fontdb::ID,
    bold: bool,
    /// The characters the face has, sorted; read from its file on first need.
    coverage: OnceLock<Vec<u32>>,
    /// The face itself, read once it is chosen for a character; it lives as long as the
    /// process (a document uses few fonts, and each is read once).
    face: OnceLock<Option<&'static Face>>,
}

/// At most this many characters are remembered (each is small; the cap keeps a hostile
/// document from growing the map without end).
const MAX_REMEMBERED: usize = 65_536;

fn system() -> &'static System {
    static SYSTEM: OnceLock<System> = OnceLock::new();
    SYSTEM.get_or_init(System::load)
}

impl System {
    fn load() -> System {
        let mut db = fontdb::Database::new();
        db.load_system_fonts();
        let mut infos: Vec<(bool, bool, String, u16, fontdb::ID)> = db
            .faces()
            .filter(|f| f.style == fontdb::Style::Normal)
            .map(|f| {
                let family = f
                    .families
                    .first()
                    .map(|(n, _)| n.clone())
                    .unwrap_or_default();
                let sans = family.contains("Sans") || family.contains("Gothic");
                (!sans, f.monospaced, family, f.weight.0, f.id)
            })
            .collect();
        // Sans before serif, proportional before monospaced, then by name: the same
        // machine always chooses the same font.
        infos.sort_by(|a, b| (a.0, a.1, &a.2, a.3).cmp(&(b.0, b.1, &b.2, b.3)));
        let faces = infos
            .into_iter()
            .map(|(_, _, _, weight, id)| Candidate {
                id,
                bold: weight >= 600,
                coverage: OnceLock::new(),
                face: OnceLock::new(),
            })
            .collect();
        System {
            db,
            faces,
            chosen: Mutex::new(HashMap::new()),
        }
    }

    fn face_for(&self, c: char, weight: Weight) -> Option<&'static Face> {
        let key = (c, weight);
        if let Some(found) = self.chosen.lock().ok().and_then(|m| m.get(&key).copied()) {
            return found.and_then(|i| self.faces[i].face(&self.db));
        }
        let want_bold = weight == Weight::Bold;
        // The weight asked for first, then any weight.
        let order = (0..self.faces.len())
            .filter(|i| self.faces[*i].bold == want_bold)
            .chain((0..self.faces.len()).filter(|i| self.faces[*i].bold != want_bold));
        let mut found = None;
        for i in order {
            if self.faces[i].covers(&self.db, c) && self.faces[i].face(&self.db).is_some() {
                found = Some(i);
                break;
            }
        }
        if let Ok(mut map) = self.chosen.lock()
            && map.len() < MAX_REMEMBERED
        {
            map.insert(key, found);
        }
        found.and_then(|i| self.faces[i].face(&self.db))
    }
}

impl Candidate {
    fn covers(&self, db: &fontdb::Database, c: char) -> bool {
        self.coverage
            .get_or_init(|| db.with_face_data(self.id, codepoints).unwrap_or_default())
            .binary_search(&u32::from(c))
            .is_ok()
    }

    fn face(&self, db: &fontdb::Database) -> Option<&'static Face> {
        *self.face.get_or_init(|| {
            let (data, index) = db.with_face_data(self.id, |data, index| (data.to_vec(), index))?;
            let face = Face::new(Box::leak(data.into_boxed_slice()), index)?;
            Some(&*Box::leak(Box::new(face)))
        })
    }
}

/// The characters a face has a glyph for, sorted.
fn codepoints(data: &[u8], index: u32) -> Vec<u32> {
    let Ok(face) = ttf_parser::Face::parse(data, index) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(cmap) = face.tables().cmap {
        for table in cmap.subtables.into_iter().filter(|t| t.is_unicode()) {
            table.codepoints(|cp| {
                if table.glyph_index(cp).is_some_and(|g| g.0 != 0) {
                    out.push(cp);
                }
            });
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}
