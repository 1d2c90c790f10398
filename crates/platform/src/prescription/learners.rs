//! An organisation's learner list: imported from a CSV file in the organisation's format (SCO,
//! SUP or GENERIC) by an ADMIN, listed for every member, and reconciled with the learners'
//! accounts when they join a campaign (names and birth date).
//!
//! An import is all or nothing: every problem of the file is reported at its line and column,
//! and nothing changes until none remains. Then nothing changes either until the referent has
//! seen what the file would do — how many learners are added, updated and leave, with the first
//! of each — and confirmed it ([`preview_import`], [`confirm_import`]). SCO and GENERIC lists
//! replace the previous one (learners absent from the new file leave the list, as the reference
//! disables them: their results stay, and they come back if a later file has them); SUP lists are
//! added to the previous one or replace it.

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::{
    Json,
    body::Body,
    extract::{Path, Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    import::{self, Format, ImportError, ImportedLearner, LearnerList},
    model::Organization,
    orga::PAGE_SIZE,
    service, store,
};
use crate::identity::request::{CsrfForm, CsrfHeader, CsrfMultipart, NoFields, Page, field};
use crate::{
    AppState,
    db::Tx,
    identity::{
        guard::{AdminMember, AnyMember, OrganizationAccess},
        model::MemberRole,
    },
    web::{
        error::{AppError, FieldError},
        i18n::Lang,
        layout::{Chrome, render},
    },
};

// ------------------------------------------------------------------ service

/// How a list changes the previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ImportMode {
    /// Learners of the file are added or updated; the others stay.
    Add,
    /// The file is the whole list: learners absent from it leave the list.
    Replace,
}

/// What an import changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImportSummary {
    /// Learners added to the list.
    pub created: usize,
    /// Learners whose details changed (or who came back to the list).
    pub updated: usize,
    /// Learners already on the list as they are in the file.
    pub unchanged: usize,
    /// Learners who leave the list (absent from a file that replaces it); their results stay.
    pub left: usize,
}

/// A learner as a preview shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PreviewLine {
    /// Last name.
    pub last_name: String,
    /// First name.
    pub first_name: String,
    /// Division (SCO) or group (SUP).
    pub group: String,
}

/// What an import would change, shown before anything is written; confirmed by its `import_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Preview {
    /// The checked list waiting for confirmation (an hour).
    pub import_id: Uuid,
    /// How the file changes the list.
    pub mode: ImportMode,
    /// The counts.
    pub summary: ImportSummary,
    /// The first learners added (10 at most), by name.
    pub added: Vec<PreviewLine>,
    /// The first learners updated (10 at most), by name.
    pub updated: Vec<PreviewLine>,
    /// The first learners who leave the list (10 at most), by name.
    pub leaving: Vec<PreviewLine>,
}

/// Learners of each kind a preview shows.
pub const PREVIEW_LINES: usize = 10;
/// How long a checked list waits for its confirmation.
const PENDING_MICROS: i64 = 3_600_000_000;

/// Today, `YYYY-MM-DD` (UTC), the latest accepted birth date.
fn today(state: &AppState) -> String {
    crate::clock::today(state.clock.as_ref())
}

/// The learner-list format of an organisation, if it imports lists.
pub fn format_of(organization: &Organization) -> Option<Format> {
    organization.learner_import.as_deref().and_then(Format::parse)
}

fn key_of(format: Format, l: &store::ListedLearner) -> String {
    match format {
        Format::Sco => l.entry.national_id.clone().unwrap_or_default().to_uppercase(),
        Format::Sup => l.entry.student_number.clone().unwrap_or_default().to_uppercase(),
        Format::Generic => import::identity_key(
            &l.entry.first_name,
            &l.entry.last_name,
            l.entry.birth_date.as_deref().unwrap_or_default(),
        ),
    }
}

fn row_of(id: Uuid, l: &ImportedLearner) -> store::LearnerRow<'_> {
    store::LearnerRow {
        id,
        first_name: &l.first_name,
        last_name: &l.last_name,
        birth_date: &l.birth_date,
        national_id: l.national_id.as_deref(),
        student_number: l.student_number.as_deref(),
        division: l.division.as_deref(),
        group_name: l.group_name.as_deref(),
        extra: serde_json::to_string(&l.extra).unwrap_or_else(|_| "{}".into()),
    }
}

fn unchanged(existing: &store::ListedLearner, row: &store::LearnerRow<'_>) -> bool {
    existing.deleted_at.is_none()
        && existing.entry.first_name == row.first_name
        && existing.entry.last_name == row.last_name
        && existing.entry.birth_date.as_deref() == Some(row.birth_date)
        && existing.entry.national_id.as_deref() == row.national_id
        && existing.entry.student_number.as_deref() == row.student_number
        && existing.entry.division.as_deref() == row.division
        && existing.entry.group_name.as_deref() == row.group_name
        && existing.entry.extra == row.extra
}

/// What a file does to the list: computed from the list as it is, written only by [`apply`].
struct Plan<'a> {
    inserts: Vec<&'a ImportedLearner>,
    updates: Vec<(&'a store::ListedLearner, &'a ImportedLearner)>,
    unchanged: usize,
    leaving: Vec<&'a store::ListedLearner>,
}

fn plan<'a>(existing: &'a [store::ListedLearner], format: Format, mode: ImportMode, list: &'a LearnerList) -> Plan<'a> {
    let by_key: HashMap<String, &store::ListedLearner> = existing.iter().map(|l| (key_of(format, l), l)).collect();
    let mut plan = Plan { inserts: Vec::new(), updates: Vec::new(), unchanged: 0, leaving: Vec::new() };
    let mut in_file = HashSet::new();
    for learner in &list.learners {
        match by_key.get(&learner.key(format)) {
            Some(found) => {
                in_file.insert(found.id);
                if unchanged(found, &row_of(found.id, learner)) {
                    plan.unchanged += 1;
                } else {
                    plan.updates.push((found, learner));
                }
            }
            None => plan.inserts.push(learner),
        }
    }
    if mode == ImportMode::Replace {
        plan.leaving = existing.iter().filter(|l| l.deleted_at.is_none() && !in_file.contains(&l.id)).collect();
    }
    plan
}

impl Plan<'_> {
    fn summary(&self) -> ImportSummary {
        ImportSummary {
            created: self.inserts.len(),
            updated: self.updates.len(),
            unchanged: self.unchanged,
            left: self.leaving.len(),
        }
    }

    fn preview(&self, import_id: Uuid, mode: ImportMode) -> Preview {
        let from_file = |l: &ImportedLearner| PreviewLine {
            last_name: l.last_name.clone(),
            first_name: l.first_name.clone(),
            group: l.division.clone().or(l.group_name.clone()).unwrap_or_default(),
        };
        let from_list = |l: &store::ListedLearner| PreviewLine {
            last_name: l.entry.last_name.clone(),
            first_name: l.entry.first_name.clone(),
            group: l.entry.division.clone().or(l.entry.group_name.clone()).unwrap_or_default(),
        };
        let first = |mut lines: Vec<PreviewLine>| {
            lines.sort_by(|a, b| (&a.last_name, &a.first_name).cmp(&(&b.last_name, &b.first_name)));
            lines.truncate(PREVIEW_LINES);
            lines
        };
        Preview {
            import_id,
            mode,
            summary: self.summary(),
            added: first(self.inserts.iter().map(|l| from_file(l)).collect()),
            updated: first(self.updates.iter().map(|(_, l)| from_file(l)).collect()),
            leaving: first(self.leaving.iter().map(|l| from_list(l)).collect()),
        }
    }
}

async fn apply(tx: &mut Tx, org: Uuid, plan: &Plan<'_>, now: i64) -> Result<(), AppError> {
    for (found, learner) in &plan.updates {
        store::update_imported_learner(&mut *tx, &row_of(found.id, learner), now).await?;
    }
    let inserts: Vec<store::LearnerRow<'_>> = plan.inserts.iter().map(|l| row_of(Uuid::now_v7(), l)).collect();
    store::insert_imported_learners(&mut *tx, org, &inserts, now).await?;
    let gone: Vec<Uuid> = plan.leaving.iter().map(|l| l.id).collect();
    store::remove_learners(&mut *tx, &gone, now).await?;
    Ok(())
}

async fn parse_in_background(
    state: &AppState,
    format: Format,
    bytes: Vec<u8>,
) -> Result<Result<LearnerList, Vec<ImportError>>, AppError> {
    let today = today(state);
    tokio::task::spawn_blocking(move || import::parse(format, &bytes, &today))
        .await
        .map_err(|e| AppError::Internal(e.into()))
}

fn mode_code(mode: ImportMode) -> &'static str {
    match mode {
        ImportMode::Add => "add",
        ImportMode::Replace => "replace",
    }
}

/// Reads and checks a list and says what it would change, writing nothing to the list: the file
/// waits (an hour) for the referent's confirmation. `mode` only matters for SUP lists (SCO and
/// GENERIC lists are whole lists).
pub async fn preview_import(
    state: &AppState,
    organization: &Organization,
    actor: Uuid,
    mode: ImportMode,
    bytes: Vec<u8>,
) -> Result<Result<Preview, Vec<ImportError>>, AppError> {
    let format = format_of(organization).ok_or(AppError::Conflict)?;
    let mode = if format == Format::Sup { mode } else { ImportMode::Replace };
    let list = match parse_in_background(state, format, bytes.clone()).await? {
        Ok(list) => list,
        Err(errors) => return Ok(Err(errors)),
    };
    let existing = store::imported_learners(&state.db, organization.id).await?;
    let preview = plan(&existing, format, mode, &list).preview(Uuid::now_v7(), mode);
    let now = state.clock.now_micros();
    let pending = store::PendingImport {
        id: preview.import_id,
        actor_id: Some(actor),
        mode: mode_code(mode).to_owned(),
        file: bytes,
        preview: serde_json::to_string(&preview).map_err(|e| AppError::Internal(e.into()))?,
    };
    store::save_pending_import(&state.db, organization.id, &pending, now, now + PENDING_MICROS).await?;
    Ok(Ok(preview))
}

/// The list waiting for confirmation, as its preview.
pub async fn pending_preview(state: &AppState, org: Uuid, id: Uuid) -> Result<Preview, AppError> {
    let pending =
        store::pending_import(&state.db, org, id, state.clock.now_micros()).await?.ok_or(AppError::NotFound)?;
    serde_json::from_str(&pending.preview).map_err(|e| AppError::Internal(e.into()))
}

/// What a confirmation did.
#[derive(Debug, Clone)]
pub enum Confirmed {
    /// The list is imported.
    Applied(ImportSummary),
    /// The organisation's list changed since the preview (another import): nothing was written;
    /// here is what the file would do now, to confirm again.
    Changed(Preview),
}

/// Applies a checked list the referent confirmed, in one transaction, if it still does what its
/// preview said; 404 when there is no such list waiting (expired, cancelled, applied).
pub async fn confirm_import(
    state: &AppState,
    organization: &Organization,
    actor: Uuid,
    id: Uuid,
) -> Result<Confirmed, AppError> {
    let format = format_of(organization).ok_or(AppError::Conflict)?;
    let now = state.clock.now_micros();
    let pending = store::pending_import(&state.db, organization.id, id, now).await?.ok_or(AppError::NotFound)?;
    let shown: Preview = serde_json::from_str(&pending.preview).map_err(|e| AppError::Internal(e.into()))?;
    let list = match parse_in_background(state, format, pending.file).await? {
        Ok(list) => list,
        Err(_) => return Err(AppError::Conflict),
    };
    let mut tx = state.db.begin().await?;
    store::lock_organization(&mut tx, organization.id).await?;
    let existing = store::imported_learners(&mut tx, organization.id).await?;
    let plan = plan(&existing, format, shown.mode, &list);
    let now_preview = plan.preview(id, shown.mode);
    if now_preview != shown {
        tx.rollback().await?;
        let text = serde_json::to_string(&now_preview).map_err(|e| AppError::Internal(e.into()))?;
        store::update_pending_preview(&state.db, id, &text).await?;
        return Ok(Confirmed::Changed(now_preview));
    }
    apply(&mut tx, organization.id, &plan, now).await?;
    if format == Format::Generic {
        store::set_extra_columns(&mut tx, organization.id, &list.extra_columns).await?;
    }
    store::delete_pending_import(&mut tx, organization.id, id).await?;
    tx.commit().await?;
    let summary = plan.summary();
    crate::audit::write(
        state,
        Some(actor),
        "organization.learners.import",
        None,
        "organisation",
        serde_json::json!({ "organization": organization.id, "format": organization.learner_import, "summary": summary }),
    )
    .await?;
    Ok(Confirmed::Applied(summary))
}

/// Forgets a list waiting for confirmation; 404 when there is none.
pub async fn cancel_import(state: &AppState, org: Uuid, id: Uuid) -> Result<(), AppError> {
    if store::delete_pending_import(&state.db, org, id).await? { Ok(()) } else { Err(AppError::NotFound) }
}

/// Previews and confirms at once (benchmarks and tools: no person to ask).
pub async fn import_list(
    state: &AppState,
    organization: &Organization,
    actor: Uuid,
    mode: ImportMode,
    bytes: Vec<u8>,
) -> Result<Result<ImportSummary, Vec<ImportError>>, AppError> {
    let preview = match preview_import(state, organization, actor, mode, bytes).await? {
        Ok(p) => p,
        Err(errors) => return Ok(Err(errors)),
    };
    match confirm_import(state, organization, actor, preview.import_id).await? {
        Confirmed::Applied(summary) => Ok(Ok(summary)),
        Confirmed::Changed(_) => Err(AppError::Conflict),
    }
}

/// What a learner types to find themselves in an organisation's list.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Identity {
    /// First name.
    #[serde(default)]
    pub first_name: String,
    /// Last name.
    #[serde(default)]
    pub last_name: String,
    /// Birth date, `jj/mm/aaaa` or `YYYY-MM-DD`.
    #[serde(default)]
    pub birth_date: String,
}

fn birth_date(raw: &str) -> Option<String> {
    let raw = raw.trim();
    import::parse_date(raw).or_else(|| {
        let mut p = raw.split('-');
        let (y, m, d) = (p.next()?, p.next()?, p.next()?);
        if p.next().is_some() {
            return None;
        }
        import::parse_date(&format!("{d}/{m}/{y}"))
    })
}

/// Whether an identity is complete and its birth date readable (a guess worth counting).
pub fn well_formed(who: &Identity) -> bool {
    identity_errors(who).is_empty()
}

/// What is missing or wrong in a learner's names and birth date, each field's error.
pub fn identity_errors(who: &Identity) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (name, value) in [("first_name", &who.first_name), ("last_name", &who.last_name)] {
        if value.trim().is_empty() {
            errors.push(FieldError { field: name.into(), code: format!("field-{}-missing", name.replace('_', "-")) });
        }
    }
    if birth_date(&who.birth_date).is_none() {
        errors.push(FieldError { field: "birth_date".into(), code: "field-birth-date-invalid".into() });
    }
    errors
}

/// Links the account to the learner of the organisation's list with these names and birth date
/// (case, accents and hyphens aside), or says which field to correct. Nobody and somebody already
/// linked are the same answer: trying reveals nothing about who is on the list.
pub async fn reconcile(
    tx: &mut Tx,
    org: Uuid,
    user: Uuid,
    who: &Identity,
    now: i64,
) -> Result<Result<Uuid, Vec<FieldError>>, AppError> {
    let errors = identity_errors(who);
    let Some(date) = birth_date(&who.birth_date).filter(|_| errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let (first, last) = (import::name_key(&who.first_name), import::name_key(&who.last_name));
    let same: Vec<store::ListedLearner> = store::learners_born_on(&mut *tx, org, &date)
        .await?
        .into_iter()
        .filter(|l| import::name_key(&l.entry.first_name) == first && import::name_key(&l.entry.last_name) == last)
        .collect();
    for candidate in same.iter().filter(|l| l.user_id.is_none()) {
        if store::link_learner(&mut *tx, candidate.id, user, now).await? {
            return Ok(Ok(candidate.id));
        }
    }
    Ok(Err(vec![FieldError { field: "last_name".into(), code: "field-reconcile-not-found".into() }]))
}

pub use crate::csv_import::{problem_text, problems_response};

// ------------------------------------------------------------------ pages

/// A learner as the list shows them.
pub struct LearnerView {
    /// Last name.
    pub last_name: String,
    /// First name.
    pub first_name: String,
    /// Birth date `jj/mm/aaaa`.
    pub birth_date: String,
    /// National id or student number.
    pub identifier: String,
    /// Division or group.
    pub division: String,
    /// An account joined with this entry.
    pub linked: bool,
}

impl From<store::ListedLearner> for LearnerView {
    fn from(l: store::ListedLearner) -> Self {
        let birth_date = l
            .entry
            .birth_date
            .as_deref()
            .and_then(|d| {
                let mut p = d.split('-');
                Some(format!("{2}/{1}/{0}", p.next()?, p.next()?, p.next()?))
            })
            .unwrap_or_default();
        LearnerView {
            birth_date,
            identifier: l.entry.national_id.or(l.entry.student_number).unwrap_or_default(),
            division: l.entry.division.or(l.entry.group_name).unwrap_or_default(),
            linked: l.user_id.is_some(),
            last_name: l.entry.last_name,
            first_name: l.entry.first_name,
        }
    }
}

#[derive(Template)]
#[template(path = "prescription/learners.html")]
struct LearnersPage {
    chrome: Chrome,
    organization: Uuid,
    organization_name: String,
    admin: bool,
    /// `SCO`, `SUP`, `GENERIC`, or empty when the organisation does not import lists.
    format: String,
    learners: Vec<LearnerView>,
    total: i64,
    divisions: Vec<String>,
    q: String,
    division: String,
    /// `q=…&division=…`, URL-encoded, for the page links.
    filters: String,
    page_number: i64,
    has_next: bool,
    problems: Vec<String>,
    notice: String,
    mode: String,
}

/// Query of the list page.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LearnersQuery {
    /// Part of a name.
    #[serde(default)]
    q: Option<String>,
    /// A division or group.
    #[serde(default)]
    division: Option<String>,
    /// Page number, from 1.
    #[serde(default)]
    page: Option<i64>,
    /// After an import: learners added, updated and removed.
    #[serde(default)]
    #[param(ignore)]
    created: Option<usize>,
    #[serde(default)]
    #[param(ignore)]
    updated: Option<usize>,
    #[serde(default)]
    #[param(ignore)]
    left: Option<usize>,
    /// After a cancelled import.
    #[serde(default)]
    #[param(ignore)]
    cancelled: Option<String>,
}

fn pattern(q: &str) -> String {
    let search = q.trim().to_lowercase();
    if search.is_empty() { String::new() } else { format!("%{}%", search.replace(['%', '_'], "")) }
}

async fn learners_page(
    state: &AppState,
    page: &Page,
    access: (Uuid, MemberRole),
    q: LearnersQuery,
    problems: Vec<String>,
    mode: &str,
) -> Result<Response, AppError> {
    let (org, role) = access;
    let organization = service::organization(state, org).await?;
    let page_number = crate::identity::request::page_number(q.page);
    let search = q.q.clone().unwrap_or_default();
    let division = q.division.clone().unwrap_or_default();
    let (mut found, total) = store::learners_page(
        &state.db,
        org,
        &pattern(&search),
        &division,
        PAGE_SIZE + 1,
        (page_number - 1) * PAGE_SIZE,
    )
    .await?;
    let has_next = found.len() as i64 > PAGE_SIZE;
    found.truncate(PAGE_SIZE as usize);
    let notice = match (q.created, q.updated, q.left) {
        (Some(c), Some(u), Some(l)) => page.lang.t_args(
            "learners-imported",
            &[("created", &c.to_string()), ("updated", &u.to_string()), ("left", &l.to_string())],
        ),
        _ if q.cancelled.is_some() => page.t("learners-import-cancelled"),
        _ => String::new(),
    };
    let filters = form_urlencoded::Serializer::new(String::new())
        .append_pair("q", &search)
        .append_pair("division", &division)
        .finish();
    let status = if problems.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let title = page.t("learners-title");
    Ok(render(
        status,
        &LearnersPage {
            chrome: page.chrome(&title),
            organization: org,
            admin: role == MemberRole::Admin,
            format: organization.learner_import.clone().unwrap_or_default(),
            organization_name: organization.name,
            learners: found.into_iter().map(LearnerView::from).collect(),
            total,
            divisions: store::learner_divisions(&state.db, org).await?,
            q: search,
            division,
            filters,
            page_number,
            has_next,
            problems,
            notice,
            mode: mode.to_owned(),
        },
    ))
}

/// `GET /orga/{organization_id}/learners`: the organisation's learners, 50 a page.
pub async fn learners(
    State(state): State<AppState>,
    page: Page,
    access: OrganizationAccess<AnyMember>,
    Query(q): Query<LearnersQuery>,
) -> Result<Response, AppError> {
    learners_page(&state, &page, (access.organization, access.role), q, Vec::new(), "add").await
}

/// `POST /orga/{organization_id}/learners/import` (ADMIN): a file from the import form.
pub async fn import_form(
    State(state): State<AppState>,
    page: Page,
    access: OrganizationAccess<AdminMember>,
    form: CsrfMultipart,
) -> Result<Response, AppError> {
    let organization = service::organization(&state, access.organization).await?;
    let mode_text = field(&form.fields, "mode").unwrap_or("add").to_owned();
    let mode = if mode_text == "replace" { ImportMode::Replace } else { ImportMode::Add };
    let back = (access.organization, access.role);
    let Some(file) = form.file("file") else {
        let problems = vec![page.t("learners-file-required")];
        return learners_page(&state, &page, back, LearnersQuery::default(), problems, &mode_text).await;
    };
    match preview_import(&state, &organization, access.user.id, mode, file.bytes.clone()).await? {
        Ok(preview) => {
            Ok(Redirect::to(&format!("/orga/{}/learners/imports/{}", access.organization, preview.import_id))
                .into_response())
        }
        Err(errors) => {
            let problems = errors.iter().map(|e| problem_text(page.lang, e)).collect();
            learners_page(&state, &page, back, LearnersQuery::default(), problems, &mode_text).await
        }
    }
}

#[derive(Template)]
#[template(path = "prescription/import_preview.html")]
struct PreviewPage {
    chrome: Chrome,
    organization: Uuid,
    organization_name: String,
    preview: Preview,
    /// The list changed since the preview was first shown.
    changed: bool,
    /// (message id, first lines, how many in all) for the added, updated and leaving learners.
    sections: Vec<(&'static str, Vec<PreviewLine>, usize)>,
}

/// Path of a list waiting for confirmation.
#[derive(Debug, Deserialize)]
pub struct ImportPath {
    // Checked by the guard; named so that the path deserialises.
    #[allow(dead_code)]
    organization_id: Uuid,
    import_id: Uuid,
}

/// Query of the preview page.
#[derive(Debug, Default, Deserialize)]
pub struct PreviewQuery {
    #[serde(default)]
    changed: Option<String>,
}

/// `GET /orga/{organization_id}/learners/imports/{import_id}` (ADMIN): what the checked file would
/// change — learners added, updated, leaving — to confirm or cancel.
pub async fn preview_page(
    State(state): State<AppState>,
    page: Page,
    access: OrganizationAccess<AdminMember>,
    Path(path): Path<ImportPath>,
    Query(q): Query<PreviewQuery>,
) -> Result<Response, AppError> {
    let organization = service::organization(&state, access.organization).await?;
    let preview = pending_preview(&state, access.organization, path.import_id).await?;
    let sections = vec![
        ("learners-preview-added", preview.added.clone(), preview.summary.created),
        ("learners-preview-updated", preview.updated.clone(), preview.summary.updated),
        ("learners-preview-leaving", preview.leaving.clone(), preview.summary.left),
    ];
    Ok(render(
        StatusCode::OK,
        &PreviewPage {
            chrome: page.chrome_t("learners-preview-title"),
            organization: access.organization,
            organization_name: organization.name,
            preview,
            changed: q.changed.is_some(),
            sections,
        },
    ))
}

/// `POST /orga/{organization_id}/learners/imports/{import_id}/confirm` (ADMIN).
pub async fn confirm_form(
    State(state): State<AppState>,
    access: OrganizationAccess<AdminMember>,
    Path(path): Path<ImportPath>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let organization = service::organization(&state, access.organization).await?;
    let to = match confirm_import(&state, &organization, access.user.id, path.import_id).await? {
        Confirmed::Applied(s) => format!(
            "/orga/{}/learners?created={}&updated={}&left={}",
            access.organization, s.created, s.updated, s.left
        ),
        Confirmed::Changed(p) => format!("/orga/{}/learners/imports/{}?changed=1", access.organization, p.import_id),
    };
    Ok(Redirect::to(&to).into_response())
}

/// `POST /orga/{organization_id}/learners/imports/{import_id}/cancel` (ADMIN).
pub async fn cancel_form(
    State(state): State<AppState>,
    access: OrganizationAccess<AdminMember>,
    Path(path): Path<ImportPath>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    cancel_import(&state, access.organization, path.import_id).await?;
    Ok(Redirect::to(&format!("/orga/{}/learners?cancelled=1", access.organization)).into_response())
}

/// `GET /orga/{organization_id}/learners/template.csv`: an empty file in the organisation's format.
pub async fn template(
    State(state): State<AppState>,
    access: OrganizationAccess<AnyMember>,
) -> Result<Response, AppError> {
    let organization = service::organization(&state, access.organization).await?;
    let format = format_of(&organization).ok_or(AppError::NotFound)?;
    let mut response = Response::new(Body::from(format.template()));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    let name = format!(
        "attachment; filename=\"liste-{}.csv\"",
        organization.learner_import.unwrap_or_default().to_lowercase()
    );
    headers
        .insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&name).map_err(|e| AppError::Internal(e.into()))?);
    Ok(response)
}

// ------------------------------------------------------------------ API

/// A page of an organisation's learner list.
#[derive(Serialize, ToSchema)]
pub struct LearnersJson {
    /// Learners matching the filters.
    total: i64,
    /// Page number, from 1.
    page: i64,
    /// This page (50 at most).
    learners: Vec<store::ListedLearner>,
}

/// Lists the organisation's learners by name (search, division or group, pages of 50).
#[utoipa::path(get, path = "/api/organizations/{organization_id}/learners", tag = "organizations",
    params(("organization_id" = Uuid, Path), LearnersQuery), responses((status = 200, body = LearnersJson)))]
pub async fn api_learners(
    State(state): State<AppState>,
    access: OrganizationAccess<AnyMember>,
    Query(q): Query<LearnersQuery>,
) -> Result<Json<LearnersJson>, AppError> {
    let page = crate::identity::request::page_number(q.page);
    let (learners, total) = store::learners_page(
        &state.db,
        access.organization,
        &pattern(q.q.as_deref().unwrap_or_default()),
        q.division.as_deref().unwrap_or_default(),
        PAGE_SIZE,
        (page - 1) * PAGE_SIZE,
    )
    .await?;
    Ok(Json(LearnersJson { total, page, learners }))
}

/// Query of the import.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// SUP lists: `add` (default) or `replace`. SCO and GENERIC lists always replace.
    #[serde(default)]
    #[param(inline)]
    mode: Option<ImportMode>,
}

/// Checks a learner list (the CSV file as the body) in the organisation's format and says what it
/// would change — learners added, updated and leaving, with the first of each — **writing nothing**:
/// confirm with `POST …/learners/imports/{import_id}/confirm` within an hour. 422 lists every
/// problem with its `line` and `column`. 409 when the organisation does not import lists.
#[utoipa::path(post, path = "/api/organizations/{organization_id}/learners/import", tag = "organizations",
    params(("organization_id" = Uuid, Path), ImportQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = Preview)))]
pub async fn api_import(
    State(state): State<AppState>,
    lang: Lang,
    access: OrganizationAccess<AdminMember>,
    Query(q): Query<ImportQuery>,
    _: CsrfHeader,
    body: Body,
) -> Result<Response, AppError> {
    let bytes = axum::body::to_bytes(body, crate::web::MAX_UPLOAD_BYTES).await.map_err(|_| AppError::TooLarge)?;
    let organization = service::organization(&state, access.organization).await?;
    let mode = q.mode.unwrap_or(ImportMode::Add);
    match preview_import(&state, &organization, access.user.id, mode, bytes.to_vec()).await? {
        Ok(preview) => Ok(Json(preview).into_response()),
        Err(errors) => Ok(problems_response(lang, &errors)),
    }
}

/// What a checked list waiting for confirmation would change. 404 once confirmed, cancelled or
/// expired.
#[utoipa::path(get, path = "/api/organizations/{organization_id}/learners/imports/{import_id}", tag = "organizations",
    params(("organization_id" = Uuid, Path), ("import_id" = Uuid, Path)), responses((status = 200, body = Preview)))]
pub async fn api_preview(
    State(state): State<AppState>,
    access: OrganizationAccess<AdminMember>,
    Path(path): Path<ImportPath>,
) -> Result<Json<Preview>, AppError> {
    Ok(Json(pending_preview(&state, access.organization, path.import_id).await?))
}

/// Applies a checked list, in one transaction. 409 when the organisation's list changed since the
/// preview (nothing written: read the preview again, then confirm); 404 once confirmed, cancelled
/// or expired.
#[utoipa::path(post, path = "/api/organizations/{organization_id}/learners/imports/{import_id}/confirm", tag = "organizations",
    params(("organization_id" = Uuid, Path), ("import_id" = Uuid, Path)), responses((status = 200, body = ImportSummary)))]
pub async fn api_confirm(
    State(state): State<AppState>,
    access: OrganizationAccess<AdminMember>,
    Path(path): Path<ImportPath>,
    _: CsrfHeader,
) -> Result<Json<ImportSummary>, AppError> {
    let organization = service::organization(&state, access.organization).await?;
    match confirm_import(&state, &organization, access.user.id, path.import_id).await? {
        Confirmed::Applied(summary) => Ok(Json(summary)),
        Confirmed::Changed(_) => Err(AppError::Conflict),
    }
}

/// Forgets a checked list instead of applying it.
#[utoipa::path(delete, path = "/api/organizations/{organization_id}/learners/imports/{import_id}", tag = "organizations",
    params(("organization_id" = Uuid, Path), ("import_id" = Uuid, Path)), responses((status = 204, description = "cancelled")))]
pub async fn api_cancel(
    State(state): State<AppState>,
    access: OrganizationAccess<AdminMember>,
    Path(path): Path<ImportPath>,
    _: CsrfHeader,
) -> Result<StatusCode, AppError> {
    cancel_import(&state, access.organization, path.import_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
