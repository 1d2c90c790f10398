//! Reading CSV files that people export from spreadsheets (no I/O): the text whatever the encoding
//! and separator, the data lines one by one with their line numbers, and every problem found placed
//! at a line and a column as a spreadsheet shows them (the header is line 1). Learner lists
//! (`prescription::import`) and certification candidates (`certification::import`) are read with it.
//!
//! Files come from spreadsheets: UTF-8 with or without a byte order mark, UTF-16 (Excel's "Unicode
//! text"), or Windows-1252 when Excel saved them; `;` or `,` between fields. A file that is not text
//! (a workbook, a PDF, a picture renamed `.csv`) is refused as a whole with what it looks like, before
//! any of its bytes could be read as column names.

use std::ops::ControlFlow;

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::web::i18n::Lang;

/// Longest accepted field.
pub const MAX_FIELD_CHARS: usize = 255;
/// Most learners in one file (a large university; the file stays under the upload limit).
pub const MAX_ROWS: usize = 50_000;
/// Most problems reported: beyond, the file is clearly not in the format.
pub const MAX_PROBLEMS: usize = 200;
/// Columns a file may have: every format has fewer than 20, so a wider header is a wrong file
/// (and an 8 MB header of empty columns is refused before anything is allocated per column).
pub const MAX_COLUMNS: usize = 100;
/// Free columns a GENERIC list may add to its known ones (each becomes a column of every export).
pub const MAX_FREE_COLUMNS: usize = 20;

/// Names compared as a person would: without case, accents, spaces, hyphens or apostrophes.
pub fn name_key(name: &str) -> String {
    engine::answer::t2(&engine::answer::t1(name))
}

/// What is wrong at a place of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The file has no header line.
    Empty,
    /// The header line lacks a required column.
    MissingColumn,
    /// The header line names a column the format does not have.
    UnknownColumn,
    /// The header line names a column twice.
    DuplicateColumn,
    /// The line does not have as many fields as the header.
    FieldCount {
        /// Fields of the header.
        expected: usize,
        /// Fields of the line.
        found: usize,
    },
    /// A required field is empty.
    Required,
    /// Not a date `jj/mm/aaaa`, or not a plausible birth date.
    Date,
    /// Longer than [`MAX_FIELD_CHARS`].
    TooLong,
    /// The sex code is not M, F, 1 or 2.
    Sex,
    /// The birth country is not a 5-digit INSEE code.
    Country,
    /// Born in France without the city's code, or abroad without the city's name.
    BirthCity,
    /// Not an email address.
    Email,
    /// The student number has other characters than letters, digits, `-` and `_`.
    StudentNumber,
    /// The same learner is on an earlier line.
    Duplicate {
        /// The earlier line.
        first_line: usize,
    },
    /// More than [`MAX_ROWS`] learners.
    TooManyRows,
    /// A header wider than [`MAX_COLUMNS`].
    TooManyColumns,
    /// More than [`MAX_FREE_COLUMNS`] free columns.
    TooManyFreeColumns,
    /// The line cannot be read as CSV.
    Malformed,
    /// A rule of a form (its Fluent message id), for files that fill forms (certification sessions).
    Field(String),
    /// The file is not a CSV file but this kind of document.
    NotCsv(FileKind),
}

/// What a file that is not text looks like, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// An Excel workbook (`.xlsx`: a ZIP archive holding `xl/`).
    Xlsx,
    /// An Excel 97–2003 workbook (`.xls`: an OLE2 compound file).
    Xls,
    /// An OpenDocument spreadsheet (`.ods`).
    Ods,
    /// Another ZIP archive (a Word document, a folder compressed).
    Zip,
    /// A PDF document.
    Pdf,
    /// A picture (PNG, JPEG, GIF).
    Image,
    /// Some other binary file.
    Binary,
}

impl FileKind {
    /// Fluent message id of the refusal.
    pub fn code(self) -> &'static str {
        match self {
            FileKind::Xlsx => "import-error-not-csv-xlsx",
            FileKind::Xls => "import-error-not-csv-xls",
            FileKind::Ods => "import-error-not-csv-ods",
            FileKind::Zip => "import-error-not-csv-zip",
            FileKind::Pdf => "import-error-not-csv-pdf",
            FileKind::Image => "import-error-not-csv-image",
            FileKind::Binary => "import-error-not-csv-binary",
        }
    }

    /// What the first bytes of a file say it is, when they say it is not text.
    pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
        let head = &bytes[..bytes.len().min(4096)];
        if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
            // An OpenDocument file names its type first; a workbook holds `xl/` entries.
            let names = |needle: &[u8]| bytes.windows(needle.len()).take(64 * 1024).any(|w| w == needle);
            return Some(if names(b"application/vnd.oasis.opendocument.spreadsheet") {
                FileKind::Ods
            } else if names(b"xl/") {
                FileKind::Xlsx
            } else {
                FileKind::Zip
            });
        }
        if head.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
            return Some(FileKind::Xls);
        }
        if head.starts_with(b"%PDF-") {
            return Some(FileKind::Pdf);
        }
        if head.starts_with(b"\x89PNG") || head.starts_with(b"\xFF\xD8\xFF") || head.starts_with(b"GIF8") {
            return Some(FileKind::Image);
        }
        if utf16_without_bom(head).is_some() {
            return None;
        }
        // Text has no NUL and no control characters but tabs and line ends; one or two are a
        // damaged line, many are a binary file.
        let controls = head.iter().filter(|b| matches!(b, 1..=8 | 11 | 12 | 14..=31)).count();
        (head.contains(&0) || (controls >= 3 && controls * 20 > head.len())).then_some(FileKind::Binary)
    }
}

/// UTF-16 without a byte order mark, recognised by the zero byte of every ASCII character: the
/// encoding, little- or big-endian.
fn utf16_without_bom(head: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let pairs: Vec<&[u8]> = head.chunks_exact(2).take(256).collect();
    if pairs.len() < 2 {
        return None;
    }
    let share = |f: &dyn Fn(&[u8]) -> bool| pairs.iter().filter(|p| f(p)).count() * 10 >= pairs.len() * 9;
    if share(&|p| p[1] == 0 && p[0] != 0) {
        Some(encoding_rs::UTF_16LE)
    } else if share(&|p| p[0] == 0 && p[1] != 0) {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    }
}

impl Problem {
    /// Fluent message id.
    pub fn code(&self) -> &str {
        match self {
            Problem::Field(code) => code,
            Problem::Empty => "import-error-empty",
            Problem::MissingColumn => "import-error-missing-column",
            Problem::UnknownColumn => "import-error-unknown-column",
            Problem::DuplicateColumn => "import-error-duplicate-column",
            Problem::FieldCount { .. } => "import-error-field-count",
            Problem::Required => "import-error-required",
            Problem::Date => "import-error-date",
            Problem::TooLong => "import-error-too-long",
            Problem::Sex => "import-error-sex",
            Problem::Country => "import-error-country",
            Problem::BirthCity => "import-error-birth-city",
            Problem::Email => "import-error-email",
            Problem::StudentNumber => "import-error-student-number",
            Problem::Duplicate { .. } => "import-error-duplicate",
            Problem::TooManyRows => "import-error-too-many-rows",
            Problem::TooManyColumns => "import-error-too-many-columns",
            Problem::TooManyFreeColumns => "import-error-too-many-free-columns",
            Problem::Malformed => "import-error-malformed",
            Problem::NotCsv(kind) => kind.code(),
        }
    }

    /// Arguments of the message.
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            Problem::FieldCount { expected, found } => {
                vec![("expected", expected.to_string()), ("found", found.to_string())]
            }
            Problem::Duplicate { first_line } => vec![("first", first_line.to_string())],
            Problem::TooLong => vec![("max", MAX_FIELD_CHARS.to_string())],
            Problem::TooManyRows => vec![("max", MAX_ROWS.to_string())],
            Problem::TooManyColumns => vec![("max", MAX_COLUMNS.to_string())],
            Problem::TooManyFreeColumns => vec![("max", MAX_FREE_COLUMNS.to_string())],
            _ => Vec::new(),
        }
    }
}

/// A problem at a line (1 is the header) and, when it concerns one field, a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    /// Line of the file.
    pub line: usize,
    /// Label of the column.
    pub column: Option<String>,
    /// What is wrong.
    pub problem: Problem,
}

/// Text of a file: UTF-8 (byte order mark removed), UTF-16 (with a byte order mark or recognised
/// without), else Windows-1252; a file that is not text is refused with what it looks like (line 1).
pub fn decode(bytes: &[u8]) -> Result<String, ImportError> {
    let not_text = |kind| ImportError { line: 1, column: None, problem: Problem::NotCsv(kind) };
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let text = encoding.decode_without_bom_handling(&bytes[bom..]).0.into_owned();
        // UTF-16 text holds no NUL once decoded; a file that does is something else.
        if text.contains('\0') {
            return Err(not_text(FileKind::Binary));
        }
        return Ok(text);
    }
    if let Some(kind) = FileKind::sniff(bytes) {
        return Err(not_text(kind));
    }
    if let Some(encoding) = utf16_without_bom(&bytes[..bytes.len().min(4096)]) {
        return Ok(encoding.decode_without_bom_handling(bytes).0.into_owned());
    }
    Ok(match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0.into_owned(),
    })
}

/// The field separator: whichever of `;` and `,` the header line has more of (`;` on a tie,
/// as French spreadsheets write).
pub fn delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    let count = |c| header.matches(c).count();
    if count(',') > count(';') { b',' } else { b';' }
}

/// Refuses a header wider than [`MAX_COLUMNS`].
pub fn check_width(header: &csv::StringRecord) -> Result<(), Vec<ImportError>> {
    if header.len() > MAX_COLUMNS {
        return Err(vec![ImportError { line: 1, column: None, problem: Problem::TooManyColumns }]);
    }
    Ok(())
}

/// Walks the data lines of a CSV file: stops at a malformed record (its line reported) or once
/// [`MAX_PROBLEMS`] are known, skips blank lines, reports a line with the wrong number of fields, and
/// hands every other record with its line number to `each` (which may stop the walk).
pub fn for_each_row(
    records: impl IntoIterator<Item = Result<csv::StringRecord, csv::Error>>,
    width: usize,
    errors: &mut Vec<ImportError>,
    mut each: impl FnMut(usize, &csv::StringRecord, &mut Vec<ImportError>) -> ControlFlow<()>,
) {
    let mut line = 1;
    for record in records {
        if errors.len() >= MAX_PROBLEMS {
            return;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let at = e.position().map_or(line + 1, |p| p.line() as usize);
                errors.push(ImportError { line: at, column: None, problem: Problem::Malformed });
                return;
            }
        };
        line = record.position().map_or(line + 1, |p| p.line() as usize);
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if record.len() != width {
            errors.push(ImportError {
                line,
                column: None,
                problem: Problem::FieldCount { expected: width, found: record.len() },
            });
            continue;
        }
        if each(line, &record, errors).is_break() {
            return;
        }
    }
}

/// `jj/mm/aaaa` (one-digit day and month accepted) as `YYYY-MM-DD`, if it is a real date.
pub fn parse_date(s: &str) -> Option<String> {
    let mut parts = s.trim().split('/');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || d.is_empty() || m.is_empty() || d.len() > 2 || m.len() > 2 {
        return None;
    }
    let (d, m, y): (u8, u8, i32) = (d.parse().ok()?, m.parse().ok()?, y.parse().ok()?);
    let month = time::Month::try_from(m).ok()?;
    let date = time::Date::from_calendar_date(y, month, d).ok()?;
    Some(format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day()))
}

/// A problem of a file as a sentence: `Line 3, column “Email”: …`.
pub fn problem_text(lang: Lang, e: &ImportError) -> String {
    let args = e.problem.args();
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let message = lang.t_args(e.problem.code(), &args);
    if matches!(e.problem, Problem::NotCsv(_)) {
        // The whole file, not a line of it.
        return message;
    }
    let line = e.line.to_string();
    match &e.column {
        Some(column) => lang.t_args(
            "import-error-at-column",
            &[("line", line.as_str()), ("column", column.as_str()), ("message", message.as_str())],
        ),
        None => lang.t_args("import-error-at-line", &[("line", line.as_str()), ("message", message.as_str())]),
    }
}

/// The 422 problem document of a file's problems: each with its `line`, `column`, `code` and
/// `message` (the same sentence as on the page).
pub fn problems_response(lang: Lang, errors: &[ImportError]) -> Response {
    let doc = serde_json::json!({
        "type": "/problems/invalid",
        "title": lang.t("error-invalid-title"),
        "status": 422,
        "detail": lang.t("learners-import-refused"),
        "errors": errors.iter().map(|e| serde_json::json!({
            "field": e.column.clone().unwrap_or_else(|| "file".to_owned()),
            "line": e.line,
            "column": e.column,
            "code": e.problem.code(),
            "message": problem_text(lang, e),
        })).collect::<Vec<_>>(),
    });
    let mut response = (StatusCode::UNPROCESSABLE_ENTITY, doc.to_string()).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        if bom {
            out.extend(if big_endian { [0xFE, 0xFF] } else { [0xFF, 0xFE] });
        }
        for unit in text.encode_utf16() {
            out.extend(if big_endian { unit.to_be_bytes() } else { unit.to_le_bytes() });
        }
        out
    }

    #[test]
    fn every_encoding_a_spreadsheet_writes_is_read() {
        let text = "Nom;Prénom\nLefèvre;Zoé\n";
        assert_eq!(decode(text.as_bytes()).unwrap(), text);
        assert_eq!(decode(&[b"\xEF\xBB\xBF", text.as_bytes()].concat()).unwrap(), text);
        for (big_endian, bom) in [(false, true), (true, true), (false, false), (true, false)] {
            assert_eq!(decode(&utf16(text, big_endian, bom)).unwrap(), text, "UTF-16 be={big_endian} bom={bom}");
        }
        let (latin, _, _) = encoding_rs::WINDOWS_1252.encode(text);
        assert_eq!(decode(&latin).unwrap(), text);
    }

    #[test]
    fn files_that_are_not_text_are_named() {
        let kind = |bytes: &[u8]| match decode(bytes) {
            Err(ImportError { line: 1, column: None, problem: Problem::NotCsv(kind) }) => Some(kind),
            _ => None,
        };
        let mut xlsx = b"PK\x03\x04\x14\x00\x06\x00".to_vec();
        xlsx.extend(b"[Content_Types].xml\x00\x00xl/workbook.xml");
        assert_eq!(kind(&xlsx), Some(FileKind::Xlsx));
        let mut ods = b"PK\x03\x04\x14\x00\x00\x08".to_vec();
        ods.extend(b"mimetypeapplication/vnd.oasis.opendocument.spreadsheetPK");
        assert_eq!(kind(&ods), Some(FileKind::Ods));
        assert_eq!(kind(b"PK\x03\x04word/document.xml"), Some(FileKind::Zip));
        assert_eq!(kind(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00"), Some(FileKind::Xls));
        assert_eq!(kind(b"%PDF-1.7\n%\xE2\xE3"), Some(FileKind::Pdf));
        assert_eq!(kind(b"\x89PNG\r\n\x1a\n\x00\x00"), Some(FileKind::Image));
        assert_eq!(kind(b"\xFF\xD8\xFF\xE0"), Some(FileKind::Image));
        let noise: Vec<u8> = (0..2000u32).map(|i| (i * 7919 % 251) as u8).collect();
        assert_eq!(kind(&noise), Some(FileKind::Binary));
        // A stray control character in a real list is a line's problem, not a binary file.
        assert_eq!(kind(b"Nom;Pr\xC3\xA9nom\nDupont;L\x01a\nMartin;Paul\nDurand;Jean\nPetit;Anne\n"), None);
        let problem = Problem::NotCsv(FileKind::Xlsx);
        assert_eq!(problem.code(), "import-error-not-csv-xlsx");
    }
}
