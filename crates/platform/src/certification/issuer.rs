//! The credential issuer: its Ed25519 keys live in the database (every node signs with the same
//! key), a certificate's credential is signed once and served as issued, the DID document lists
//! every key, and the revocation status lists follow the jury's decisions.

use axum::{
    Json,
    extract::{Path, State},
    http::header,
    response::{IntoResponse, Response},
};
use base64::Engine as _;
use serde_json::Value;
use uuid::Uuid;

use super::{
    credential::{self, Claims, IssuerKey, STATUS_LIST_SIZE},
    service::{self, Certificate},
    store::{self, KeyRow},
};
use crate::{
    AppState,
    identity::CurrentUser,
    web::{error::AppError, i18n::Lang},
};

/// How long a status list stays valid once fetched: a verifier checking offline needs a recent one,
/// and an old list (saved before a revocation) stops being accepted.
const STATUS_LIST_VALIDITY_MICROS: i64 = 24 * 3600 * 1_000_000;

/// The media type of a verifiable credential (VC Data Model 2.0 §6.3).
pub const CREDENTIAL_MEDIA_TYPE: &str = "application/vc";

/// The issuer's name in credentials.
pub const ISSUER_NAME: &str = "Pix — service public de certification des compétences numériques";

fn rfc3339(micros: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(micros / 1_000_000).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// To the microsecond: a key retired in the very second it signed something still verifies it
/// (proofs are dated to the second, rounded down).
fn rfc3339_micros(micros: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

fn key_of(row: &KeyRow) -> Result<IssuerKey, AppError> {
    let seed: [u8; 32] = base64::engine::general_purpose::STANDARD
        .decode(&row.secret)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("issuer key {} is unreadable", row.id)))?;
    Ok(IssuerKey::from_seed(&row.id, &seed))
}

/// Makes a new signing key `key-N` and retires the others (they stay published, so what they
/// signed keeps verifying); returns its id.
pub async fn rotate(db: &crate::db::Db, now: i64) -> Result<String, AppError> {
    loop {
        let n = store::credential_keys(db).await?.len() + 1;
        let id = format!("key-{n}");
        let seed: [u8; 32] = rand::random();
        let key = IssuerKey::from_seed(&id, &seed);
        let secret = base64::engine::general_purpose::STANDARD.encode(seed);
        // Two nodes creating the first key at once: one wins, the other reads it.
        if store::insert_credential_key(db, &id, &key.multikey(), &secret, now).await? {
            store::retire_credential_keys_except(db, &id, now).await?;
            return Ok(id);
        }
        if n == 1 {
            return Ok(id);
        }
    }
}

/// Every key, creating the first one on first use.
async fn keys(state: &AppState) -> Result<Vec<KeyRow>, AppError> {
    let rows = store::credential_keys(&state.db).await?;
    if !rows.is_empty() {
        return Ok(rows);
    }
    rotate(&state.db, state.clock.now_micros()).await?;
    Ok(store::credential_keys(&state.db).await?)
}

/// The key that signs now: the newest one not retired (never a withdrawn one: then a new key is made).
async fn signing_key(state: &AppState) -> Result<IssuerKey, AppError> {
    let rows = keys(state).await?;
    if let Some(row) = rows.iter().rev().find(|k| k.retired_at.is_none() && k.withdrawn_at.is_none()) {
        return key_of(row);
    }
    rotate(&state.db, state.clock.now_micros()).await?;
    let rows = store::credential_keys(&state.db).await?;
    key_of(rows.iter().rev().find(|k| k.withdrawn_at.is_none()).ok_or(AppError::NotFound)?)
}

/// Withdraws a compromised key: it leaves the DID document, so nothing it signed verifies any more
/// (those certificates keep verifying by their code; their holders download a credential signed
/// anew). False when there is no such key in use.
pub async fn withdraw(db: &crate::db::Db, id: &str, now: i64) -> Result<bool, AppError> {
    if !store::withdraw_credential_key(db, id, now).await? {
        return Ok(false);
    }
    // What it signed is re-issued on the next download, with the current key.
    store::forget_credentials_of_key(db, id).await?;
    Ok(true)
}

fn did(state: &AppState) -> String {
    credential::did_web(&state.settings.public_url)
}

fn status_url(state: &AppState, list: i64) -> String {
    format!("{}/credentials/status/{list}", state.settings.public_url.trim_end_matches('/'))
}

/// The certificate's credential (JSON), signed on first request and the same ever after.
pub async fn issue(state: &AppState, c: &Certificate) -> Result<String, AppError> {
    if !c.result.is_validated() {
        return Err(AppError::NotFound);
    }
    if let Some(issued) = store::credential_of(&state.db, c.course.id).await? {
        return Ok(issued);
    }
    let public_url = state.settings.public_url.trim_end_matches('/').to_owned();
    let locale = crate::web::i18n::locale(Lang::Fr);
    let competences: Vec<(String, String, u32)> = c
        .result
        .levels()
        .into_iter()
        .filter_map(|(code, level)| {
            let idx = state.content.competence_by_code(&code)?;
            Some((code, state.content.competence(idx).name.get(locale).to_owned(), level))
        })
        .collect();
    let key = signing_key(state).await?;
    let did = did(state);
    for _ in 0..5 {
        let index = store::next_status_index(&state.db).await?;
        let claims = Claims {
            id: format!("{public_url}/verifier-un-certificat?code={}", c.result.verification_code),
            holder: format!("{} {}", c.candidate.enrolled.first_name, c.candidate.enrolled.last_name.to_uppercase()),
            version: c.course.version,
            score: (c.result.pix_score, c.max_score, c.score_error()),
            level: c.global_level().map(|l| Lang::Fr.t(l)),
            competences: competences.clone(),
            taken: (c.ended_at(), format!("urn:uuid:{}", c.session.center_id), c.center.clone()),
            verification_code: c.result.verification_code.clone(),
            status: (status_url(state, index / STATUS_LIST_SIZE as i64 + 1), (index % STATUS_LIST_SIZE as i64) as u64),
        };
        let now = state.clock.now_micros();
        let unsigned = credential::credential(&public_url, &did, ISSUER_NAME, &claims);
        let signed = credential::sign(unsigned, &key, &did, &rfc3339(now));
        let text = serde_json::to_string_pretty(&signed).map_err(|e| AppError::Internal(e.into()))?;
        if store::insert_credential(&state.db, c.course.id, index, &key.id, &text, now).await? {
            return Ok(text);
        }
        // Issued meanwhile by another request, or the position was taken: read or try the next one.
        if let Some(issued) = store::credential_of(&state.db, c.course.id).await? {
            return Ok(issued);
        }
    }
    Err(AppError::Conflict)
}

/// The issuer's DID document.
pub async fn did_document(state: &AppState) -> Result<Value, AppError> {
    let keys: Vec<credential::PublishedKey> = keys(state)
        .await?
        .into_iter()
        .filter(|k| k.withdrawn_at.is_none())
        .map(|k| credential::PublishedKey {
            id: k.id,
            public_key: k.public_key,
            retired: k.retired_at.map(rfc3339_micros),
        })
        .collect();
    Ok(credential::did_document(&did(state), &keys))
}

/// Status list `list` (from 1), signed now.
pub async fn status_list(state: &AppState, list: i64) -> Result<Value, AppError> {
    let Some(from) = list.checked_sub(1).filter(|n| *n >= 0).and_then(|n| n.checked_mul(STATUS_LIST_SIZE as i64))
    else {
        return Err(AppError::NotFound);
    };
    let revoked: Vec<u64> = store::revoked_positions(&state.db, from, from + STATUS_LIST_SIZE as i64)
        .await?
        .into_iter()
        .map(|i| (i - from) as u64)
        .collect();
    let micros = state.clock.now_micros();
    let (now, until) = (rfc3339(micros), rfc3339(micros + STATUS_LIST_VALIDITY_MICROS));
    let unsigned = credential::status_list_credential(&status_url(state, list), &did(state), &revoked, (&now, &until));
    Ok(credential::sign(unsigned, &signing_key(state).await?, &did(state), &now))
}

// ------------------------------------------------------------------ routes

fn json_file(body: String, content_type: &'static str, filename: Option<String>) -> Response {
    let mut response = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    if let Some(name) = filename
        && let Ok(value) = format!("attachment; filename=\"{name}\"").parse()
    {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

async fn holder_credential(state: &AppState, user: Uuid, course: Uuid) -> Result<Response, AppError> {
    let c = service::own_certificate(state, user, course).await?;
    let body = issue(state, &c).await?;
    let name = format!("certificat-pix-{}.json", c.result.verification_code);
    Ok(json_file(body, CREDENTIAL_MEDIA_TYPE, Some(name)))
}

/// `GET /certificats/{course_id}/credential.json`: the holder downloads the signed credential.
pub async fn credential_page(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(course): Path<Uuid>,
) -> Result<Response, AppError> {
    holder_credential(&state, me.id, course).await
}

/// The signed-in holder's certificate as a signed Open Badges 3.0 / W3C Verifiable Credential
/// (Data Integrity proof `eddsa-jcs-2022`); 404 for anyone else, before publication, or when the
/// certification is not validated.
#[utoipa::path(get, path = "/api/certifications/{course_id}/credential", tag = "certification",
    params(("course_id" = Uuid, Path)),
    responses((status = 200, content_type = "application/vc", body = Object)))]
pub async fn api_credential(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(course): Path<Uuid>,
) -> Result<Response, AppError> {
    holder_credential(&state, me.id, course).await
}

/// `GET /.well-known/did.json`: the issuer's DID document (`did:web`), every key it ever signed
/// with.
pub async fn did_json(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    Ok(Json(did_document(&state).await?))
}

/// `GET /credentials/status/{list}`: a revocation status list (Bitstring Status List), signed.
pub async fn status_json(State(state): State<AppState>, Path(list): Path<i64>) -> Result<Response, AppError> {
    let body = serde_json::to_string(&status_list(&state, list).await?).map_err(|e| AppError::Internal(e.into()))?;
    // (`list` beyond the lists in use is an empty list, as the specification allows.)
    let mut response = json_file(body, CREDENTIAL_MEDIA_TYPE, None);
    // Verifiers may cache it a little; a revocation shows within five minutes.
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("public, max-age=300"));
    Ok(response)
}
