//! Playing learning modules: passages, answers checked on the server, events, progress.
//!
//! A passage belongs to a signed-in learner, or to the anonymous visitor whose session started it
//! (the session keeps the ids of its passages); nobody else reads or writes it. Its log holds the
//! answers and the events together, in order, and refuses everything once the passage is
//! terminated, except the end itself.

use content::module::{ElementKind, Module};
use engine::module::{Correction, Response, Status};
use serde_json::json;
use tower_sessions::Session;
use uuid::Uuid;

use super::store::{self, LogEntry, Passage};
use crate::{AppState, web::error::AppError};

/// Where the session keeps an anonymous visitor's passages.
const VISITOR_PASSAGES: &str = "learning.passages";
/// An anonymous session keeps this many passages at most (the oldest are forgotten).
const VISITOR_PASSAGES_KEPT: usize = 20;

/// Who is playing: the signed-in learner, or an anonymous visitor and their session. An extractor:
/// handlers take it as an argument.
#[derive(Clone)]
pub struct Player {
    /// The signed-in learner.
    pub user: Option<Uuid>,
    /// The session (it holds an anonymous visitor's passages).
    pub session: Session,
}

impl<S> axum::extract::FromRequestParts<S> for Player
where
    S: Send + Sync,
    AppState: axum::extract::FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        let me = crate::identity::session::MaybeUser::from_request_parts(parts, state).await?;
        Ok(Player { user: me.user.map(|u| u.id), session: me.session })
    }
}

/// A passage its player was found to own ([`owned`]): what the use cases on a passage take.
#[derive(Debug, Clone)]
pub struct Owned(Passage);

impl std::ops::Deref for Owned {
    type Target = Passage;
    fn deref(&self) -> &Passage {
        &self.0
    }
}

impl Player {
    async fn visitor_passages(&self) -> Vec<Uuid> {
        self.session.get::<Vec<Uuid>>(VISITOR_PASSAGES).await.ok().flatten().unwrap_or_default()
    }

    /// Whether this player may read and write the passage.
    async fn owns(&self, p: &Passage) -> bool {
        match (p.user_id, self.user) {
            (Some(owner), Some(me)) => owner == me,
            (Some(_), None) => false,
            (None, _) => self.visitor_passages().await.contains(&p.id),
        }
    }
}

/// A module by id, or by short id.
pub fn module_by_id<'c>(content: &'c content::Content, id: &str) -> Option<&'c Module> {
    content.modules.iter().find(|m| m.id == id)
}

/// The passage, when the player owns it (otherwise not found, as for a passage that does not exist).
pub async fn owned(state: &AppState, player: &Player, id: Uuid) -> Result<Owned, AppError> {
    let p = store::passage(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if !player.owns(&p).await {
        return Err(AppError::NotFound);
    }
    Ok(Owned(p))
}

/// Starts a passage of a module in a language; an anonymous visitor's session keeps it.
pub async fn start(
    state: &AppState,
    player: &Player,
    module: &Module,
    locale: content::Locale,
) -> Result<Passage, AppError> {
    let now = state.clock.now_micros();
    let passage = Passage {
        id: Uuid::now_v7(),
        module_id: module.id.clone(),
        module_version: module.version.clone(),
        user_id: player.user,
        locale: locale.code().to_owned(),
        revealed: 1,
        created_at: now,
        updated_at: now,
        terminated_at: None,
    };
    let mut tx = state.db.begin().await?;
    store::insert_passage(&mut tx, &passage).await?;
    let started = LogEntry {
        sequence: 1,
        kind: "PASSAGE_STARTED".into(),
        element_id: None,
        data: json!({ "module_version": module.version }).to_string(),
        occurred_at: now,
        recorded_at: now,
    };
    store::append(&mut tx, passage.id, &started).await?;
    tx.commit().await?;
    if player.user.is_none() {
        let mut kept = player.visitor_passages().await;
        kept.push(passage.id);
        let excess = kept.len().saturating_sub(VISITOR_PASSAGES_KEPT);
        kept.drain(..excess);
        player.session.insert(VISITOR_PASSAGES, kept).await.map_err(|e| AppError::Internal(e.into()))?;
    }
    Ok(passage)
}

/// The learner's passage to resume for a module: the most recent one under way on the module's
/// current version.
pub async fn resumable(state: &AppState, user: Uuid, module: &Module) -> Result<Option<Passage>, AppError> {
    Ok(store::passages_of_user(&state.db, user)
        .await?
        .into_iter()
        .find(|p| p.module_id == module.id && p.module_version == module.version && p.terminated_at.is_none()))
}

/// A checked answer, owned (it outlives the content borrow of the request).
#[derive(Debug, Clone)]
pub struct Checked {
    /// Right, wrong, or neither.
    pub status: Status,
    /// The feedback: verdict and explanation, in the passage's language.
    pub feedback: Option<(Option<String>, String)>,
    /// Per card or input: (id, status).
    pub details: Vec<(String, Status)>,
}

fn owned_correction(c: &Correction<'_>, locale: content::Locale) -> Checked {
    Checked {
        status: c.status,
        feedback: c
            .feedback
            .map(|f| (f.state.as_ref().map(|s| s.get(locale).to_owned()), f.diagnosis.get(locale).to_owned())),
        details: c.details.clone(),
    }
}

/// Why an answer or an event was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The passage is terminated: it takes nothing more.
    Terminated,
    /// The module has no such element, or it takes no answer.
    NoSuchElement,
    /// The answer does not fit the element (what to fix).
    Malformed(&'static str),
    /// An event's sequence number is not above every recorded one.
    OutOfOrder,
    /// An unknown event type, or an answer sent as an event.
    UnknownEvent(String),
}

/// The module a passage plays (the content may have moved on: then the current version).
pub fn module_of<'c>(state: &'c AppState, p: &Passage) -> Result<&'c Module, AppError> {
    module_by_id(&state.content, &p.module_id).ok_or(AppError::NotFound)
}

/// Checks an answer on the server and records it in the passage's log; the correction comes back.
pub async fn answer(
    state: &AppState,
    p: &Owned,
    element_id: &str,
    response: &Response,
) -> Result<Result<Checked, Refused>, AppError> {
    if p.terminated_at.is_some() {
        return Ok(Err(Refused::Terminated));
    }
    let module = module_of(state, p)?;
    let Some(element) = module.element(element_id) else { return Ok(Err(Refused::NoSuchElement)) };
    let locale = if p.locale == "en" { content::Locale::En } else { content::Locale::Fr };
    let correction = match engine::module::check(&element.kind, locale, response) {
        Ok(c) => c,
        Err(engine::module::ResponseError::NotAnswerable) => return Ok(Err(Refused::NoSuchElement)),
        Err(engine::module::ResponseError::Malformed(why)) => return Ok(Err(Refused::Malformed(why))),
    };
    let checked = owned_correction(&correction, locale);
    let now = state.clock.now_micros();
    let data = json!({
        "answer": response_json(response),
        "status": checked.status.as_str(),
        "details": checked.details.iter().map(|(id, s)| json!({ "id": id, "status": s.as_str() })).collect::<Vec<_>>(),
    });
    let Some(kind) = answered_event(&element.kind) else { return Ok(Err(Refused::NoSuchElement)) };
    let mut tx = state.db.begin().await?;
    let Some(locked) = store::passage_for_update(&mut tx, p.id).await? else { return Err(AppError::NotFound) };
    if locked.terminated_at.is_some() {
        return Ok(Err(Refused::Terminated));
    }
    let sequence = store::last_sequence(&mut tx, p.id).await? + 1;
    let entry = LogEntry {
        sequence,
        kind: kind.into(),
        element_id: Some(element.id.clone()),
        data: data.to_string(),
        occurred_at: now,
        recorded_at: now,
    };
    store::append(&mut tx, p.id, &entry).await?;
    tx.commit().await?;
    Ok(Ok(checked))
}

fn response_json(r: &Response) -> serde_json::Value {
    match r {
        Response::Choices(c) => json!(c),
        Response::Inputs(i) => json!(i.iter().map(|(k, v)| json!({ "input": k, "answer": v })).collect::<Vec<_>>()),
        Response::Cards(c) => json!(c.iter().map(|(k, v)| json!({ "card": k, "answer": v })).collect::<Vec<_>>()),
    }
}

/// The log type of an answer to this element (the reference's event names); none for an element
/// that takes no answer.
fn answered_event(kind: &ElementKind) -> Option<&'static str> {
    Some(match kind {
        ElementKind::Qcu(_) => "QCU_ANSWERED",
        ElementKind::QcuDiscovery(_) => "QCU_DISCOVERY_ANSWERED",
        ElementKind::QcuDeclarative { .. } => "QCU_DECLARATIVE_ANSWERED",
        ElementKind::Qcm { .. } => "QCM_ANSWERED",
        ElementKind::QcmDeclarative { .. } => "QCM_DECLARATIVE_ANSWERED",
        ElementKind::Qrocm { .. } => "QROCM_ANSWERED",
        ElementKind::Embed { .. } => "EMBED_ANSWERED",
        ElementKind::Qab { .. } => "QAB_ANSWERED",
        ElementKind::Flashcards { .. } => "FLASHCARDS_ASSESSED",
        _ => return None,
    })
}

/// Events a client may record (answers go through [`answer`], which checks them).
pub const EVENT_TYPES: &[&str] = &[
    "PASSAGE_TERMINATED",
    "GRAIN_CONTINUED",
    "GRAIN_SKIPPED",
    "STEPPER_NEXT_STEP",
    "EXPAND_OPENED",
    "EXPAND_CLOSED",
    "FILE_DOWNLOADED",
    "IMAGE_ALTERNATIVE_TEXT_OPENED",
    "VIDEO_PLAYED",
    "VIDEO_TRANSCRIPTION_OPENED",
    "SHORT_VIDEO_TRANSCRIPTION_OPENED",
    "AUDIO_PLAYED",
    "AUDIO_TRANSCRIPTION_OPENED",
    "QCU_RETRIED",
    "QCM_RETRIED",
    "QROCM_RETRIED",
    "EMBED_RETRIED",
    "QAB_RETRIED",
    "FLASHCARDS_STARTED",
    "FLASHCARDS_VERSO_SEEN",
    "FLASHCARDS_RECTO_REVIEWED",
    "FLASHCARDS_RETRIED",
];

/// An event as a client sends it.
#[derive(Debug, Clone)]
pub struct Event {
    /// Its place: above every recorded one.
    pub sequence: i64,
    /// One of [`EVENT_TYPES`].
    pub kind: String,
    /// The element concerned.
    pub element_id: Option<String>,
    /// When it happened on the device (µs).
    pub occurred_at: i64,
    /// Its own data (a card id…).
    pub data: serde_json::Value,
}

/// Records events in order; a terminated passage takes none but `PASSAGE_TERMINATED`, which
/// terminates it. All or nothing.
pub async fn record_events(state: &AppState, p: &Owned, events: &[Event]) -> Result<Result<(), Refused>, AppError> {
    let module = module_of(state, p)?;
    for e in events {
        if !EVENT_TYPES.contains(&e.kind.as_str()) {
            return Ok(Err(Refused::UnknownEvent(e.kind.clone())));
        }
        if e.element_id.as_deref().is_some_and(|id| module.element(id).is_none()) {
            return Ok(Err(Refused::NoSuchElement));
        }
    }
    let now = state.clock.now_micros();
    let mut tx = state.db.begin().await?;
    let Some(locked) = store::passage_for_update(&mut tx, p.id).await? else { return Err(AppError::NotFound) };
    let mut last = store::last_sequence(&mut tx, p.id).await?;
    let mut terminated = locked.terminated_at.is_some();
    for e in events {
        if terminated && e.kind != "PASSAGE_TERMINATED" {
            return Ok(Err(Refused::Terminated));
        }
        if e.sequence <= last {
            return Ok(Err(Refused::OutOfOrder));
        }
        last = e.sequence;
        let entry = LogEntry {
            sequence: e.sequence,
            kind: e.kind.clone(),
            element_id: e.element_id.clone(),
            data: e.data.to_string(),
            occurred_at: e.occurred_at,
            recorded_at: now,
        };
        store::append(&mut tx, p.id, &entry).await?;
        if e.kind == "PASSAGE_TERMINATED" {
            store::terminate(&mut tx, p.id, now).await?;
            terminated = true;
        }
    }
    tx.commit().await?;
    if terminated && let Some(user) = p.user_id {
        state.progressed(user);
    }
    Ok(Ok(()))
}

/// Terminates a passage (the learner reached the end); refused when it already is.
pub async fn terminate(state: &AppState, p: &Owned) -> Result<Result<(), Refused>, AppError> {
    let now = state.clock.now_micros();
    let mut tx = state.db.begin().await?;
    store::passage_for_update(&mut tx, p.id).await?;
    if !store::terminate(&mut tx, p.id, now).await? {
        return Ok(Err(Refused::Terminated));
    }
    let sequence = store::last_sequence(&mut tx, p.id).await? + 1;
    let entry = LogEntry {
        sequence,
        kind: "PASSAGE_TERMINATED".into(),
        element_id: None,
        data: "{}".into(),
        occurred_at: now,
        recorded_at: now,
    };
    store::append(&mut tx, p.id, &entry).await?;
    tx.commit().await?;
    // A finished module may complete a quest.
    if let Some(user) = p.user_id {
        state.progressed(user);
    }
    Ok(Ok(()))
}

/// Reveals the next grain (Continuer, or Passer on an activity); logs which.
pub async fn next_grain(state: &AppState, p: &Owned, skipped: bool) -> Result<Result<Passage, Refused>, AppError> {
    if p.terminated_at.is_some() {
        return Ok(Err(Refused::Terminated));
    }
    let module = module_of(state, p)?;
    let total = module.grains().count() as i64;
    let now = state.clock.now_micros();
    let mut tx = state.db.begin().await?;
    let Some(locked) = store::passage_for_update(&mut tx, p.id).await? else { return Err(AppError::NotFound) };
    let grain = module.grains().nth(usize::try_from(locked.revealed - 1).unwrap_or(0)).map(|(_, g)| g.id.clone());
    if locked.revealed < total {
        store::reveal(&mut tx, p.id, locked.revealed + 1, now).await?;
        let sequence = store::last_sequence(&mut tx, p.id).await? + 1;
        let entry = LogEntry {
            sequence,
            kind: if skipped { "GRAIN_SKIPPED" } else { "GRAIN_CONTINUED" }.into(),
            element_id: None,
            data: json!({ "grain": grain }).to_string(),
            occurred_at: now,
            recorded_at: now,
        };
        store::append(&mut tx, p.id, &entry).await?;
    }
    tx.commit().await?;
    Ok(Ok(Passage { revealed: (p.revealed + 1).min(total), ..p.0.clone() }))
}

/// Where a learner is with a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleStatus {
    /// Never opened.
    NotStarted,
    /// The reference passage is under way.
    InProgress,
    /// The reference passage is terminated.
    Completed,
}

impl ModuleStatus {
    /// The stored and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            ModuleStatus::NotStarted => "NOT_STARTED",
            ModuleStatus::InProgress => "IN_PROGRESS",
            ModuleStatus::Completed => "COMPLETED",
        }
    }
}

/// The status of each module for a learner: from the most recently terminated passage, else the
/// most recently changed one (the reference's rule), with that passage.
pub async fn statuses(state: &AppState, user: Uuid) -> Result<Vec<(ModuleStatus, Option<Passage>)>, AppError> {
    let passages = store::passages_of_user(&state.db, user).await?;
    Ok(state
        .content
        .modules
        .iter()
        .map(|m| {
            let mine = passages.iter().filter(|p| p.module_id == m.id);
            let terminated = mine.clone().filter(|p| p.terminated_at.is_some()).max_by_key(|p| p.terminated_at);
            match terminated.or_else(|| mine.max_by_key(|p| p.updated_at)) {
                Some(p) if p.terminated_at.is_some() => (ModuleStatus::Completed, Some(p.clone())),
                Some(p) => (ModuleStatus::InProgress, Some(p.clone())),
                None => (ModuleStatus::NotStarted, None),
            }
        })
        .collect())
}

/// The answers recorded in a passage: per element, the last one (status and the answer as JSON).
pub async fn last_answers(state: &AppState, passage: Uuid) -> Result<Vec<(String, serde_json::Value)>, AppError> {
    let log = store::log(&state.db, passage).await?;
    let mut out: Vec<(String, serde_json::Value)> = Vec::new();
    for e in log.iter().filter(|e| e.kind.ends_with("_ANSWERED") || e.kind == "FLASHCARDS_ASSESSED") {
        let (Some(id), Ok(data)) = (&e.element_id, serde_json::from_str::<serde_json::Value>(&e.data)) else {
            continue;
        };
        out.retain(|(k, _)| k != id);
        out.push((id.clone(), data));
    }
    Ok(out)
}

/// A learner's passages, the most recently changed first (quests look at them).
pub async fn passages_of_user(conn: impl Into<crate::db::Conn<'_>>, user: Uuid) -> Result<Vec<Passage>, AppError> {
    Ok(store::passages_of_user(conn, user).await?)
}

/// Demo data: a module the demo learner finished three days ago (its whole path revealed, the
/// passage terminated), so that "Mes modules" and the quests that look at passages show something.
pub async fn seed_finished_passage(state: &AppState, user: Uuid, short_id: &str) -> anyhow::Result<()> {
    let Some(module) = state.content.module_by_short_id(short_id) else { return Ok(()) };
    let at = state.clock.now_micros() - 3 * 24 * 3_600_000_000;
    let passage = Passage {
        id: Uuid::now_v7(),
        module_id: module.id.clone(),
        module_version: module.version.clone(),
        user_id: Some(user),
        locale: "fr".to_owned(),
        revealed: module.grains().count() as i64,
        created_at: at - 15 * 60_000_000,
        updated_at: at,
        terminated_at: Some(at),
    };
    let mut tx = state.db.begin().await?;
    store::insert_passage(&mut tx, &passage).await?;
    let entry = LogEntry {
        sequence: 1,
        kind: "PASSAGE_TERMINATED".into(),
        element_id: None,
        data: "{}".into(),
        occurred_at: at,
        recorded_at: at,
    };
    store::append(&mut tx, passage.id, &entry).await?;
    tx.commit().await?;
    Ok(())
}
