//! Certification centres, sessions and candidates: rows, statuses, and the checks that turn a
//! submitted form (or, later, an imported line) into a session or a candidate.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    csv_import::parse_date,
    identity::model::{Check, Email},
    web::error::FieldError,
};

/// A certification centre.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, ToSchema)]
pub struct Center {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// SCO, SUP or PRO.
    pub kind: String,
    /// External id (e.g. the UAI of a school).
    pub external_id: Option<String>,
    /// Creation time (µs).
    pub created_at: i64,
}

/// Where a session stands (REFERENCE §6.5: derived by precedence from its dates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// Open: candidates can be enrolled and join.
    Created,
    /// The centre finalised it.
    Finalized,
    /// A jury member works on it.
    InProcess,
    /// Results published.
    Processed,
}

impl SessionStatus {
    /// Fluent message id of the status.
    pub fn label(self) -> &'static str {
        match self {
            SessionStatus::Created => "session-status-created",
            SessionStatus::Finalized => "session-status-finalized",
            SessionStatus::InProcess => "session-status-in-process",
            SessionStatus::Processed => "session-status-processed",
        }
    }
}

/// A certification session.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, ToSchema)]
pub struct Session {
    /// Id.
    pub id: Uuid,
    /// Centre.
    pub center_id: Uuid,
    /// The number candidates and the invigilator type.
    pub number: i64,
    /// Site.
    pub address: String,
    /// Room.
    pub room: String,
    /// Invigilator names.
    pub examiner: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `HH:MM`, local time.
    pub time: String,
    /// Notes.
    pub description: String,
    /// What candidates type to join (4 letters, 2 digits).
    pub access_code: String,
    /// What the invigilator types to open the session's screen.
    #[serde(skip)]
    pub invigilator_password: String,
    /// Certification version (3).
    pub version: i64,
    /// Creation time (µs).
    pub created_at: i64,
    /// Finalisation time.
    pub finalized_at: Option<i64>,
    /// Publication time.
    pub published_at: Option<i64>,
}

impl Session {
    /// Its status (no jury assignment yet: a finalised session waits for publication).
    pub fn status(&self) -> SessionStatus {
        if self.published_at.is_some() {
            SessionStatus::Processed
        } else if self.finalized_at.is_some() {
            SessionStatus::Finalized
        } else {
            SessionStatus::Created
        }
    }

    /// The date as people read it, `jj/mm/aaaa`.
    pub fn date_fr(&self) -> String {
        iso_to_fr(&self.date)
    }
}

/// `YYYY-MM-DD` as `jj/mm/aaaa`.
pub fn iso_to_fr(iso: &str) -> String {
    let mut p = iso.split('-');
    match (p.next(), p.next(), p.next()) {
        (Some(y), Some(m), Some(d)) => format!("{d}/{m}/{y}"),
        _ => iso.to_owned(),
    }
}

/// An enrolled candidate.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, ToSchema)]
pub struct Candidate {
    /// Id.
    pub id: Uuid,
    /// Session.
    pub session_id: Uuid,
    /// Who they are, as the centre enrolled them.
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub enrolled: Enrolment,
    /// The account that joined as this candidate.
    pub user_id: Option<Uuid>,
    /// When they joined.
    pub reconciled_at: Option<i64>,
    /// The invigilator let them start (or resume).
    pub authorized_to_start: bool,
}

/// A candidate's certification test.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, ToSchema)]
pub struct Course {
    /// Id.
    pub id: Uuid,
    /// The candidate.
    pub candidate_id: Uuid,
    /// The session.
    pub session_id: Uuid,
    /// The account taking it.
    pub user_id: Uuid,
    /// Language of the questions (`fr`, `en`).
    pub lang: String,
    /// Accessible questions only.
    pub accessibility_adjustment: bool,
    /// Start (µs).
    pub started_at: i64,
    /// When answers stop being accepted (µs): 105 minutes plus extra time.
    pub deadline: i64,
    /// End (µs).
    pub completed_at: Option<i64>,
    /// The invigilator ended it.
    pub ended_by_invigilator: bool,
    /// Why it stopped early (`candidate`, `technical`), given at finalisation.
    pub abort_reason: Option<String>,
    /// The certification configuration version it started with.
    pub configuration_version: i64,
    /// Certification version: 3 (flash) or 2 (three questions per competence).
    pub version: i64,
    /// A v2 course's questions and the estimates they confirm (JSON [`V2Plan`]), chosen at its start.
    #[serde(skip)]
    pub plan: Option<String>,
    /// Times the candidate left the test page (exam mode).
    pub focus_losses: i64,
    /// When they last left it (µs).
    pub last_focus_loss_at: Option<i64>,
    /// When they came back to the entrance asking to resume it (µs), since they last resumed.
    pub resume_requested_at: Option<i64>,
}

impl Course {
    /// A v2 course's plan (empty for v3 or when unreadable).
    pub fn v2_plan(&self) -> V2Plan {
        self.plan.as_deref().and_then(|p| serde_json::from_str(p).ok()).unwrap_or_default()
    }
}

/// The questions of a v2 certification, by competence, as chosen at its start (REFERENCE §6.2):
/// stored by code and id so that a content update does not change a test under way.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct V2Plan {
    /// Certifiable competences in referential order.
    pub competences: Vec<V2Competence>,
}

/// One competence of a v2 plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct V2Competence {
    /// Competence code (`1.1`).
    pub code: String,
    /// Level in the profile at the start.
    pub level: u32,
    /// Pix in the profile at the start.
    pub pix: u32,
    /// Challenge ids, in the order asked.
    pub challenges: Vec<String>,
}

impl V2Plan {
    /// Every question in the order asked.
    pub fn questions(&self) -> impl Iterator<Item = &str> {
        self.competences.iter().flat_map(|c| c.challenges.iter().map(String::as_str))
    }

    /// What each planned question counts for in v2 scoring (REFERENCE §6.3), competence by
    /// competence: answered (right, or counted right by an issue report), withdrawn after a
    /// validated alert or neutralized by an issue report (does not count), or never reached (wrong
    /// when the candidate left; does not count when the test stopped for a technical reason).
    pub fn answers(
        &self,
        o: &V2Outcomes<'_>,
        qrocm_dep: impl Fn(&str) -> bool,
    ) -> Vec<engine::certification::V2Answer> {
        use engine::certification::V2Answer;
        let mut out = Vec::new();
        for (competence, part) in self.competences.iter().enumerate() {
            for q in &part.challenges {
                let qrocm_dep = qrocm_dep(q);
                let at = o.answers.iter().position(|(c, _)| c == q);
                out.push(match at {
                    _ if o.withdrawn.contains(q) => {
                        V2Answer { competence, correct: false, neutralized: true, qrocm_dep }
                    }
                    Some(n) => {
                        let number = n as i64 + 1;
                        V2Answer {
                            competence,
                            correct: o.answers[n].1 || o.revalidated.contains(&number),
                            neutralized: o.neutralized.contains(&number),
                            qrocm_dep,
                        }
                    }
                    None => V2Answer { competence, correct: false, neutralized: o.technical_abort, qrocm_dep },
                });
            }
        }
        out
    }
}

/// What happened to a v2 test's questions.
pub struct V2Outcomes<'a> {
    /// Answers in the order given: challenge id, right.
    pub answers: &'a [(&'a str, bool)],
    /// Questions withdrawn after a validated live alert.
    pub withdrawn: &'a [String],
    /// Question numbers (from 1, in the order answered) issue reports neutralized.
    pub neutralized: &'a [i64],
    /// Question numbers issue reports counted as right.
    pub revalidated: &'a [i64],
    /// The test stopped for a technical reason.
    pub technical_abort: bool,
}

impl CertResult {
    /// The certification's final status (a stored name the engine does not know reads as rejected).
    pub fn final_status(&self) -> engine::certification::Status {
        use engine::certification::Status;
        match self.status.as_str() {
            "validated" => Status::Validated,
            "cancelled" => Status::Cancelled,
            _ => Status::Rejected,
        }
    }

    /// Certified.
    pub fn is_validated(&self) -> bool {
        self.final_status() == engine::certification::Status::Validated
    }
}

/// The scored result of a course.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, ToSchema)]
pub struct CertResult {
    /// The course.
    pub course_id: Uuid,
    /// `validated`, `rejected` or `cancelled`.
    pub status: String,
    /// `standard`, `lack_of_answers`, `lack_of_answers_for_technical_reason`, `fraud`.
    pub reason: String,
    /// Global score, 0 to 895.
    pub pix_score: i64,
    /// Final capacity.
    pub capacity: f64,
    /// Measurement error of the score, in points.
    pub score_error: i64,
    /// Answers taken into account.
    pub answers: i64,
    /// JSON list of `[competence code, level]`.
    pub competence_levels: String,
    /// The code anyone can check the certificate with.
    pub verification_code: String,
    /// When it was scored.
    pub scored_at: i64,
    /// The jury's comment to the candidate.
    pub jury_comment_candidate: String,
    /// The jury's comment to the organisation.
    pub jury_comment_organization: String,
    /// v2 only: right answers among the questions that count, in percent (REFERENCE §6.3).
    pub reproducibility_rate: Option<i64>,
}

impl CertResult {
    /// Levels per competence code.
    pub fn levels(&self) -> Vec<(String, u32)> {
        serde_json::from_str(&self.competence_levels).unwrap_or_default()
    }

    /// The global level of the score (PRODUCT §2.3): 0 pre-beginner, 1–2 beginner, 3–4
    /// independent, 5–6 advanced, 7–8 expert — as a message id.
    pub fn global_level(&self) -> &'static str {
        match self.pix_score {
            s if s < 64 => "level-pre-beginner",
            s if s < 256 => "level-beginner",
            s if s < 512 => "level-independent",
            s if s < 768 => "level-advanced",
            _ => "level-expert",
        }
    }
}

/// Length of a certification test without extra time (REFERENCE §6.5).
pub const TEST_MINUTES: i64 = 105;

/// When a test started at `start` must end, with `extra` percent of extra time.
pub fn deadline(start: i64, minutes: i64, extra: Option<i64>) -> i64 {
    start + minutes * 60_000_000 * (100 + extra.unwrap_or(0).clamp(0, 99)) / 100
}

impl Candidate {
    /// Birth date as `jj/mm/aaaa`.
    pub fn birth_date_fr(&self) -> String {
        iso_to_fr(&self.enrolled.birth_date)
    }

    /// Birthplace as one line: the commune's name (from its INSEE code when the centre gave only
    /// the code) with the code in brackets, then the country — "Paris (75056), France".
    pub fn birthplace(&self) -> String {
        let code =
            self.enrolled.birth_insee_code.clone().or(self.enrolled.birth_postal_code.clone()).unwrap_or_default();
        let city = self
            .enrolled
            .birth_city
            .clone()
            .filter(|c| !c.trim().is_empty())
            .or_else(|| self.enrolled.birth_insee_code.as_deref().and_then(crate::geo::commune_name).map(str::to_owned))
            .unwrap_or_default();
        let place = match (city.is_empty(), code.is_empty()) {
            (false, false) => format!("{city} ({code})"),
            (false, true) => city,
            (true, _) => code,
        };
        [place, self.enrolled.birth_country.clone()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The form fields of the candidate (to edit them).
    pub fn fields(&self) -> CandidateFields {
        CandidateFields {
            first_name: self.enrolled.first_name.clone(),
            last_name: self.enrolled.last_name.clone(),
            birth_date: self.birth_date_fr(),
            sex: self.enrolled.sex.clone(),
            birth_country: self.enrolled.birth_country.clone(),
            birth_insee_code: self.enrolled.birth_insee_code.clone().unwrap_or_default(),
            birth_postal_code: self.enrolled.birth_postal_code.clone().unwrap_or_default(),
            birth_city: self.enrolled.birth_city.clone().unwrap_or_default(),
            external_id: self.enrolled.external_id.clone().unwrap_or_default(),
            extra_time_percentage: self.enrolled.extra_time_percentage.map(|p| p.to_string()).unwrap_or_default(),
            accessibility_adjustment: if self.enrolled.accessibility_adjustment { "yes".into() } else { String::new() },
            email: self.enrolled.email.clone().unwrap_or_default(),
            result_recipient_email: self.enrolled.result_recipient_email.clone().unwrap_or_default(),
        }
    }
}

/// Longest text field.
const MAX_TEXT: usize = 255;

fn text(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty() && s.chars().count() <= MAX_TEXT).then(|| s.to_owned())
}

/// A session as submitted (page or API).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionFields {
    /// Site.
    #[serde(default)]
    pub address: String,
    /// Room.
    #[serde(default)]
    pub room: String,
    /// `YYYY-MM-DD` or `jj/mm/aaaa`.
    #[serde(default)]
    pub date: String,
    /// `HH:MM`.
    #[serde(default)]
    pub time: String,
    /// Invigilator names.
    #[serde(default)]
    pub examiner: String,
    /// Notes (optional).
    #[serde(default)]
    pub description: String,
    /// Certification version: 3 (adaptive test, the default) or 2 (three questions per certifiable
    /// competence); fixed once a candidate has started.
    #[serde(default)]
    pub version: Option<i64>,
}

/// A checked session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// Site.
    pub address: String,
    /// Room.
    pub room: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `HH:MM`.
    pub time: String,
    /// Invigilator names.
    pub examiner: String,
    /// Notes.
    pub description: String,
    /// Certification version (2 or 3).
    pub version: i64,
}

/// A date as `YYYY-MM-DD`, from `YYYY-MM-DD` (date inputs) or `jj/mm/aaaa`.
pub fn any_date(raw: &str) -> Option<String> {
    let raw = raw.trim();
    parse_date(raw).or_else(|| {
        let mut p = raw.split('-');
        let (y, m, d) = (p.next()?, p.next()?, p.next()?);
        if p.next().is_some() {
            return None;
        }
        parse_date(&format!("{d}/{m}/{y}"))
    })
}

/// `HH:MM` (24 h), if it is a time of day.
pub fn time_of_day(raw: &str) -> Option<String> {
    let (h, m) = raw.trim().split_once(':')?;
    let (h, m): (u8, u8) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && raw.trim().len() <= 5).then(|| format!("{h:02}:{m:02}"))
}

impl SessionFields {
    /// Checks every field; a session cannot be planned before `today` (`YYYY-MM-DD`).
    pub fn validate(&self, today: &str) -> Result<NewSession, Vec<FieldError>> {
        let mut check = Check::default();
        let address = check.field("address", "field-session-address", text(&self.address));
        let room = check.field("room", "field-session-room", text(&self.room));
        let date = check.field("date", "field-session-date", any_date(&self.date).filter(|d| d.as_str() >= today));
        let time = check.field("time", "field-session-time", time_of_day(&self.time));
        let examiner = check.field("examiner", "field-session-examiner", text(&self.examiner));
        let description = self.description.trim();
        check.require("description", "field-text-too-long", description.chars().count() <= 2000);
        let version =
            check.field("version", "field-session-version", self.version.or(Some(3)).filter(|v| matches!(v, 2 | 3)));
        check.finish(|| {
            Some(NewSession {
                address: address?,
                room: room?,
                date: date?,
                time: time?,
                examiner: examiner?,
                description: description.to_owned(),
                version: version?,
            })
        })
    }
}

/// A candidate as submitted (page, API and, later, imported lines).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CandidateFields {
    /// First name.
    #[serde(default)]
    pub first_name: String,
    /// Birth name.
    #[serde(default)]
    pub last_name: String,
    /// `jj/mm/aaaa` or `YYYY-MM-DD`.
    #[serde(default)]
    pub birth_date: String,
    /// M or F.
    #[serde(default)]
    pub sex: String,
    /// Country of birth (`France` for people born in France).
    #[serde(default)]
    pub birth_country: String,
    /// INSEE code of the birth city (born in France: this, or postal code and city).
    #[serde(default)]
    pub birth_insee_code: String,
    /// Postal code of the birth city.
    #[serde(default)]
    pub birth_postal_code: String,
    /// Birth city (required with a postal code, or when born abroad).
    #[serde(default)]
    pub birth_city: String,
    /// The centre's identifier of the person (optional).
    #[serde(default)]
    pub external_id: String,
    /// Extra time in percent, 1 to 99 (optional).
    #[serde(default)]
    pub extra_time_percentage: String,
    /// `yes` when the test must serve accessible questions only.
    #[serde(default)]
    pub accessibility_adjustment: String,
    /// Notice email (optional).
    #[serde(default)]
    pub email: String,
    /// Results recipient email (optional).
    #[serde(default)]
    pub result_recipient_email: String,
}

/// A candidate as enrolled, checked: who they are, where they were born, their adjustments and
/// the addresses that get mail about them.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize, ToSchema)]
pub struct Enrolment {
    /// First name.
    pub first_name: String,
    /// Birth name.
    pub last_name: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// M or F.
    pub sex: String,
    /// Country of birth.
    pub birth_country: String,
    /// INSEE code of the birth city (France; `99` abroad).
    pub birth_insee_code: Option<String>,
    /// Postal code of the birth city (France, with the city).
    pub birth_postal_code: Option<String>,
    /// Birth city.
    pub birth_city: Option<String>,
    /// The centre's own identifier of the person.
    pub external_id: Option<String>,
    /// Extra time in percent (1 to 99).
    pub extra_time_percentage: Option<i64>,
    /// The test serves accessible questions only.
    pub accessibility_adjustment: bool,
    /// Where the notice is sent.
    pub email: Option<String>,
    /// Who receives the results (a trainer, a teacher…).
    pub result_recipient_email: Option<String>,
}

/// Whether a country names France.
pub fn is_france(country: &str) -> bool {
    matches!(crate::csv_import::name_key(country).as_str(), "france" | "99100" | "fr")
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// An INSEE city code: 5 characters, digits except Corsica's `2A`/`2B`.
fn insee_code(s: &str) -> bool {
    let s = s.to_uppercase();
    digits(&s, 5) || (s.len() == 5 && (s.starts_with("2A") || s.starts_with("2B")) && digits(&s[2..], 3))
}

fn optional_email(check: &mut Check, field: &str, raw: &str) -> Option<Option<String>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Some(None);
    }
    check.field(field, "field-email-invalid", Email::parse(raw).map(|e| Some(e.as_str().to_owned())))
}

impl CandidateFields {
    /// Checks every field (birthplace rules of PRODUCT §2.1). Birth dates lie between 1900 and `today`.
    pub fn validate(&self, today: &str) -> Result<Enrolment, Vec<FieldError>> {
        let mut check = Check::default();
        let last_name = check.field("last_name", "field-candidate-last-name", text(&self.last_name));
        let first_name = check.field("first_name", "field-candidate-first-name", text(&self.first_name));
        let birth_date = check.field(
            "birth_date",
            "field-birth-date-invalid",
            any_date(&self.birth_date).filter(|d| d.as_str() >= "1900-01-01" && d.as_str() <= today),
        );
        let sex = check.field(
            "sex",
            "field-candidate-sex",
            match self.sex.trim().to_uppercase().as_str() {
                "M" => Some("M"),
                "F" => Some("F"),
                _ => None,
            },
        );
        let country = text(&self.birth_country).unwrap_or_else(|| "France".to_owned());
        let insee = self.birth_insee_code.trim().to_uppercase();
        let postal = self.birth_postal_code.trim().to_owned();
        let city = self.birth_city.trim().to_owned();
        check.require("birth_city", "field-text-too-long", city.chars().count() <= MAX_TEXT);
        if is_france(&country) {
            // Born in France: the INSEE code, or the postal code with the city.
            if !insee.is_empty() {
                check.require("birth_insee_code", "field-candidate-insee", insee_code(&insee));
            } else if !postal.is_empty() {
                check.require("birth_postal_code", "field-candidate-postal", digits(&postal, 5));
                check.require("birth_city", "field-candidate-city", !city.is_empty());
            } else {
                check.require("birth_insee_code", "field-candidate-birthplace-france", false);
            }
        } else {
            check.require("birth_city", "field-candidate-city-abroad", !city.is_empty());
        }
        let external_id = self.external_id.trim();
        check.require("external_id", "field-text-too-long", external_id.chars().count() <= MAX_TEXT);
        let extra = self.extra_time_percentage.trim().trim_end_matches('%').trim();
        let extra_time = if extra.is_empty() || extra == "0" {
            Some(None)
        } else {
            check.field(
                "extra_time_percentage",
                "field-candidate-extra-time",
                extra.parse::<i64>().ok().filter(|p| (1..=99).contains(p)).map(Some),
            )
        };
        let email = optional_email(&mut check, "email", &self.email);
        let recipient = optional_email(&mut check, "result_recipient_email", &self.result_recipient_email);
        let some = |s: String| (!s.is_empty()).then_some(s);
        check.finish(|| {
            let france = is_france(&country);
            Some(Enrolment {
                first_name: first_name?,
                last_name: last_name?,
                birth_date: birth_date?,
                sex: sex?.to_owned(),
                birth_insee_code: if france { some(insee.clone()) } else { Some("99".to_owned()) },
                birth_postal_code: if france && insee.is_empty() { some(postal.clone()) } else { None },
                birth_city: if france && !insee.is_empty() { None } else { some(city.clone()) },
                birth_country: if france { "France".to_owned() } else { country.clone() },
                external_id: some(external_id.to_owned()),
                extra_time_percentage: extra_time?,
                accessibility_adjustment: self.accessibility_adjustment == "yes",
                email: email?,
                result_recipient_email: recipient?,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: &str = "2026-11-29";

    fn codes(r: Result<impl std::fmt::Debug, Vec<FieldError>>) -> Vec<(String, String)> {
        r.unwrap_err().into_iter().map(|e| (e.field, e.code)).collect()
    }

    fn candidate() -> CandidateFields {
        CandidateFields {
            first_name: "Léa".into(),
            last_name: "Dupont".into(),
            birth_date: "05/03/2004".into(),
            sex: "f".into(),
            birth_insee_code: "75056".into(),
            ..CandidateFields::default()
        }
    }

    #[test]
    fn v2_questions_count_as_answered_withdrawn_neutralized_or_missed() {
        let part = |code: &str, ids: &[&str]| V2Competence {
            code: code.into(),
            level: 2,
            pix: 20,
            challenges: ids.iter().map(|s| (*s).to_owned()).collect(),
        };
        let plan = V2Plan { competences: vec![part("1.1", &["a", "b", "c"]), part("2.1", &["d", "e"])] };
        let answers = [("b", false), ("c", true), ("d", false)];
        let withdrawn = vec!["a".to_owned()];
        let outcomes = |technical_abort| V2Outcomes {
            answers: &answers,
            withdrawn: &withdrawn,
            neutralized: &[2],
            revalidated: &[1, 3],
            technical_abort,
        };
        let facts = |technical| -> Vec<(usize, bool, bool, bool)> {
            plan.answers(&outcomes(technical), |q| q == "e")
                .iter()
                .map(|a| (a.competence, a.correct, a.neutralized, a.qrocm_dep))
                .collect()
        };
        assert_eq!(
            facts(false),
            vec![
                (0, false, true, false), // withdrawn after an alert
                (0, true, false, false), // wrong, counted right by an issue report
                (0, true, true, false),  // neutralized by an issue report
                (1, true, false, false), // revalidated
                (1, false, false, true), // never reached: the candidate left
            ]
        );
        assert_eq!(facts(true)[4], (1, false, true, true), "never reached, technical problem: does not count");
    }

    #[test]
    fn sessions_need_a_place_a_future_date_a_time_and_an_invigilator() {
        let ok = SessionFields {
            address: "Lycée Curie".into(),
            room: "B12".into(),
            date: "2026-12-15".into(),
            time: "9:30".into(),
            examiner: "M. Martin".into(),
            description: String::new(),
            version: None,
        };
        let s = ok.validate(TODAY).unwrap();
        assert_eq!((s.date.as_str(), s.time.as_str(), s.version), ("2026-12-15", "09:30", 3), "v3 by default");
        assert_eq!(SessionFields { version: Some(2), ..ok.clone() }.validate(TODAY).unwrap().version, 2);
        assert_eq!(
            codes(SessionFields { version: Some(4), ..ok.clone() }.validate(TODAY)),
            vec![("version".into(), "field-session-version".into())]
        );
        assert_eq!(
            SessionFields { date: "15/12/2026".into(), ..ok.clone() }.validate(TODAY).unwrap().date,
            "2026-12-15"
        );
        let errors =
            codes(SessionFields { date: "2026-11-28".into(), time: "25:00".into(), ..ok.clone() }.validate(TODAY));
        assert_eq!(
            errors,
            vec![("date".into(), "field-session-date".into()), ("time".into(), "field-session-time".into())]
        );
        assert_eq!(codes(SessionFields::default().validate(TODAY)).len(), 5);
    }

    #[test]
    fn candidates_born_in_france_give_an_insee_code_or_a_postal_code_and_a_city() {
        let c = candidate().validate(TODAY).unwrap();
        assert_eq!(
            (c.sex.as_str(), c.birth_date.as_str(), c.birth_country.as_str(), c.birth_insee_code.as_deref()),
            ("F", "2004-03-05", "France", Some("75056"))
        );
        let by_postal = CandidateFields {
            birth_insee_code: String::new(),
            birth_postal_code: "75015".into(),
            birth_city: "Paris".into(),
            ..candidate()
        };
        let c = by_postal.validate(TODAY).unwrap();
        assert_eq!(
            (c.birth_postal_code.as_deref(), c.birth_city.as_deref(), c.birth_insee_code),
            (Some("75015"), Some("Paris"), None)
        );
        let neither = CandidateFields { birth_insee_code: String::new(), ..candidate() };
        assert_eq!(
            codes(neither.validate(TODAY)),
            vec![("birth_insee_code".into(), "field-candidate-birthplace-france".into())]
        );
        let postal_alone =
            CandidateFields { birth_insee_code: String::new(), birth_postal_code: "75015".into(), ..candidate() };
        assert_eq!(codes(postal_alone.validate(TODAY)), vec![("birth_city".into(), "field-candidate-city".into())]);
        assert!(CandidateFields { birth_insee_code: "2A004".into(), ..candidate() }.validate(TODAY).is_ok(), "Corsica");
        assert!(CandidateFields { birth_insee_code: "7505".into(), ..candidate() }.validate(TODAY).is_err());
    }

    #[test]
    fn candidates_born_abroad_give_a_country_and_a_city() {
        let abroad =
            CandidateFields { birth_country: "Espagne".into(), birth_insee_code: String::new(), ..candidate() };
        assert_eq!(
            codes(abroad.clone().validate(TODAY)),
            vec![("birth_city".into(), "field-candidate-city-abroad".into())]
        );
        let c = CandidateFields { birth_city: "Madrid".into(), ..abroad }.validate(TODAY).unwrap();
        assert_eq!(
            (c.birth_country.as_str(), c.birth_insee_code.as_deref(), c.birth_city.as_deref()),
            ("Espagne", Some("99"), Some("Madrid"))
        );
    }

    #[test]
    fn extra_time_is_1_to_99_percent_and_emails_are_checked() {
        let with = |p: &str| CandidateFields { extra_time_percentage: p.into(), ..candidate() }.validate(TODAY);
        assert_eq!(with("33 %").unwrap().extra_time_percentage, Some(33));
        assert_eq!(with("0").unwrap().extra_time_percentage, None);
        assert!(with("100").is_err() && with("-5").is_err() && with("un tiers").is_err());
        let bad =
            CandidateFields { email: "nope".into(), result_recipient_email: "prof@example.org".into(), ..candidate() };
        assert_eq!(codes(bad.validate(TODAY)), vec![("email".into(), "field-email-invalid".into())]);
        let missing = CandidateFields { sex: "X".into(), birth_date: "31/02/2004".into(), ..candidate() };
        assert_eq!(
            codes(missing.validate(TODAY)),
            vec![
                ("birth_date".into(), "field-birth-date-invalid".into()),
                ("sex".into(), "field-candidate-sex".into())
            ]
        );
    }
}

/// An issue report on a candidate's test (REFERENCE §6.5).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IssueReport {
    /// Id.
    pub id: Uuid,
    /// The test it concerns.
    pub course_id: Uuid,
    /// Category, e.g. `IN_CHALLENGE`.
    pub category: String,
    /// Subcategory, or empty.
    pub subcategory: String,
    /// The question's number (from 1) for question reports.
    pub question_number: Option<i64>,
    /// What happened.
    pub description: String,
    /// The automatic resolution, once finalised.
    pub resolution: Option<String>,
    /// When it was written.
    pub created_at: i64,
}
