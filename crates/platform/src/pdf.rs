//! Accessible PDF documents (certificates, attendance sheets): a document is a list of blocks —
//! title, headings, paragraphs, tables, a figure — laid out on A4 pages and written as a **tagged
//! PDF** checked by krilla's PDF/UA-1 validator: every piece of text belongs to a structure element
//! in reading order (H1, H2, P, Table/TR/TH/TD, Figure with its alternative text), rules and page
//! numbers are artifacts, the language and title are declared, and the DejaVu Sans fonts are
//! embedded (subset). A screen reader reads it in order.

use std::num::NonZeroU16;

use krilla::{
    Document, SerializeSettings,
    action::LinkAction,
    annotation::{Annotation, LinkAnnotation, Target},
    configure::{Accessibility, Archival, ConfigurationBuilder},
    destination::XyzDestination,
    geom::{PathBuilder, Point, Rect},
    metadata::{DateTime, Metadata},
    outline::{Outline, OutlineNode},
    page::PageSettings,
    paint::{Fill, Stroke},
    surface::Surface,
    tagging::{
        Artifact, ArtifactType, ContentTag, Identifier, SpanTag, TableHeaderScope, Tag, TagGroup, TagKind, TagTree,
    },
    text::{Font, TextDirection},
};
use skrifa::{MetadataProvider, instance::LocationRef, instance::Size};

static REGULAR: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-Bold.ttf");

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 48.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
const BOTTOM: f32 = PAGE_H - MARGIN - 20.0;
const CELL_PAD: f32 = 3.0;

/// What a document is made of, in reading order.
#[derive(Debug, Clone)]
pub enum Block {
    /// The document's title (H1).
    Title(String),
    /// A section heading (H2).
    Heading(String),
    /// A paragraph.
    Paragraph(String),
    /// A paragraph set in bold and larger (a score, a verdict).
    Lead(String),
    /// Label–value pairs (a table whose first column heads its rows).
    Facts(Vec<(String, String)>),
    /// A table: column headers, rows, relative column widths; `min_row` is the least row height
    /// (room to sign, on an attendance sheet).
    Table {
        /// Column headers.
        headers: Vec<String>,
        /// Rows of cells.
        rows: Vec<Vec<String>>,
        /// Relative widths of the columns.
        widths: Vec<f32>,
        /// Least height of a row, in points.
        min_row: f32,
    },
    /// A line of text that is a link (a web address), opened when clicked.
    Link {
        /// What is shown.
        text: String,
        /// Where it leads.
        url: String,
        /// What the link does, for assistive technologies.
        alt: String,
    },
    /// What follows starts on a new page (one attestation per page of a class's document).
    PageBreak,
    /// A square figure of dark and light modules (a QR code), with its alternative text.
    Modules {
        /// What the figure is, for who cannot see it.
        alt: String,
        /// Rows of modules, `true` is dark.
        modules: Vec<Vec<bool>>,
        /// Side of the figure, in points.
        side: f32,
    },
}

/// A document to write.
#[derive(Debug, Clone)]
pub struct Doc {
    /// Language of the text (`fr`, `en`).
    pub lang: &'static str,
    /// Title (metadata, shown by readers in the window title).
    pub title: String,
    /// Repeated at the bottom of every page with the page number (an artifact).
    pub footer: String,
    /// Date of the document (PDF/A records it).
    pub date: time::Date,
    /// Content.
    pub blocks: Vec<Block>,
}

/// Why a document could not be written.
#[derive(Debug, thiserror::Error)]
#[error("PDF: {0}")]
pub struct PdfError(String);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Weight {
    Regular,
    Bold,
}

fn face(weight: Weight) -> &'static [u8] {
    match weight {
        Weight::Regular => REGULAR,
        Weight::Bold => BOLD,
    }
}

/// Width of a line of text, from the font's advances (no kerning: wrapping only needs an upper bound
/// close enough).
fn text_width(weight: Weight, size: f32, text: &str) -> f32 {
    let Ok(font) = skrifa::FontRef::new(face(weight)) else { return text.chars().count() as f32 * size * 0.6 };
    let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
    let charmap = font.charmap();
    text.chars().map(|c| charmap.map(c).and_then(|g| metrics.advance_width(g)).unwrap_or(size * 0.6)).sum()
}

/// The text with every character the font cannot draw replaced by `?` (PDF/UA and PDF/A refuse a
/// missing glyph: a name in a script the font lacks must not make the document fail).
fn drawable(text: &str) -> String {
    let Ok(font) = skrifa::FontRef::new(REGULAR) else { return text.to_owned() };
    let charmap = font.charmap();
    text.chars().map(|c| if c.is_whitespace() || charmap.map(c).is_some() { c } else { '?' }).collect()
}

/// Greedy line breaking at spaces; a word longer than the line is cut.
fn wrap(weight: Weight, size: f32, text: &str, max: f32) -> Vec<String> {
    let text = drawable(text);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if text_width(weight, size, &candidate) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if text_width(weight, size, &piece) > max && piece.chars().count() > 1 {
                    piece.pop();
                    lines.push(std::mem::take(&mut piece));
                    piece.push(c);
                }
            }
            line = piece;
        }
        lines.push(line);
    }
    lines
}

/// One thing drawn on a page. Text with a slot belongs to that structure element; without, it is
/// an artifact.
enum Item {
    Text {
        x: f32,
        baseline: f32,
        size: f32,
        weight: Weight,
        text: String,
        slot: Option<usize>,
    },
    Rule {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
    },
    Modules {
        x: f32,
        y: f32,
        module: f32,
        modules: Vec<Vec<bool>>,
        slot: usize,
    },
    /// The clickable area of a link (an annotation of the page, tagged in `slot`).
    LinkArea {
        rect: (f32, f32, f32, f32),
        url: String,
        alt: String,
        slot: usize,
    },
}

/// The logical structure, in reading order; leaves are slots that gather the marked content drawn
/// for them (a paragraph can run over two pages).
enum Node {
    /// Level, text, slot, page and top of the heading (for the outline).
    Heading(u16, String, usize, usize, f32),
    Paragraph(usize),
    Table(Vec<Vec<(Cell, usize)>>),
    Figure(String, usize),
    /// A paragraph made of a link: its text's slot and its annotation's slot.
    Link(usize, usize),
}

#[derive(Clone, Copy)]
enum Cell {
    ColumnHeader,
    RowHeader,
    Data,
}

struct Layout {
    pages: Vec<Vec<Item>>,
    nodes: Vec<Node>,
    slots: usize,
    y: f32,
}

impl Layout {
    fn new() -> Layout {
        Layout { pages: vec![Vec::new()], nodes: Vec::new(), slots: 0, y: MARGIN }
    }

    fn slot(&mut self) -> usize {
        self.slots += 1;
        self.slots - 1
    }

    fn page(&mut self) -> &mut Vec<Item> {
        self.pages.last_mut().expect("a page")
    }

    /// Starts a new page unless `height` still fits on this one.
    fn room(&mut self, height: f32) -> bool {
        if self.y + height > BOTTOM && self.y > MARGIN {
            self.pages.push(Vec::new());
            self.y = MARGIN;
            return true;
        }
        false
    }

    fn text_block(&mut self, text: &str, size: f32, weight: Weight, after: f32, slot: usize) {
        let leading = size * 1.35;
        for line in wrap(weight, size, text, CONTENT_W) {
            self.room(leading);
            let baseline = self.y + size;
            self.page().push(Item::Text { x: MARGIN, baseline, size, weight, text: line, slot: Some(slot) });
            self.y += leading;
        }
        self.y += after;
    }

    fn table(&mut self, headers: &[String], rows: &[Vec<String>], widths: &[f32], min_row: f32, row_headers: bool) {
        let size = 9.5;
        let leading = size * 1.3;
        let total: f32 = widths.iter().sum();
        let columns: Vec<f32> = widths.iter().map(|w| w / total * CONTENT_W).collect();
        let mut structure = Vec::new();
        // Lines of each cell, wrapped to its column.
        let lay = |cells: &[String], bold_first: bool, bold_all: bool| -> Vec<(Vec<String>, Weight)> {
            cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let weight = if bold_all || (bold_first && i == 0) { Weight::Bold } else { Weight::Regular };
                    let width = columns.get(i).copied().unwrap_or(CONTENT_W) - 2.0 * CELL_PAD;
                    (wrap(weight, size, c, width), weight)
                })
                .collect()
        };
        let height_of = |cells: &[(Vec<String>, Weight)], min: f32| -> f32 {
            let lines = cells.iter().map(|(l, _)| l.len()).max().unwrap_or(1) as f32;
            (lines * leading + 2.0 * CELL_PAD).max(min)
        };
        let header = (!headers.is_empty()).then(|| lay(headers, false, true));
        let header_height = header.as_ref().map_or(0.0, |h| height_of(h, 0.0));
        let draw_row = |layout: &mut Layout, cells: &[(Vec<String>, Weight)], height: f32, slots: Option<&[usize]>| {
            let top = layout.y;
            let mut x = MARGIN;
            layout.page().push(Item::Rule { x1: MARGIN, y1: top, x2: MARGIN + CONTENT_W, y2: top });
            for (i, (lines, weight)) in cells.iter().enumerate() {
                for (n, line) in lines.iter().enumerate() {
                    let baseline = top + CELL_PAD + size + n as f32 * leading;
                    let slot = slots.map(|s| s[i]);
                    layout.page().push(Item::Text {
                        x: x + CELL_PAD,
                        baseline,
                        size,
                        weight: *weight,
                        text: line.clone(),
                        slot,
                    });
                }
                x += columns.get(i).copied().unwrap_or(0.0);
            }
            layout.page().push(Item::Rule { x1: MARGIN, y1: top + height, x2: MARGIN + CONTENT_W, y2: top + height });
            let mut x = MARGIN;
            for w in std::iter::once(0.0).chain(columns.iter().copied()) {
                x += w;
                layout.page().push(Item::Rule { x1: x, y1: top, x2: x, y2: top + height });
            }
            layout.y += height;
        };
        if let Some(h) = &header {
            self.room(header_height + leading * 2.0);
            let slots: Vec<usize> = (0..h.len()).map(|_| self.slot()).collect();
            draw_row(self, h, header_height, Some(&slots));
            structure.push(slots.iter().map(|s| (Cell::ColumnHeader, *s)).collect());
        }
        for row in rows {
            let cells = lay(row, row_headers, false);
            let height = height_of(&cells, min_row);
            if self.room(height) {
                // The column headers again at the top of the new page, as decoration: the
                // structure has them once.
                if let Some(h) = &header {
                    draw_row(self, h, header_height, None);
                }
            }
            let slots: Vec<usize> = (0..cells.len()).map(|_| self.slot()).collect();
            draw_row(self, &cells, height, Some(&slots));
            structure.push(
                slots
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (if row_headers && i == 0 { Cell::RowHeader } else { Cell::Data }, *s))
                    .collect(),
            );
        }
        self.nodes.push(Node::Table(structure));
        self.y += 12.0;
    }

    fn block(&mut self, block: &Block) {
        match block {
            Block::Title(text) => {
                let slot = self.slot();
                self.nodes.push(Node::Heading(1, text.clone(), slot, self.pages.len() - 1, self.y));
                self.text_block(text, 20.0, Weight::Bold, 10.0, slot);
            }
            Block::PageBreak => {
                if self.y > MARGIN {
                    self.pages.push(Vec::new());
                    self.y = MARGIN;
                }
            }
            Block::Heading(text) => {
                let slot = self.slot();
                self.room(60.0);
                self.y += 6.0;
                self.nodes.push(Node::Heading(2, text.clone(), slot, self.pages.len() - 1, self.y));
                self.text_block(text, 13.0, Weight::Bold, 4.0, slot);
            }
            Block::Paragraph(text) => {
                let slot = self.slot();
                self.nodes.push(Node::Paragraph(slot));
                self.text_block(text, 10.5, Weight::Regular, 6.0, slot);
            }
            Block::Lead(text) => {
                let slot = self.slot();
                self.nodes.push(Node::Paragraph(slot));
                self.text_block(text, 14.0, Weight::Bold, 8.0, slot);
            }
            Block::Facts(pairs) => {
                let rows: Vec<Vec<String>> = pairs.iter().map(|(k, v)| vec![k.clone(), v.clone()]).collect();
                self.table(&[], &rows, &[2.0, 3.0], 0.0, true);
            }
            Block::Table { headers, rows, widths, min_row } => self.table(headers, rows, widths, *min_row, false),
            Block::Link { text, url, alt } => {
                let (text_slot, area_slot) = (self.slot(), self.slot());
                self.nodes.push(Node::Link(text_slot, area_slot));
                let (size, top) = (10.5, self.y);
                let first_page = self.pages.len();
                self.text_block(text, size, Weight::Regular, 0.0, text_slot);
                // The clickable area covers the text (on its last page, if it ran over).
                let top = if self.pages.len() == first_page { top } else { MARGIN };
                let width = text_width(Weight::Regular, size, text).min(CONTENT_W);
                let rect = (MARGIN, top, width, self.y - top);
                self.page().push(Item::LinkArea { rect, url: url.clone(), alt: alt.clone(), slot: area_slot });
                self.y += 6.0;
            }
            Block::Modules { alt, modules, side } => {
                self.room(*side + 8.0);
                let slot = self.slot();
                let module = side / modules.len().max(1) as f32;
                let (x, y) = (MARGIN, self.y);
                self.page().push(Item::Modules { x, y, module, modules: modules.clone(), slot });
                self.nodes.push(Node::Figure(alt.clone(), slot));
                self.y += side + 8.0;
            }
        }
    }
}

fn stroke() -> Stroke {
    Stroke { width: 0.5, ..Stroke::default() }
}

fn draw(surface: &mut Surface, item: &Item, fonts: &(Font, Font)) -> Option<(usize, Identifier)> {
    match item {
        Item::Text { x, baseline, size, weight, text, slot } => {
            let tag = match slot {
                Some(_) => ContentTag::Span(SpanTag::empty()),
                None => ContentTag::Artifact(Artifact::new(ArtifactType::Header, None)),
            };
            let id = surface.start_tagged(tag);
            surface.set_fill(Some(Fill::default()));
            let font = if *weight == Weight::Bold { fonts.1.clone() } else { fonts.0.clone() };
            surface.draw_text(Point::from_xy(*x, *baseline), font, *size, text, false, TextDirection::Auto);
            surface.end_tagged();
            slot.map(|s| (s, id))
        }
        Item::Rule { x1, y1, x2, y2 } => {
            surface.start_tagged(ContentTag::Artifact(Artifact::new(ArtifactType::Other, None)));
            let mut path = PathBuilder::new();
            path.move_to(*x1, *y1);
            path.line_to(*x2, *y2);
            if let Some(path) = path.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(stroke()));
                surface.draw_path(&path);
                surface.set_stroke(None);
            }
            surface.end_tagged();
            None
        }
        Item::Modules { x, y, module, modules, slot } => {
            let id = surface.start_tagged(ContentTag::Other);
            let mut path = PathBuilder::new();
            for (r, row) in modules.iter().enumerate() {
                for (c, dark) in row.iter().enumerate() {
                    if *dark
                        && let Some(rect) =
                            Rect::from_xywh(x + c as f32 * module, y + r as f32 * module, *module, *module)
                    {
                        path.push_rect(rect);
                    }
                }
            }
            if let Some(path) = path.finish() {
                surface.set_stroke(None);
                surface.set_fill(Some(Fill::default()));
                surface.draw_path(&path);
            }
            surface.end_tagged();
            Some((*slot, id))
        }
        // Annotations belong to the page, not to its content: added after drawing.
        Item::LinkArea { .. } => None,
    }
}

fn group(kind: impl Into<TagKind>, ids: Vec<Identifier>) -> TagGroup {
    let mut g = TagGroup::new(kind);
    for id in ids {
        g.push(id);
    }
    g
}

/// PDFs rendered at once on this node: rendering is CPU work (fonts, layout, PDF/UA validation) and
/// runs on the blocking pool, never on the threads that serve requests and live screens.
static RENDERING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Renders a document off the async threads, two at a time per node.
pub async fn render_off_thread(doc: Doc) -> Result<Vec<u8>, crate::web::error::AppError> {
    use crate::web::error::AppError;
    let _permit = RENDERING.acquire().await.map_err(|e| AppError::Internal(e.into()))?;
    tokio::task::spawn_blocking(move || render(&doc))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::Internal(e.into()))
}

/// Writes the document as a tagged PDF that passes krilla's PDF/UA-1 validation.
pub fn render(doc: &Doc) -> Result<Vec<u8>, PdfError> {
    let mut layout = Layout::new();
    for block in &doc.blocks {
        layout.block(block);
    }
    let fonts = (
        Font::new(REGULAR.into(), 0).ok_or_else(|| PdfError("regular font".into()))?,
        Font::new(BOLD.into(), 0).ok_or_else(|| PdfError("bold font".into()))?,
    );
    // PDF/UA-1 for screen readers, PDF/A-2a so that a certificate stays readable for decades.
    let configuration = ConfigurationBuilder::new()
        .with_accessibility_validator(Accessibility::UA1)
        .with_archival_validator(Archival::A2_A)
        .finish()
        .map_err(|e| PdfError(format!("{e:?}")))?;
    let settings = SerializeSettings { configuration, ..SerializeSettings::default() };
    let mut document = Document::new_with(settings);
    let mut ids: Vec<Vec<Identifier>> = (0..layout.slots).map(|_| Vec::new()).collect();
    let count = layout.pages.len();
    for (n, items) in layout.pages.iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| PdfError("page size".into()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for item in items {
            if let Some((slot, id)) = draw(&mut surface, item, &fonts) {
                ids[slot].push(id);
            }
        }
        let footer = format!("{} — {}/{}", doc.footer, n + 1, count);
        let foot = Item::Text {
            x: MARGIN,
            baseline: PAGE_H - MARGIN + 10.0,
            size: 8.0,
            weight: Weight::Regular,
            text: footer,
            slot: None,
        };
        draw(&mut surface, &foot, &fonts);
        surface.finish();
        for item in items {
            if let Item::LinkArea { rect: (x, y, w, h), url, alt, slot } = item {
                let rect =
                    Rect::from_xywh(*x, *y, w.max(1.0), h.max(1.0)).ok_or_else(|| PdfError("link area".into()))?;
                let target = Target::Action(LinkAction::new(url.clone()).into());
                let id = page
                    .add_tagged_annotation(Annotation::new_link(LinkAnnotation::new(rect, target), Some(alt.clone())));
                ids[*slot].push(id);
            }
        }
        page.finish();
    }
    let mut take = |slot: usize| std::mem::take(&mut ids[slot]);
    let mut tree = TagTree::new().with_lang(Some(doc.lang.to_owned()));
    // The outline (bookmarks) lists the headings: PDF/UA asks for it.
    let mut outline = Outline::new();
    for node in &layout.nodes {
        match node {
            Node::Heading(level, title, slot, page, top) => {
                outline.push_child(OutlineNode::new(
                    title.clone(),
                    XyzDestination::new(*page, Point::from_xy(MARGIN, *top)),
                ));
                let level = NonZeroU16::new(*level).unwrap_or(NonZeroU16::MIN);
                tree.push(group(Tag::Hn(level, Some(title.clone())), take(*slot)));
            }
            Node::Paragraph(slot) => tree.push(group(Tag::P, take(*slot))),
            Node::Figure(alt, slot) => tree.push(group(Tag::Figure(Some(alt.clone())), take(*slot))),
            Node::Link(text, area) => {
                let mut ids = take(*text);
                ids.extend(take(*area));
                let mut paragraph = TagGroup::new(Tag::P);
                paragraph.push(group(Tag::Link, ids));
                tree.push(paragraph);
            }
            Node::Table(rows) => {
                let mut table = TagGroup::new(Tag::Table);
                for row in rows {
                    let mut tr = TagGroup::new(Tag::TR);
                    for (cell, slot) in row {
                        let ids = take(*slot);
                        let cell = match cell {
                            Cell::ColumnHeader => group(Tag::TH(TableHeaderScope::Column), ids),
                            Cell::RowHeader => group(Tag::TH(TableHeaderScope::Row), ids),
                            Cell::Data => group(Tag::TD, ids),
                        };
                        tr.push(cell);
                    }
                    table.push(tr);
                }
                tree.push(table);
            }
        }
    }
    document.set_tag_tree(tree);
    document.set_outline(outline);
    let date = DateTime::new(u16::try_from(doc.date.year()).unwrap_or(2000))
        .month(u8::from(doc.date.month()))
        .day(doc.date.day());
    document.set_metadata(
        Metadata::new()
            .title(doc.title.clone())
            .language(doc.lang.to_owned())
            .creator("Pix".to_owned())
            .creation_date(date),
    );
    document.finish().map_err(|e| PdfError(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_wraps_within_the_width_and_keeps_every_word() {
        let text = "Attestation de réussite à la certification Pix ".repeat(12);
        let lines = wrap(Weight::Regular, 10.5, &text, 200.0);
        assert!(lines.len() > 5);
        assert!(lines.iter().all(|l| text_width(Weight::Regular, 10.5, l) <= 200.0));
        assert_eq!(lines.join(" ").split_whitespace().count(), text.split_whitespace().count());
    }

    /// The text of the structure tree, in its order (what a screen reader reads).
    fn reading_order(doc: &Doc) -> Vec<String> {
        let mut layout = Layout::new();
        doc.blocks.iter().for_each(|b| layout.block(b));
        let mut by_slot: Vec<Vec<String>> = vec![Vec::new(); layout.slots];
        for item in layout.pages.iter().flatten() {
            if let Item::Text { text, slot: Some(s), .. } = item {
                by_slot[*s].push(text.clone());
            }
        }
        let mut out = Vec::new();
        for node in &layout.nodes {
            match node {
                Node::Heading(_, _, s, _, _) | Node::Paragraph(s) | Node::Link(s, _) => out.push(by_slot[*s].join(" ")),
                Node::Figure(alt, _) => out.push(alt.clone()),
                Node::Table(rows) => {
                    for row in rows {
                        out.push(row.iter().map(|(_, s)| by_slot[*s].join(" ")).collect::<Vec<_>>().join(" | "));
                    }
                }
            }
        }
        out
    }

    #[test]
    fn the_structure_reads_in_document_order_across_pages_with_headers_once() {
        let rows: Vec<Vec<String>> = (0..60).map(|i| vec![format!("Candidat {i}"), String::new()]).collect();
        let doc = Doc {
            lang: "fr",
            title: "T".into(),
            footer: "F".into(),
            date: time::macros::date!(2026 - 11 - 29),
            blocks: vec![
                Block::Title("Titre".into()),
                Block::Table {
                    headers: vec!["Nom".into(), "Signature".into()],
                    rows,
                    widths: vec![1.0, 1.0],
                    min_row: 30.0,
                },
                Block::Paragraph("Fin du document".into()),
            ],
        };
        let order = reading_order(&doc);
        assert_eq!(order.len(), 1 + 1 + 60 + 1);
        assert_eq!((order[0].as_str(), order[1].as_str()), ("Titre", "Nom | Signature"));
        let expected: Vec<String> = (0..60).map(|i| format!("Candidat {i} | ")).collect();
        assert_eq!(&order[2..62], expected.as_slice());
        assert_eq!(order[62], "Fin du document");
        let mut layout = Layout::new();
        doc.blocks.iter().for_each(|b| layout.block(b));
        let headers_drawn =
            layout.pages.iter().flatten().filter(|i| matches!(i, Item::Text { text, .. } if text == "Nom")).count();
        assert_eq!(headers_drawn, layout.pages.len(), "the headers again on each page, as decoration");
    }

    #[test]
    fn characters_the_font_lacks_do_not_break_the_document() {
        let doc = Doc {
            lang: "fr",
            title: "T".into(),
            footer: "F".into(),
            date: time::macros::date!(2026 - 11 - 29),
            blocks: vec![Block::Facts(vec![("Nom".into(), "王芳 Élodie".into())]), Block::Paragraph("🙂 ok".into())],
        };
        assert!(render(&doc).is_ok());
        assert_eq!(drawable("王芳 Élodie"), "?? Élodie");
    }

    #[test]
    fn a_document_over_several_pages_validates_as_pdf_ua() {
        let rows: Vec<Vec<String>> =
            (0..80).map(|i| vec![format!("Candidat {i}"), "12/04/2001".into(), String::new()]).collect();
        let doc = Doc {
            lang: "fr",
            title: "Feuille d'émargement".into(),
            footer: "Session 1234567".into(),
            date: time::macros::date!(2026 - 11 - 29),
            blocks: vec![
                Block::Title("Feuille d'émargement".into()),
                Block::Facts(vec![("Centre".into(), "Médiathèque Jules Verne".into())]),
                Block::Heading("Candidats".into()),
                Block::Table {
                    headers: vec!["Nom".into(), "Naissance".into(), "Signature".into()],
                    rows,
                    widths: vec![3.0, 2.0, 3.0],
                    min_row: 28.0,
                },
                Block::Modules {
                    alt: "Code QR".into(),
                    modules: vec![vec![true, false], vec![false, true]],
                    side: 40.0,
                },
            ],
        };
        let pdf = render(&doc).expect("valid PDF/UA-1");
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/StructTreeRoot") && text.contains("/MarkInfo"), "tagged");
        let mut layout = Layout::new();
        doc.blocks.iter().for_each(|b| layout.block(b));
        assert!(layout.pages.len() >= 3, "80 rows of 28 pt run over pages");
    }
}
