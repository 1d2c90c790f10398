//! What centres do before a session (plan it, enrol candidates) and whether a person may be
//! certified.

use rand::RngExt;
use uuid::Uuid;

use super::{
    model::{Candidate, CandidateFields, Center, Enrolment, Session, SessionFields, SessionStatus},
    store,
};
use crate::{
    AppState,
    web::error::{AppError, FieldError},
};

mod alerts;
mod finalisation;
mod invigilation;
mod joining;
mod jury;
mod start;

pub use alerts::*;
pub use finalisation::*;
pub use invigilation::*;
pub use joining::*;
pub use jury::*;
pub use start::*;

pub(crate) fn to_text(v: &impl serde::Serialize) -> Result<String, AppError> {
    serde_json::to_string(v).map_err(|e| AppError::Internal(e.into()))
}

/// Today in UTC, `YYYY-MM-DD`.
pub fn today(state: &AppState) -> String {
    crate::clock::today(state.clock.as_ref())
}

/// Sessions a centre may have open (planned, not finalised) at once: a centre's real need is a few
/// dozen; the cap keeps session numbers from being used up and the invigilator logins to guard few.
pub const MAX_OPEN_SESSIONS: i64 = 500;

/// Every centre, by name.
pub async fn centers(state: &AppState) -> Result<Vec<Center>, AppError> {
    Ok(store::centers(&state.db).await?)
}

/// Creates a centre (its members come by the back office's "add a member").
pub async fn create_center(
    state: &AppState,
    id: Uuid,
    name: &str,
    kind: &str,
    external_id: Option<&str>,
) -> Result<(), AppError> {
    Ok(store::insert_center(&state.db, id, name, kind, external_id, state.clock.now_micros()).await?)
}

/// A centre, or 404.
pub async fn center(state: &AppState, id: Uuid) -> Result<Center, AppError> {
    store::center(&state.db, id).await?.ok_or(AppError::NotFound)
}

/// A session of the centre, or 404 (a session of another centre is not found either).
pub async fn session(state: &AppState, center: Uuid, id: Uuid) -> Result<Session, AppError> {
    store::session_of(&state.db, center, id).await?.ok_or(AppError::NotFound)
}

/// Plans a session: a 7-digit number nobody else has, an access code and an invigilator password.
pub async fn create_session(
    state: &AppState,
    center: Uuid,
    author: Uuid,
    fields: &SessionFields,
) -> Result<Result<Session, Vec<FieldError>>, AppError> {
    let new = match fields.validate(&today(state)) {
        Ok(s) => s,
        Err(errors) => return Ok(Err(errors)),
    };
    if store::open_sessions_count(&state.db, center).await? >= MAX_OPEN_SESSIONS {
        return Ok(Err(vec![FieldError { field: "date".into(), code: "field-session-cap".into() }]));
    }
    let (number, access_code, password) = draw_keys(&state.db).await?;
    let id = Uuid::now_v7();
    let keys = store::SessionKeys {
        id,
        center,
        number,
        access_code: &access_code,
        invigilator_password: &password,
        created_by: author,
    };
    store::insert_session(&state.db, keys, &new, state.clock.now_micros()).await?;
    crate::audit::write(
        state,
        Some(author),
        "certification.session.create",
        None,
        "certification centre",
        serde_json::json!({ "center": center, "session": id }),
    )
    .await?;
    session(state, center, id).await.map(Ok)
}

/// A session number nobody has (7 digits, drawn at random so that numbers say nothing about one
/// another; a collision draws again), an access code and an invigilator password.
pub(crate) async fn draw_keys(conn: impl Into<crate::db::Conn<'_>>) -> Result<(i64, String, String), AppError> {
    let mut conn: crate::db::Conn<'_> = conn.into();
    let (mut number, access_code, password) = {
        let mut rng = rand::rng();
        (
            rng.random_range(1_000_000..10_000_000_i64),
            engine::codes::session_access_code(&mut rng),
            engine::codes::invigilator_password(&mut rng),
        )
    };
    for _ in 0..20 {
        if !store::number_taken(&mut conn, number).await? {
            break;
        }
        number = rand::rng().random_range(1_000_000..10_000_000_i64);
    }
    Ok((number, access_code, password))
}

/// What a mass import created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ImportSummary {
    /// New sessions.
    pub sessions: usize,
    /// Candidates enrolled (in new or existing sessions).
    pub candidates: usize,
}

/// Creates the sessions and enrols the candidates of a mass-import file, all or nothing: every
/// problem, including unknown or closed session numbers and people already enrolled, is returned
/// at its line and column, and nothing is created then.
pub async fn import_sessions(
    state: &AppState,
    center: Uuid,
    author: Uuid,
    bytes: Vec<u8>,
) -> Result<Result<ImportSummary, Vec<crate::csv_import::ImportError>>, AppError> {
    use crate::csv_import::{ImportError, Problem};
    let today = today(state);
    let plan = tokio::task::spawn_blocking(move || super::import::parse(&bytes, &today))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let plan = match plan {
        Ok(p) => p,
        Err(errors) => return Ok(Err(errors)),
    };
    let at = |line: usize, column: &str, code: &str| ImportError {
        line,
        column: Some(column.to_owned()),
        problem: Problem::Field(code.to_owned()),
    };
    let now = state.clock.now_micros();
    let mut tx = state.db.begin().await?;
    let mut errors = Vec::new();
    let mut existing = Vec::new();
    for (line, number, candidates) in &plan.existing {
        match store::session_by_number(&mut tx, center, *number).await? {
            None => errors.push(at(*line, "Numéro de session préexistante", "field-import-number-unknown")),
            Some(s) if s.status() != SessionStatus::Created => {
                errors.push(at(*line, "Numéro de session préexistante", "field-import-session-closed"))
            }
            Some(s) => {
                for c in candidates {
                    if store::same_person(&mut tx, s.id, None, &c.candidate).await? {
                        errors.push(at(c.line, "Nom de naissance", "field-candidate-duplicate"));
                    }
                }
                existing.push((s.id, candidates));
            }
        }
    }
    let open = store::open_sessions_count(&mut tx, center).await?;
    if open + plan.sessions.len() as i64 > MAX_OPEN_SESSIONS {
        let line = plan.sessions.first().map_or(2, |(line, _, _)| *line);
        errors.push(ImportError { line, column: None, problem: Problem::Field("field-session-cap".into()) });
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let mut summary = ImportSummary::default();
    for (session, candidates) in existing {
        for c in candidates {
            store::insert_candidate(&mut tx, Uuid::now_v7(), session, &c.candidate, now).await?;
            summary.candidates += 1;
        }
    }
    for (_, new, candidates) in &plan.sessions {
        let (number, access_code, password) = draw_keys(&mut tx).await?;
        let id = Uuid::now_v7();
        let keys = store::SessionKeys {
            id,
            center,
            number,
            access_code: &access_code,
            invigilator_password: &password,
            created_by: author,
        };
        store::insert_session(&mut tx, keys, new, now).await?;
        summary.sessions += 1;
        for c in candidates {
            store::insert_candidate(&mut tx, Uuid::now_v7(), id, &c.candidate, now).await?;
            summary.candidates += 1;
        }
    }
    tx.commit().await?;
    crate::audit::write(
        state,
        Some(author),
        "certification.sessions.import",
        None,
        "certification centre",
        serde_json::json!({ "center": center, "summary": summary }),
    )
    .await?;
    Ok(Ok(summary))
}

/// Changes a session still open.
pub async fn update_session(
    state: &AppState,
    s: &Session,
    fields: &SessionFields,
) -> Result<Result<(), Vec<FieldError>>, AppError> {
    if s.status() != SessionStatus::Created {
        return Err(AppError::Conflict);
    }
    match fields.validate(&today(state)) {
        Ok(new) if new.version != s.version && !store::courses_of_session(&state.db, s.id).await?.is_empty() => {
            Ok(Err(vec![FieldError { field: "version".into(), code: "field-session-version-started".into() }]))
        }
        Ok(new) => {
            store::update_session(&state.db, s.id, &new).await?;
            Ok(Ok(()))
        }
        Err(errors) => Ok(Err(errors)),
    }
}

async fn check_candidate(
    state: &AppState,
    s: &Session,
    except: Option<Uuid>,
    fields: &CandidateFields,
) -> Result<Result<Enrolment, Vec<FieldError>>, AppError> {
    if s.status() != SessionStatus::Created {
        return Err(AppError::Conflict);
    }
    let new = match fields.validate(&today(state)) {
        Ok(c) => c,
        Err(errors) => return Ok(Err(errors)),
    };
    if store::same_person(&state.db, s.id, except, &new).await? {
        return Ok(Err(vec![FieldError { field: "last_name".into(), code: "field-candidate-duplicate".into() }]));
    }
    Ok(Ok(new))
}

/// Enrols a candidate in an open session (409 once it is finalised).
pub async fn enrol(
    state: &AppState,
    s: &Session,
    author: Uuid,
    fields: &CandidateFields,
) -> Result<Result<Candidate, Vec<FieldError>>, AppError> {
    let new = match check_candidate(state, s, None, fields).await? {
        Ok(c) => c,
        Err(errors) => return Ok(Err(errors)),
    };
    let id = Uuid::now_v7();
    store::insert_candidate(&state.db, id, s.id, &new, state.clock.now_micros()).await?;
    crate::audit::write(
        state,
        Some(author),
        "certification.candidate.enrol",
        None,
        "certification centre",
        serde_json::json!({ "session": s.id, "candidate": id }),
    )
    .await?;
    store::candidate(&state.db, s.id, id).await?.ok_or(AppError::NotFound).map(Ok)
}

/// A candidate of the session who has not joined yet (their enrolment can still change), else 409.
pub async fn editable_candidate(state: &AppState, s: &Session, id: Uuid) -> Result<Candidate, AppError> {
    let c = store::candidate(&state.db, s.id, id).await?.ok_or(AppError::NotFound)?;
    if c.reconciled_at.is_some() || s.status() != SessionStatus::Created {
        return Err(AppError::Conflict);
    }
    Ok(c)
}

/// Changes a candidate's enrolment until they join.
pub async fn update_candidate(
    state: &AppState,
    s: &Session,
    id: Uuid,
    author: Uuid,
    fields: &CandidateFields,
) -> Result<Result<Candidate, Vec<FieldError>>, AppError> {
    editable_candidate(state, s, id).await?;
    let new = match check_candidate(state, s, Some(id), fields).await? {
        Ok(c) => c,
        Err(errors) => return Ok(Err(errors)),
    };
    store::update_candidate(&state.db, id, &new, state.clock.now_micros()).await?;
    crate::audit::write(
        state,
        Some(author),
        "certification.candidate.update",
        None,
        "certification centre",
        serde_json::json!({ "session": s.id, "candidate": id }),
    )
    .await?;
    store::candidate(&state.db, s.id, id).await?.ok_or(AppError::NotFound).map(Ok)
}

/// Removes a candidate who has not joined.
pub async fn remove_candidate(state: &AppState, s: &Session, id: Uuid, author: Uuid) -> Result<(), AppError> {
    editable_candidate(state, s, id).await?;
    store::delete_candidate(&state.db, id).await?;
    crate::audit::write(
        state,
        Some(author),
        "certification.candidate.remove",
        None,
        "certification centre",
        serde_json::json!({ "session": s.id, "candidate": id }),
    )
    .await
}

/// Whether a person may take the certification, and why.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Eligibility {
    /// At least 5 competences at level 1 or more.
    pub eligible: bool,
    /// Competences at level 1 or more.
    pub certifiable_competences: usize,
    /// How many are needed.
    pub required: usize,
    /// Level per competence.
    pub levels: Vec<CompetenceLevel>,
}

/// A competence's level in the profile.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CompetenceLevel {
    /// Competence code (`1.1`).
    pub code: String,
    /// Level (0 to 8).
    pub level: u32,
}

/// The person's eligibility from their profile (REFERENCE §6.1, PRODUCT §2.1: also for v3).
pub async fn eligibility(state: &AppState, user: Uuid) -> Result<Eligibility, AppError> {
    let profile = crate::evaluation::service::profile(state, user).await?;
    let levels: Vec<CompetenceLevel> = profile
        .iter()
        .map(|v| CompetenceLevel { code: state.content.competence(v.competence).code.clone(), level: v.score.level })
        .collect();
    let values: Vec<u32> = levels.iter().map(|l| l.level).collect();
    Ok(Eligibility {
        eligible: engine::certification::is_certifiable(&values),
        certifiable_competences: values.iter().filter(|l| **l >= 1).count(),
        required: engine::certification::MINIMUM_CERTIFIABLE_COMPETENCES,
        levels,
    })
}
