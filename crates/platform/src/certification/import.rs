//! Reading the mass import of sessions (no I/O): the CSV of `PRODUCT.md` §2.1, one line per
//! candidate (or per session without candidates), becomes new sessions with their candidates and
//! candidates for existing sessions — or the list of every problem, at its line and column.
//!
//! Lines with the same site, room, date and time are one session; a line with the number of an
//! existing session adds its candidate there (and leaves the session columns empty). Billing
//! columns are accepted for files made from the reference template, and not kept: the public
//! service does not bill candidates. Complementary-certification columns are ignored.

use std::{collections::HashMap, ops::ControlFlow};

use super::model::{CandidateFields, Enrolment, NewSession, SessionFields};
use crate::csv_import::{ImportError, Problem, decode, delimiter, name_key};

const NUMBER: &str = "Numéro de session préexistante";
const SITE: &str = "Nom du site";
const ROOM: &str = "Nom de la salle";
const DATE: &str = "Date de début (format: JJ/MM/AAAA)";
const TIME: &str = "Heure de début (heure locale format: HH:MM)";
const EXAMINER: &str = "Surveillant(s)";
const NOTES: &str = "Observations (optionnel)";
const LAST_NAME: &str = "Nom de naissance";
const FIRST_NAME: &str = "Prénom";
const BIRTH_DATE: &str = "Date de naissance (format: JJ/MM/AAAA)";
const SEX: &str = "Sexe (M ou F)";
const INSEE: &str = "Code INSEE de la commune de naissance";
const POSTAL: &str = "Code postal de la commune de naissance";
const CITY: &str = "Nom de la commune de naissance";
const COUNTRY: &str = "Pays de naissance";
const RECIPIENT: &str = "E-mail du destinataire des résultats (formateur, enseignant…)";
const EMAIL: &str = "E-mail de convocation";
const EXTERNAL_ID: &str = "Identifiant externe";
const EXTRA_TIME: &str = "Temps majoré ? (exemple format: 33%)";
const BILLING: &str = "Tarification part Pix (Gratuite, Prépayée ou Payante)";
const PREPAYMENT: &str = "Code de prépaiement (si Tarification part Pix Prépayée)";

/// The columns, in the template's order: (label, required).
pub const COLUMNS: [(&str, bool); 21] = [
    (NUMBER, false),
    (SITE, true),
    (ROOM, true),
    (DATE, true),
    (TIME, true),
    (EXAMINER, true),
    (NOTES, false),
    (LAST_NAME, true),
    (FIRST_NAME, true),
    (BIRTH_DATE, true),
    (SEX, true),
    (INSEE, false),
    (POSTAL, false),
    (CITY, false),
    (COUNTRY, true),
    (RECIPIENT, false),
    (EMAIL, false),
    (EXTERNAL_ID, false),
    (EXTRA_TIME, false),
    (BILLING, false),
    (PREPAYMENT, false),
];

/// Most lines in one file.
pub const MAX_LINES: usize = 5_000;

/// The empty template (`*` marks required columns, as the reference's).
pub fn template() -> String {
    let labels: Vec<String> =
        COLUMNS.iter().map(|(l, required)| if *required { format!("\"* {l}\"") } else { format!("\"{l}\"") }).collect();
    format!("\u{feff}{}\r\n", labels.join(";"))
}

/// A candidate read from a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineCandidate {
    /// Line of the file.
    pub line: usize,
    /// The candidate.
    pub candidate: Enrolment,
}

/// What a file asks for.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// New sessions, each with its candidates, in file order.
    pub sessions: Vec<(usize, NewSession, Vec<LineCandidate>)>,
    /// Candidates for existing sessions, by session number (in file order).
    pub existing: Vec<(usize, i64, Vec<LineCandidate>)>,
}

impl Plan {
    /// Candidates in the file.
    #[cfg(test)]
    fn candidates(&self) -> usize {
        self.sessions.iter().map(|(_, _, c)| c.len()).sum::<usize>()
            + self.existing.iter().map(|(_, _, c)| c.len()).sum::<usize>()
    }
}

fn normalize(label: &str) -> String {
    label.trim().trim_start_matches('*').trim().trim_end_matches('*').trim().to_lowercase()
}

/// Which column a form field comes from.
fn column_of(field: &str) -> &'static str {
    match field {
        "address" => SITE,
        "room" => ROOM,
        "date" => DATE,
        "time" => TIME,
        "examiner" => EXAMINER,
        "description" => NOTES,
        "first_name" => FIRST_NAME,
        "last_name" => LAST_NAME,
        "birth_date" => BIRTH_DATE,
        "sex" => SEX,
        "birth_country" => COUNTRY,
        "birth_insee_code" => INSEE,
        "birth_postal_code" => POSTAL,
        "birth_city" => CITY,
        "external_id" => EXTERNAL_ID,
        "extra_time_percentage" => EXTRA_TIME,
        "email" => EMAIL,
        "result_recipient_email" => RECIPIENT,
        _ => SITE,
    }
}

fn field_error(line: usize, column: &str, code: &str) -> ImportError {
    ImportError { line, column: Some(column.to_owned()), problem: Problem::Field(code.to_owned()) }
}

/// Reads a file; `today` (`YYYY-MM-DD`) bounds session and birth dates.
pub fn parse(bytes: &[u8], today: &str) -> Result<Plan, Vec<ImportError>> {
    let text = decode(bytes).map_err(|e| vec![e])?.replace("\r\n", "\n");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(&text))
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) if h.iter().any(|f| !f.trim().is_empty()) => h,
        Some(Err(_)) => return Err(vec![ImportError { line: 1, column: None, problem: Problem::Malformed }]),
        _ => return Err(vec![ImportError { line: 1, column: None, problem: Problem::Empty }]),
    };
    crate::csv_import::check_width(&header)?;
    let known: HashMap<String, &'static str> = COLUMNS.iter().map(|(l, _)| (normalize(l), *l)).collect();
    let mut index: HashMap<&'static str, usize> = HashMap::new();
    let mut errors = Vec::new();
    for (i, raw) in header.iter().enumerate() {
        if errors.len() >= crate::csv_import::MAX_PROBLEMS {
            break;
        }
        let norm = normalize(raw);
        if norm.is_empty() || norm.ends_with("('oui' ou laisser vide)") {
            continue;
        }
        let label = raw.trim().trim_start_matches('*').trim().to_owned();
        match known.get(&norm) {
            Some(l) if index.contains_key(l) => {
                errors.push(ImportError { line: 1, column: Some(label), problem: Problem::DuplicateColumn })
            }
            Some(l) => {
                index.insert(*l, i);
            }
            None => errors.push(ImportError { line: 1, column: Some(label), problem: Problem::UnknownColumn }),
        }
    }
    for (label, required) in COLUMNS {
        if required && !index.contains_key(label) {
            errors.push(ImportError { line: 1, column: Some(label.to_owned()), problem: Problem::MissingColumn });
        }
    }
    if !errors.is_empty() {
        errors.truncate(crate::csv_import::MAX_PROBLEMS);
        return Err(errors);
    }
    let width = header.len();
    let mut plan = Plan::default();
    let mut session_of_key: HashMap<(String, String, String, String), usize> = HashMap::new();
    let mut existing_of_number: HashMap<i64, usize> = HashMap::new();
    let mut people: HashMap<(String, String), usize> = HashMap::new();
    let mut lines = 0;
    crate::csv_import::for_each_row(records, width, &mut errors, |line, record, errors| {
        lines += 1;
        if lines > MAX_LINES {
            errors.push(ImportError { line, column: None, problem: Problem::TooManyRows });
            return ControlFlow::Break(());
        }
        let get = |column: &'static str| -> String {
            index
                .get(column)
                .and_then(|i| record.get(*i))
                .map(|v| engine::answer::pretreat(v).trim().to_owned())
                .unwrap_or_default()
        };
        let before = errors.len();
        let session = SessionFields {
            address: get(SITE),
            room: get(ROOM),
            date: get(DATE),
            time: get(TIME),
            examiner: get(EXAMINER),
            description: get(NOTES),
            version: None,
        };
        let number = get(NUMBER);
        // Where the line's candidate goes: an existing session (by number), or a new one.
        let target: Option<Result<i64, NewSession>> = if number.is_empty() {
            match session.validate(today) {
                Ok(s) => Some(Err(s)),
                Err(fields) => {
                    errors.extend(fields.iter().map(|f| field_error(line, column_of(&f.field), &f.code)));
                    None
                }
            }
        } else {
            let session_columns = [SITE, ROOM, DATE, TIME, EXAMINER, NOTES];
            match number.parse::<i64>() {
                Ok(n) if session_columns.iter().all(|c| get(c).is_empty()) => Some(Ok(n)),
                Ok(_) => {
                    errors.push(field_error(line, NUMBER, "field-import-number-and-session"));
                    None
                }
                Err(_) => {
                    errors.push(field_error(line, NUMBER, "field-import-number"));
                    None
                }
            }
        };
        let candidate_columns = [
            LAST_NAME,
            FIRST_NAME,
            BIRTH_DATE,
            SEX,
            INSEE,
            POSTAL,
            CITY,
            COUNTRY,
            RECIPIENT,
            EMAIL,
            EXTERNAL_ID,
            EXTRA_TIME,
        ];
        let candidate = if candidate_columns.iter().all(|c| get(c).is_empty()) {
            None
        } else {
            let billing = name_key(&get(BILLING));
            if !["", "gratuite", "prepayee", "payante"].contains(&billing.as_str()) {
                errors.push(field_error(line, BILLING, "field-import-billing"));
            }
            let fields = CandidateFields {
                first_name: get(FIRST_NAME),
                last_name: get(LAST_NAME),
                birth_date: get(BIRTH_DATE),
                sex: get(SEX),
                birth_country: get(COUNTRY),
                birth_insee_code: get(INSEE),
                birth_postal_code: get(POSTAL),
                birth_city: get(CITY),
                external_id: get(EXTERNAL_ID),
                extra_time_percentage: get(EXTRA_TIME),
                accessibility_adjustment: String::new(),
                email: get(EMAIL),
                result_recipient_email: get(RECIPIENT),
            };
            if get(COUNTRY).is_empty() {
                errors.push(field_error(line, COUNTRY, "field-import-country"));
            }
            match fields.validate(today) {
                Ok(c) => Some(c),
                Err(fields) => {
                    errors.extend(fields.iter().map(|f| field_error(line, column_of(&f.field), &f.code)));
                    None
                }
            }
        };
        if errors.len() > before {
            return ControlFlow::Continue(());
        }
        let Some(target) = target else { return ControlFlow::Continue(()) };
        let slot = match target {
            Ok(n) => {
                let at = *existing_of_number.entry(n).or_insert_with(|| {
                    plan.existing.push((line, n, Vec::new()));
                    plan.existing.len() - 1
                });
                format!("n{at}")
            }
            Err(s) => {
                let key = (name_key(&s.address), name_key(&s.room), s.date.clone(), s.time.clone());
                let at = *session_of_key.entry(key).or_insert_with(|| {
                    plan.sessions.push((line, s.clone(), Vec::new()));
                    plan.sessions.len() - 1
                });
                format!("s{at}")
            }
        };
        if let Some(c) = candidate {
            let person =
                (slot.clone(), format!("{}|{}|{}", name_key(&c.last_name), name_key(&c.first_name), c.birth_date));
            if let Some(first) = people.get(&person) {
                errors.push(ImportError {
                    line,
                    column: Some(LAST_NAME.to_owned()),
                    problem: Problem::Duplicate { first_line: *first },
                });
                return ControlFlow::Continue(());
            }
            people.insert(person, line);
            let entry = LineCandidate { line, candidate: c };
            match slot.split_at(1) {
                ("n", i) => plan.existing[i.parse::<usize>().unwrap_or(0)].2.push(entry),
                (_, i) => plan.sessions[i.parse::<usize>().unwrap_or(0)].2.push(entry),
            }
        }
        ControlFlow::Continue(())
    });
    errors.truncate(crate::csv_import::MAX_PROBLEMS);
    if errors.is_empty() { Ok(plan) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: &str = "2026-11-29";

    fn file(lines: &[&str]) -> String {
        let mut out = template();
        for l in lines {
            out.push_str(l);
            out.push('\n');
        }
        out
    }

    // number;site;room;date;time;examiner;notes;last;first;birth;sex;insee;postal;city;country;recipient;email;external;extra;billing;prepayment
    const LEA: &str =
        ";Lycée Curie;B12;15/12/2026;09:00;M. Martin;;Dupont;Léa;05/03/2004;F;75056;;;France;;;;;Gratuite;";
    const TOM: &str = ";Lycée Curie;B12;15/12/2026;09:00;M. Martin;;Petit;Tom;01/01/2000;M;;69003;Lyon;FRANCE;;;;33%;;";
    const ANA: &str = ";Lycée Curie;C3;16/12/2026;14:00;Mme Roux;;Lopez;Ana;27/06/2003;F;;;Madrid;Espagne;;;;;;";

    #[test]
    fn header_problems_are_capped_and_wide_headers_refused() {
        let wide = "x;".repeat(1_000_000);
        let errors = parse(wide.as_bytes(), TODAY).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.problem.code()).collect::<Vec<_>>(), ["import-error-too-many-columns"]);
        let header: String = (0..100).map(|i| format!("x{};", i % 2)).collect();
        let errors = parse(header.as_bytes(), TODAY).unwrap_err();
        assert!(!errors.is_empty() && errors.len() <= crate::csv_import::MAX_PROBLEMS);
    }

    #[test]
    fn lines_with_the_same_place_and_time_make_one_session() {
        let plan = parse(file(&[LEA, TOM, ANA]).as_bytes(), TODAY).unwrap();
        assert_eq!(plan.sessions.len(), 2);
        assert_eq!(plan.sessions[0].2.len(), 2);
        assert_eq!(plan.sessions[0].1.date, "2026-12-15");
        assert_eq!(plan.sessions[1].2[0].candidate.birth_city.as_deref(), Some("Madrid"));
        assert_eq!(plan.sessions[0].2[1].candidate.extra_time_percentage, Some(33));
        assert_eq!(plan.candidates(), 3);
        let with_existing = file(&["1234567;;;;;;;Bernard;Zoé;01/09/2005;F;69123;;;France;;;;;;"]);
        let plan = parse(with_existing.as_bytes(), TODAY).unwrap();
        assert_eq!((plan.existing[0].1, plan.existing[0].2.len()), (1_234_567, 1));
        let alone = file(&[";Lycée Curie;A1;15/12/2026;10:00;M. Martin;;;;;;;;;;;;;;;"]);
        let plan = parse(alone.as_bytes(), TODAY).unwrap();
        assert_eq!((plan.sessions.len(), plan.candidates()), (1, 0), "a session without candidates");
    }

    #[test]
    fn every_problem_is_placed_at_its_line_and_column() {
        let errors = parse(
            file(&[
                LEA,
                ";Lycée Curie;B12;15/12/2026;09:00;M. Martin;;Dupont;Léa;05/03/2004;F;75056;;;France;;;;;Gratuite;",
                ";Lycée Curie;;01/01/2020;9h;M. Martin;;Petit;Tom;01/01/2000;X;;69003;;France;;;;150;Chère;",
                "1234567;Lycée Curie;;;;;;Roux;Lou;01/01/2000;F;75056;;;France;;;;;;",
            ])
            .as_bytes(),
            TODAY,
        )
        .unwrap_err();
        let found: Vec<(usize, &str, &str)> =
            errors.iter().map(|e| (e.line, e.column.as_deref().unwrap_or(""), e.problem.code())).collect();
        assert_eq!(
            found,
            vec![
                (3, "Nom de naissance", "import-error-duplicate"),
                (4, "Nom de la salle", "field-session-room"),
                (4, "Date de début (format: JJ/MM/AAAA)", "field-session-date"),
                (4, "Heure de début (heure locale format: HH:MM)", "field-session-time"),
                (4, "Tarification part Pix (Gratuite, Prépayée ou Payante)", "field-import-billing"),
                (4, "Sexe (M ou F)", "field-candidate-sex"),
                (4, "Nom de la commune de naissance", "field-candidate-city"),
                (4, "Temps majoré ? (exemple format: 33%)", "field-candidate-extra-time"),
                (5, "Numéro de session préexistante", "field-import-number-and-session"),
            ]
        );
    }

    #[test]
    fn headers_are_checked_first() {
        let errors = parse("Nom du site;Couleur\nx;y\n".as_bytes(), TODAY).unwrap_err();
        assert!(errors.iter().any(|e| e.column.as_deref() == Some("Couleur") && e.problem == Problem::UnknownColumn));
        assert!(errors.iter().any(|e| e.column.as_deref() == Some(ROOM) && e.problem == Problem::MissingColumn));
        let with_complementary = template().replace("\r\n", ";\"CléA Numérique ('oui' ou laisser vide)\"\r\n");
        assert!(parse(with_complementary.as_bytes(), TODAY).unwrap().sessions.is_empty());
    }
}
