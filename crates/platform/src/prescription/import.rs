//! Reading a learner list (no I/O): the bytes of a CSV file in the organisation's format (SCO,
//! SUP or GENERIC, `PRODUCT.md` §1.5) become learners, or a list of every problem found, each
//! placed at a line and a column as a spreadsheet shows them (the header is line 1).
//!
//! Files come from spreadsheets: UTF-8 with or without a byte order mark, or Windows-1252 when
//! Excel saved them; `;` or `,` between fields; column names with or without their `*`, in any
//! order and any case.

use std::{
    collections::{BTreeMap, HashMap},
    ops::ControlFlow,
};

pub use crate::csv_import::{
    ImportError, MAX_FIELD_CHARS, MAX_FREE_COLUMNS, MAX_PROBLEMS, MAX_ROWS, Problem, check_width, decode, delimiter,
    for_each_row, name_key, parse_date,
};

/// The formats of learner lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Schools: one row per pupil, identified by their national id, with their division.
    Sco,
    /// Higher education: identified by the student number, with groups.
    Sup,
    /// Any organisation: names, birth date and free columns.
    Generic,
}

impl Format {
    /// The format an organisation's `learner_import` setting names.
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "SCO" => Some(Format::Sco),
            "SUP" => Some(Format::Sup),
            "GENERIC" => Some(Format::Generic),
            _ => None,
        }
    }

    /// The columns of the format, in the order of the template file: (label, required).
    pub fn columns(self) -> &'static [(&'static str, Required)] {
        use Required::{Always, Conditional, No};
        match self {
            Format::Sco => &[
                (SCO_ID, Always),
                (FIRST_NAME, Always),
                ("Deuxième prénom", No),
                ("Troisième prénom", No),
                (LAST_NAME, Always),
                (USAGE_NAME, No),
                (SEX, Always),
                (BIRTH_DATE, Always),
                (BIRTH_CITY_CODE, Conditional),
                (BIRTH_CITY, Conditional),
                ("Code département naissance", Always),
                (BIRTH_COUNTRY, Always),
                ("Statut", Always),
                ("Code MEF", Always),
                (DIVISION, Always),
            ],
            Format::Sup => &[
                (FIRST_NAME, Always),
                ("Deuxième prénom", No),
                ("Troisième prénom", No),
                (LAST_NAME, Always),
                (USAGE_NAME, No),
                (BIRTH_DATE, Always),
                (EMAIL, No),
                (STUDENT_NUMBER, Always),
                ("Composante", No),
                ("Équipe pédagogique", No),
                (GROUP, No),
                ("Diplôme", No),
                ("Régime", No),
            ],
            Format::Generic => &[(GENERIC_LAST_NAME, Always), (GENERIC_FIRST_NAME, Always), (BIRTH_DATE, Always)],
        }
    }

    /// The header line of an empty file in this format (the template offered for download).
    pub fn template(self) -> String {
        let labels: Vec<String> = self
            .columns()
            .iter()
            .map(|(label, required)| match required {
                Required::Always => format!("{label}*"),
                Required::Conditional => format!("{label}**"),
                Required::No => (*label).to_owned(),
            })
            .collect();
        format!("\u{feff}{}\r\n", labels.join(";"))
    }
}

/// Whether a column must be filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Required {
    /// On every line.
    Always,
    /// On some lines (the birth city: its code for people born in France, else its name).
    Conditional,
    /// Never.
    No,
}

const SCO_ID: &str = "Identifiant unique";
const FIRST_NAME: &str = "Premier prénom";
const LAST_NAME: &str = "Nom de famille";
const USAGE_NAME: &str = "Nom d'usage";
const SEX: &str = "Code sexe";
const BIRTH_DATE: &str = "Date de naissance (jj/mm/aaaa)";
const BIRTH_CITY_CODE: &str = "Code commune naissance";
const BIRTH_CITY: &str = "Libellé commune naissance";
const BIRTH_COUNTRY: &str = "Code pays naissance";
const DIVISION: &str = "Division";
const EMAIL: &str = "Email";
const STUDENT_NUMBER: &str = "Numéro étudiant";
const GROUP: &str = "Groupe";
const GENERIC_LAST_NAME: &str = "Nom";
const GENERIC_FIRST_NAME: &str = "Prénom";
/// INSEE code of France among countries of birth.
const FRANCE: &str = "99100";

/// One learner read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedLearner {
    /// Line of the file.
    pub line: usize,
    /// First given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// SCO: the national pupil id.
    pub national_id: Option<String>,
    /// SUP: the student number.
    pub student_number: Option<String>,
    /// SCO: the class.
    pub division: Option<String>,
    /// SUP: the group.
    pub group_name: Option<String>,
    /// Every other filled column, by its label.
    pub extra: BTreeMap<String, String>,
}

impl ImportedLearner {
    /// What identifies the learner in the organisation's list: national id (SCO), student number
    /// (SUP), or names and birth date (GENERIC).
    pub fn key(&self, format: Format) -> String {
        match format {
            Format::Sco => self.national_id.clone().unwrap_or_default().to_uppercase(),
            Format::Sup => self.student_number.clone().unwrap_or_default().to_uppercase(),
            Format::Generic => identity_key(&self.first_name, &self.last_name, &self.birth_date),
        }
    }
}

/// A person's names and birth date as one comparable key.
pub fn identity_key(first_name: &str, last_name: &str, birth_date: &str) -> String {
    format!("{}|{}|{}", name_key(last_name), name_key(first_name), birth_date)
}

/// A learner list read without problems.
#[derive(Debug, Default)]
pub struct LearnerList {
    /// The learners, in file order.
    pub learners: Vec<ImportedLearner>,
    /// GENERIC: the free columns, in file order.
    pub extra_columns: Vec<String>,
}

fn normalize_label(label: &str) -> String {
    label.trim().trim_end_matches('*').trim().to_lowercase()
}

/// Reads a list. `today` (`YYYY-MM-DD`) bounds birth dates.
pub fn parse(format: Format, bytes: &[u8], today: &str) -> Result<LearnerList, Vec<ImportError>> {
    // Line numbers count `\n` (csv counts a Windows `\r\n` late, on the next record).
    let text = decode(bytes).map_err(|e| vec![e])?.replace("\r\n", "\n");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(&text))
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let mut errors = Vec::new();
    let header = match records.next() {
        Some(Ok(h)) if h.iter().any(|f| !f.trim().is_empty()) => h,
        Some(Err(_)) => return Err(vec![ImportError { line: 1, column: None, problem: Problem::Malformed }]),
        _ => return Err(vec![ImportError { line: 1, column: None, problem: Problem::Empty }]),
    };
    check_width(&header)?;
    // Index of each known column in the file; free columns (GENERIC) after them.
    let known: HashMap<String, &'static str> = format.columns().iter().map(|(l, _)| (normalize_label(l), *l)).collect();
    let mut index: HashMap<&'static str, usize> = HashMap::new();
    let mut extra_columns: Vec<(usize, String)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, raw) in header.iter().enumerate() {
        if errors.len() >= MAX_PROBLEMS {
            break;
        }
        let norm = normalize_label(raw);
        let label = raw.trim().trim_end_matches('*').trim().to_owned();
        if norm.is_empty() {
            continue;
        }
        if !seen.insert(norm.clone()) {
            errors.push(ImportError { line: 1, column: Some(label), problem: Problem::DuplicateColumn });
            continue;
        }
        match known.get(&norm) {
            Some(l) => {
                index.insert(*l, i);
            }
            None if format == Format::Generic && extra_columns.len() < MAX_FREE_COLUMNS => {
                extra_columns.push((i, label))
            }
            None if format == Format::Generic => {
                errors.push(ImportError { line: 1, column: Some(label), problem: Problem::TooManyFreeColumns });
                break;
            }
            None => errors.push(ImportError { line: 1, column: Some(label), problem: Problem::UnknownColumn }),
        }
    }
    for (label, required) in format.columns() {
        if *required != Required::No && !index.contains_key(label) {
            errors.push(ImportError { line: 1, column: Some((*label).to_owned()), problem: Problem::MissingColumn });
        }
    }
    if !errors.is_empty() {
        errors.truncate(MAX_PROBLEMS);
        return Err(errors);
    }
    let width = header.len();
    let mut list =
        LearnerList { learners: Vec::new(), extra_columns: extra_columns.iter().map(|(_, l)| l.clone()).collect() };
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    for_each_row(records, width, &mut errors, |line, record, errors| {
        if list.learners.len() >= MAX_ROWS {
            errors.push(ImportError { line, column: None, problem: Problem::TooManyRows });
            return ControlFlow::Break(());
        }
        let mut row = Row { format, record, index: &index, line, errors: &mut *errors };
        let (learner, valid) = row.learner(today, &extra_columns);
        let key = learner.key(format);
        // A duplicate is reported even on a line with other problems (its key may be fine).
        let usable = match format {
            Format::Generic => {
                ![&learner.first_name, &learner.last_name, &learner.birth_date].iter().any(|v| v.is_empty())
            }
            _ => !key.is_empty(),
        };
        if usable {
            match first_seen.get(&key) {
                Some(first) => errors.push(ImportError {
                    line,
                    column: Some(
                        match format {
                            Format::Sco => SCO_ID,
                            Format::Sup => STUDENT_NUMBER,
                            Format::Generic => GENERIC_LAST_NAME,
                        }
                        .to_owned(),
                    ),
                    problem: Problem::Duplicate { first_line: *first },
                }),
                None => {
                    first_seen.insert(key, line);
                }
            }
        }
        if valid && errors.is_empty() {
            list.learners.push(learner);
        }
        ControlFlow::Continue(())
    });
    errors.truncate(MAX_PROBLEMS);
    if errors.is_empty() { Ok(list) } else { Err(errors) }
}

struct Row<'a> {
    format: Format,
    record: &'a csv::StringRecord,
    index: &'a HashMap<&'static str, usize>,
    line: usize,
    errors: &'a mut Vec<ImportError>,
}

impl Row<'_> {
    fn fail(&mut self, column: &str, problem: Problem) {
        self.errors.push(ImportError { line: self.line, column: Some(column.to_owned()), problem });
    }

    /// The trimmed value of a column (empty when the column is absent).
    fn value(&mut self, column: &'static str) -> String {
        let v = self.index.get(column).and_then(|i| self.record.get(*i)).unwrap_or_default();
        let v = engine::answer::pretreat(v).trim().to_owned();
        if v.chars().count() > MAX_FIELD_CHARS {
            self.fail(column, Problem::TooLong);
            return String::new();
        }
        v
    }

    fn required(&mut self, column: &'static str) -> Option<String> {
        let v = self.value(column);
        if v.is_empty() {
            self.fail(column, Problem::Required);
            return None;
        }
        Some(v)
    }

    fn optional(&mut self, column: &'static str) -> Option<String> {
        Some(self.value(column)).filter(|v| !v.is_empty())
    }

    fn birth_date(&mut self, today: &str) -> Option<String> {
        let v = self.required(BIRTH_DATE)?;
        match parse_date(&v).filter(|d| d.as_str() >= "1900-01-01" && d.as_str() <= today) {
            Some(d) => Some(d),
            None => {
                self.fail(BIRTH_DATE, Problem::Date);
                None
            }
        }
    }

    fn learner(&mut self, today: &str, extra_columns: &[(usize, String)]) -> (ImportedLearner, bool) {
        let before = self.errors.len();
        let (first_name, last_name) = match self.format {
            Format::Generic => (self.required(GENERIC_FIRST_NAME), self.required(GENERIC_LAST_NAME)),
            _ => (self.required(FIRST_NAME), self.required(LAST_NAME)),
        };
        let birth_date = self.birth_date(today);
        let mut learner = ImportedLearner {
            line: self.line,
            first_name: first_name.unwrap_or_default(),
            last_name: last_name.unwrap_or_default(),
            birth_date: birth_date.unwrap_or_default(),
            national_id: None,
            student_number: None,
            division: None,
            group_name: None,
            extra: BTreeMap::new(),
        };
        let keep = |learner: &mut ImportedLearner, row: &mut Self, column: &'static str| {
            if let Some(v) = row.optional(column) {
                learner.extra.insert(column.to_owned(), v);
            }
        };
        match self.format {
            Format::Sco => {
                learner.national_id = self.required(SCO_ID);
                let sex = self.required(SEX);
                match sex.as_deref().map(str::to_uppercase).as_deref() {
                    Some("M" | "1") => {
                        learner.extra.insert(SEX.into(), "M".into());
                    }
                    Some("F" | "2") => {
                        learner.extra.insert(SEX.into(), "F".into());
                    }
                    Some(_) => self.fail(SEX, Problem::Sex),
                    None => {}
                }
                let country = self.required(BIRTH_COUNTRY);
                if let Some(c) = &country {
                    if c.len() != 5 || !c.bytes().all(|b| b.is_ascii_digit()) {
                        self.fail(BIRTH_COUNTRY, Problem::Country);
                    }
                    learner.extra.insert(BIRTH_COUNTRY.into(), c.clone());
                }
                let city_code = self.optional(BIRTH_CITY_CODE);
                let city = self.optional(BIRTH_CITY);
                match (country.as_deref(), &city_code, &city) {
                    (Some(FRANCE), None, _) => self.fail(BIRTH_CITY_CODE, Problem::BirthCity),
                    (Some(c), _, None) if c != FRANCE => self.fail(BIRTH_CITY, Problem::BirthCity),
                    _ => {}
                }
                for (column, value) in [(BIRTH_CITY_CODE, city_code), (BIRTH_CITY, city)] {
                    if let Some(v) = value {
                        learner.extra.insert(column.into(), v);
                    }
                }
                for column in ["Code département naissance", "Statut", "Code MEF"] {
                    if let Some(v) = self.required(column) {
                        learner.extra.insert(column.into(), v);
                    }
                }
                for column in ["Deuxième prénom", "Troisième prénom", USAGE_NAME] {
                    keep(&mut learner, self, column);
                }
                learner.division = self.required(DIVISION);
            }
            Format::Sup => {
                let number = self.required(STUDENT_NUMBER);
                if let Some(n) = &number
                    && !n.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_')
                {
                    self.fail(STUDENT_NUMBER, Problem::StudentNumber);
                }
                learner.student_number = number;
                if let Some(e) = self.optional(EMAIL) {
                    if crate::identity::model::Email::parse(&e).is_none() {
                        self.fail(EMAIL, Problem::Email);
                    }
                    learner.extra.insert(EMAIL.into(), e);
                }
                for column in [
                    "Deuxième prénom",
                    "Troisième prénom",
                    USAGE_NAME,
                    "Composante",
                    "Équipe pédagogique",
                    "Diplôme",
                    "Régime",
                ] {
                    keep(&mut learner, self, column);
                }
                learner.group_name = self.optional(GROUP);
            }
            Format::Generic => {
                for (i, label) in extra_columns {
                    let v = engine::answer::pretreat(self.record.get(*i).unwrap_or_default()).trim().to_owned();
                    if v.chars().count() > MAX_FIELD_CHARS {
                        self.errors.push(ImportError {
                            line: self.line,
                            column: Some(label.clone()),
                            problem: Problem::TooLong,
                        });
                    } else if !v.is_empty() {
                        learner.extra.insert(label.clone(), v);
                    }
                }
            }
        }
        let valid = self.errors.len() == before;
        (learner, valid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csv_import::MAX_COLUMNS;

    const TODAY: &str = "2026-11-29";

    fn sup(rows: &[&str]) -> Result<LearnerList, Vec<ImportError>> {
        let mut text = String::from(
            "Premier prénom*;Deuxième prénom;Troisième prénom;Nom de famille*;Nom d'usage;Date de naissance (jj/mm/aaaa)*;Email;Numéro étudiant*;Composante;Équipe pédagogique;Groupe;Diplôme;Régime\n",
        );
        for r in rows {
            text.push_str(r);
            text.push('\n');
        }
        parse(Format::Sup, text.as_bytes(), TODAY)
    }

    #[test]
    fn dates_are_real_calendar_dates() {
        assert_eq!(parse_date("05/03/2012").as_deref(), Some("2012-03-05"));
        assert_eq!(parse_date("5/3/2012").as_deref(), Some("2012-03-05"));
        assert_eq!(parse_date("29/02/2012").as_deref(), Some("2012-02-29"));
        assert_eq!(parse_date("29/02/2013"), None);
        assert_eq!(parse_date("2012-03-05"), None);
        assert_eq!(parse_date("05/03/12"), None);
        assert_eq!(parse_date("32/01/2012"), None);
    }

    #[test]
    fn a_sup_list_is_read_with_its_groups_and_extra_fields() {
        let list = sup(&["Léa;;;Dupont;;05/03/2004;lea@example.org;A123;Sciences;;L1 groupe 2;Licence;FI"]).unwrap();
        let l = &list.learners[0];
        assert_eq!(
            (l.first_name.as_str(), l.last_name.as_str(), l.birth_date.as_str()),
            ("Léa", "Dupont", "2004-03-05")
        );
        assert_eq!(l.student_number.as_deref(), Some("A123"));
        assert_eq!(l.group_name.as_deref(), Some("L1 groupe 2"));
        assert_eq!(l.extra.get("Composante").map(String::as_str), Some("Sciences"));
        assert_eq!(l.line, 2);
    }

    #[test]
    fn every_problem_is_reported_with_its_line_and_column() {
        let errors = sup(&[
            "Léa;;;Dupont;;05/03/2004;;A123;;;;;",
            ";;;Martin;;31/02/2004;pas-un-mail;B 7;;;;;",
            "Luc;;;Durand;;01/01/2003;;a123;;;;;",
            "Luc;;;Durand",
        ])
        .unwrap_err();
        let found: Vec<(usize, Option<&str>, &str)> =
            errors.iter().map(|e| (e.line, e.column.as_deref(), e.problem.code())).collect();
        assert_eq!(
            found,
            vec![
                (3, Some("Premier prénom"), "import-error-required"),
                (3, Some("Date de naissance (jj/mm/aaaa)"), "import-error-date"),
                (3, Some("Numéro étudiant"), "import-error-student-number"),
                (3, Some("Email"), "import-error-email"),
                (4, Some("Numéro étudiant"), "import-error-duplicate"),
                (5, None, "import-error-field-count"),
            ]
        );
        assert_eq!(errors[4].problem, Problem::Duplicate { first_line: 2 });
    }

    #[test]
    fn header_problems_are_capped_and_wide_headers_refused() {
        // Millions of columns: refused as one problem, before any is looked at.
        let wide = "x;".repeat(1_000_000);
        let errors = parse(Format::Sco, wide.as_bytes(), TODAY).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].line, errors[0].problem.code()), (1, "import-error-too-many-columns"));
        // Under the width, unknown and repeated columns stop at MAX_PROBLEMS.
        let header: String = (0..MAX_COLUMNS).map(|i| format!("c{};", i % 3)).collect();
        let errors = parse(Format::Sup, header.as_bytes(), TODAY).unwrap_err();
        assert!(errors.len() <= MAX_PROBLEMS && !errors.is_empty(), "{}", errors.len());
        let header: String = (0..MAX_COLUMNS).map(|i| format!("u{i};")).collect();
        assert!(parse(Format::Sco, header.as_bytes(), TODAY).unwrap_err().len() <= MAX_PROBLEMS);
        // A GENERIC list adds MAX_FREE_COLUMNS free columns at most.
        let header = |n: usize| {
            let free: String = (0..n).map(|i| format!(";Libre {i}")).collect();
            format!("Nom;Prénom;Date de naissance (jj/mm/aaaa){free}\n")
        };
        let errors = parse(Format::Generic, header(MAX_FREE_COLUMNS + 1).as_bytes(), TODAY).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.problem.code()).collect::<Vec<_>>(), ["import-error-too-many-free-columns"]);
        let body = format!("{}Dupont;Léa;05/03/2004{}\n", header(MAX_FREE_COLUMNS), ";x".repeat(MAX_FREE_COLUMNS));
        assert_eq!(parse(Format::Generic, body.as_bytes(), TODAY).unwrap().extra_columns.len(), MAX_FREE_COLUMNS);
    }

    #[test]
    fn headers_are_checked_before_lines() {
        let errors =
            parse(Format::Sco, "Identifiant unique*;Nom de famille;Couleur\nx;y;z\n".as_bytes(), TODAY).unwrap_err();
        let found: Vec<(usize, &str, &str)> =
            errors.iter().map(|e| (e.line, e.column.as_deref().unwrap_or(""), e.problem.code())).collect();
        assert!(found.contains(&(1, "Couleur", "import-error-unknown-column")), "{found:?}");
        assert!(found.contains(&(1, "Premier prénom", "import-error-missing-column")), "{found:?}");
        assert!(found.contains(&(1, "Division", "import-error-missing-column")), "{found:?}");
        assert!(!found.iter().any(|(_, c, _)| *c == "Nom de famille"));
        assert!(!found.iter().any(|(_, c, _)| *c == "Deuxième prénom"), "optional columns may be absent");
        assert_eq!(parse(Format::Sco, b"", TODAY).unwrap_err()[0].problem, Problem::Empty);
    }

    #[test]
    fn sco_rows_need_a_birth_city_that_fits_the_country() {
        let head = Format::Sco.template();
        let text = format!(
            "{head}123456789AB;Léa;;;Dupont;;F;05/03/2012;75056;;75;99100;ST;10010012110;6e A\r\n\
             123456789AC;Tom;;;Petit;;1;05/03/2012;;;99;99134;ST;10010012110;6e A\r\n\
             123456789AD;Ana;;;Lopez;;X;05/03/2012;;Madrid;99;99134;ST;10010012110;6e B\r\n\
             123456789AE;Ali;;;Ben;;M;05/03/2012;;;75;99100;ST;10010012110;6e B\r\n"
        );
        let errors = parse(Format::Sco, text.as_bytes(), TODAY).unwrap_err();
        let found: Vec<(usize, &str, &str)> =
            errors.iter().map(|e| (e.line, e.column.as_deref().unwrap_or(""), e.problem.code())).collect();
        assert_eq!(
            found,
            vec![
                (3, "Libellé commune naissance", "import-error-birth-city"),
                (4, "Code sexe", "import-error-sex"),
                (5, "Code commune naissance", "import-error-birth-city"),
            ]
        );
        let fixed = text
            .replace(";1;05/03/2012;;;99", ";1;05/03/2012;;Rome;99")
            .replace(";X;", ";F;")
            .replace(";M;05/03/2012;;;75", ";M;05/03/2012;75056;;75");
        let list = parse(Format::Sco, fixed.as_bytes(), TODAY).unwrap();
        assert_eq!(list.learners.len(), 4);
        assert_eq!(list.learners[0].division.as_deref(), Some("6e A"));
        assert_eq!(list.learners[0].national_id.as_deref(), Some("123456789AB"));
        assert_eq!(list.learners[1].extra.get("Code sexe").map(String::as_str), Some("M"));
    }

    #[test]
    fn generic_lists_keep_free_columns_and_accept_commas_and_windows_1252() {
        let mut bytes = b"Nom*,Pr\xe9nom*,Date de naissance (jj/mm/aaaa)*,Service,Site\n".to_vec();
        bytes.extend_from_slice(b"H\xe9bert,Zo\xe9,01/02/1990,Compta,\"Lyon, 3e\"\n");
        let list = parse(Format::Generic, &bytes, TODAY).unwrap();
        assert_eq!(list.extra_columns, vec!["Service", "Site"]);
        let l = &list.learners[0];
        assert_eq!((l.last_name.as_str(), l.first_name.as_str()), ("Hébert", "Zoé"));
        assert_eq!(l.extra.get("Site").map(String::as_str), Some("Lyon, 3e"));
        let dup = "\u{feff}Nom;Prénom;Date de naissance (jj/mm/aaaa)\nHébert;Zoé;01/02/1990\nHEBERT;zoe;1/2/1990\n";
        let errors = parse(Format::Generic, dup.as_bytes(), TODAY).unwrap_err();
        assert_eq!((errors[0].line, &errors[0].problem), (3, &Problem::Duplicate { first_line: 2 }));
    }

    #[test]
    fn birth_dates_in_the_future_are_refused() {
        let errors = sup(&["Léa;;;Dupont;;05/03/2027;;A1;;;;;"]).unwrap_err();
        assert_eq!(errors[0].problem, Problem::Date);
    }

    #[test]
    fn templates_parse_as_empty_lists() {
        for f in [Format::Sco, Format::Sup, Format::Generic] {
            assert!(parse(f, f.template().as_bytes(), TODAY).unwrap().learners.is_empty());
        }
    }
}
