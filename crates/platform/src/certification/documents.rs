//! The certification's printable documents, as accessible PDFs in French or English: the session's
//! attendance sheet ("feuille d'émargement") and the candidate's certificate.

use axum::{
    extract::{Path, Query, State},
    http::header,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    model::{Candidate, Session},
    service::{self, Certificate},
    store,
};
use crate::identity::request::Page;
use crate::{
    AppState,
    identity::{
        CurrentUser,
        guard::{AnyMember, CenterAccess},
    },
    pdf::{Block, Doc},
    web::{error::AppError, i18n::Lang},
};

async fn render(doc: Doc) -> Result<Vec<u8>, AppError> {
    crate::pdf::render_off_thread(doc).await
}

/// PDFs one person may ask for per minute on a node (a certificate is read, not polled).
const PDFS_PER_MINUTE: u32 = 10;

type PersonLimiter =
    governor::RateLimiter<Uuid, governor::state::keyed::DefaultKeyedStateStore<Uuid>, governor::clock::DefaultClock>;

/// Counts a PDF of `person`; 429 beyond [`PDFS_PER_MINUTE`].
fn count_pdf(person: Uuid) -> Result<(), AppError> {
    use governor::clock::Clock as _;
    static LIMITER: std::sync::LazyLock<PersonLimiter> = std::sync::LazyLock::new(|| {
        let n = std::num::NonZeroU32::new(PDFS_PER_MINUTE).expect("positive");
        governor::RateLimiter::keyed(governor::Quota::per_minute(n))
    });
    LIMITER.retain_recent();
    LIMITER.check_key(&person).map_err(|not_until| AppError::TooManyRequests {
        retry_after: crate::web::limit::retry_after(
            not_until.wait_time_from(governor::clock::DefaultClock::default().now()),
        ),
    })
}

/// The session's attendance sheet: the session, then one row per candidate with room to sign.
pub fn attendance_sheet(
    session: &Session,
    center: &str,
    candidates: &[Candidate],
    lang: Lang,
    today: time::Date,
) -> Doc {
    let title = format!("{} — {} {}", lang.t("attendance-title"), lang.t("session-title"), session.number);
    let rows = candidates
        .iter()
        .map(|c| {
            vec![
                c.enrolled.last_name.to_uppercase(),
                c.enrolled.first_name.clone(),
                c.birth_date_fr(),
                c.enrolled.external_id.clone().unwrap_or_default(),
                c.enrolled.extra_time_percentage.map(|p| format!("{p} %")).unwrap_or_default(),
                String::new(),
            ]
        })
        .collect();
    Doc {
        lang: lang.code(),
        title: title.clone(),
        footer: title.clone(),
        date: today,
        blocks: vec![
            Block::Title(lang.t("attendance-title")),
            Block::Facts(vec![
                (lang.t("certificate-center"), center.to_owned()),
                (lang.t("session-number"), session.number.to_string()),
                (lang.t("session-address"), session.address.clone()),
                (lang.t("session-room"), session.room.clone()),
                (lang.t("session-date"), session.date_fr()),
                (lang.t("session-time"), session.time.clone()),
                (lang.t("session-examiner"), session.examiner.clone()),
            ]),
            Block::Heading(format!("{} ({})", lang.t("session-candidates"), candidates.len())),
            Block::Table {
                headers: vec![
                    lang.t("candidate-last-name"),
                    lang.t("candidate-first-name"),
                    lang.t("field-birth-date"),
                    lang.t("attendance-local-id"),
                    lang.t("candidate-extra-time"),
                    lang.t("attendance-signature"),
                ],
                rows,
                widths: vec![2.4, 2.0, 1.8, 1.6, 1.2, 2.6],
                min_row: 34.0,
            },
            Block::Paragraph(lang.t("attendance-note")),
        ],
    }
}

/// The certificate: holder, centre, date, score with its error, global and competence levels,
/// verification code, and a QR code that leads to its public verification.
pub fn certificate(state: &AppState, c: &Certificate, lang: Lang, verify_url: &str, today: time::Date) -> Doc {
    let locale = crate::web::i18n::locale(lang);
    let r = &c.result;
    let holder = format!("{} {}", c.candidate.enrolled.first_name, c.candidate.enrolled.last_name.to_uppercase());
    let title = format!("{} — {holder}", lang.t("certificate-title"));
    let mut blocks = vec![
        Block::Title(lang.t("certificate-title")),
        Block::Facts(vec![
            (lang.t("certificate-holder"), holder.clone()),
            (lang.t("field-birth-date"), format!("{}, {}", c.candidate.birth_date_fr(), c.candidate.birthplace())),
            (lang.t("certificate-center"), c.center.clone()),
            (lang.t("certificate-date"), c.taken_fr()),
            (lang.t("certificate-code"), r.verification_code.clone()),
        ]),
    ];
    if r.is_validated() {
        let error = c.score_error().map(|e| format!(" (± {e})")).unwrap_or_default();
        blocks.push(Block::Lead(format!("{} {} / {}{error}", lang.t("certificate-score"), r.pix_score, c.max_score)));
        if let Some(level) = c.global_level() {
            blocks.push(Block::Paragraph(format!("{} {}", lang.t("certificate-level"), lang.t(level))));
        }
        blocks.push(Block::Heading(lang.t("certificate-competences")));
        let rows = r
            .levels()
            .into_iter()
            .filter_map(|(code, level)| {
                let idx = state.content.competence_by_code(&code)?;
                Some(vec![format!("{code} {}", state.content.competence(idx).name.get(locale)), level.to_string()])
            })
            .collect();
        blocks.push(Block::Table {
            headers: vec![lang.t("campaign-competence"), lang.t("profile-level")],
            rows,
            widths: vec![5.0, 1.0],
            min_row: 0.0,
        });
    } else {
        blocks.push(Block::Paragraph(lang.t("certificate-not-validated")));
    }
    blocks.push(Block::Heading(lang.t("certificate-verify-heading")));
    blocks.push(Block::Paragraph(lang.t("certificate-share")));
    blocks.push(Block::Link {
        text: verify_url.to_owned(),
        url: verify_url.to_owned(),
        alt: lang.t("certificate-link-alt"),
    });
    if let Ok(code) = qrcode::QrCode::with_error_correction_level(verify_url.as_bytes(), qrcode::EcLevel::M) {
        let width = code.width();
        let dark: Vec<bool> = code.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect();
        // A quiet zone of four modules around the code, as scanners expect.
        let side = width + 8;
        let modules = (0..side)
            .map(|y| {
                (0..side)
                    .map(|x| {
                        (4..width + 4).contains(&x) && (4..width + 4).contains(&y) && dark[(y - 4) * width + (x - 4)]
                    })
                    .collect()
            })
            .collect();
        // Four points a module at least: a code printed at 72 dpi, or photographed from a screen,
        // still has modules of several pixels.
        let side = (side as f32 * 4.0).max(150.0);
        blocks.push(Block::Modules { alt: lang.t("certificate-qr-alt"), modules, side });
    }
    Doc { lang: lang.code(), title: title.clone(), footer: title, date: today, blocks }
}

/// The public verification page of a code, in the document's language (an English reader lands on
/// the English page through the language switch).
pub fn verification_url(public_url: &str, code: &str, lang: Lang) -> String {
    let public_url = public_url.trim_end_matches('/');
    match lang {
        Lang::Fr => format!("{public_url}/verifier-un-certificat?code={code}"),
        Lang::En => format!("{public_url}/lang/en?next=/verifier-un-certificat%3Fcode%3D{code}"),
    }
}

// ------------------------------------------------------------------ routes

/// The language asked for a document (`?lang=en`), else the page's.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentQuery {
    /// `fr` or `en`.
    #[serde(default)]
    lang: Option<String>,
}

impl DocumentQuery {
    fn lang(&self, default: Lang) -> Lang {
        self.lang.as_deref().and_then(Lang::parse).unwrap_or(default)
    }
}

fn pdf(bytes: Vec<u8>, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

async fn attendance_response(
    state: &AppState,
    access: &CenterAccess<AnyMember>,
    session: Uuid,
    lang: Lang,
) -> Result<Response, AppError> {
    let s = service::session(state, access.center, session).await?;
    let center = service::center(state, access.center).await?.name;
    let candidates = store::candidates(&state.db, s.id).await?;
    crate::audit::write(
        state,
        Some(access.user.id),
        "certification.attendance_sheet.read",
        None,
        "centre member",
        serde_json::json!({ "session": s.id, "candidates": candidates.len() }),
    )
    .await?;
    count_pdf(access.user.id)?;
    let bytes = render(attendance_sheet(&s, &center, &candidates, lang, state.clock.now().date())).await?;
    let name = match lang {
        Lang::En => format!("attendance-sheet-session-{}.pdf", s.number),
        Lang::Fr => format!("feuille-emargement-session-{}.pdf", s.number),
    };
    Ok(pdf(bytes, &name))
}

/// `GET /certif/{center_id}/sessions/{session_id}/attendance.pdf`: the attendance sheet to print.
pub async fn attendance_page(
    State(state): State<AppState>,
    page: Page,
    access: CenterAccess<AnyMember>,
    Path((_, session)): Path<(Uuid, Uuid)>,
    Query(q): Query<DocumentQuery>,
) -> Result<Response, AppError> {
    attendance_response(&state, &access, session, q.lang(page.lang)).await
}

/// The session's attendance sheet (tagged PDF, `?lang=fr` or `en`): the session and one row per
/// enrolled candidate with room to sign.
#[utoipa::path(get, path = "/api/certification-centers/{center_id}/sessions/{session_id}/attendance-sheet",
    tag = "certification", params(("center_id" = Uuid, Path), ("session_id" = Uuid, Path), DocumentQuery),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>)))]
pub async fn api_attendance(
    State(state): State<AppState>,
    lang: Lang,
    access: CenterAccess<AnyMember>,
    Path((_, session)): Path<(Uuid, Uuid)>,
    Query(q): Query<DocumentQuery>,
) -> Result<Response, AppError> {
    attendance_response(&state, &access, session, q.lang(lang)).await
}

async fn certificate_response(state: &AppState, user: Uuid, course: Uuid, lang: Lang) -> Result<Response, AppError> {
    let c = service::own_certificate(state, user, course).await?;
    count_pdf(user)?;
    let verify_url = verification_url(&state.settings.public_url, &c.result.verification_code, lang);
    let bytes = render(certificate(state, &c, lang, &verify_url, state.clock.now().date())).await?;
    let name = match lang {
        Lang::En => format!("pix-certificate-{}.pdf", c.result.verification_code),
        Lang::Fr => format!("certificat-pix-{}.pdf", c.result.verification_code),
    };
    Ok(pdf(bytes, &name))
}

/// `GET /certificats/{course_id}/pdf`: the holder's certificate as PDF (`?lang=en` for English).
pub async fn certificate_page(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(course): Path<Uuid>,
    Query(q): Query<DocumentQuery>,
) -> Result<Response, AppError> {
    certificate_response(&state, me.id, course, q.lang(page.lang)).await
}

/// The signed-in holder's published certificate as a tagged PDF (`?lang=fr` or `en`); 404 for
/// anyone else or before publication.
#[utoipa::path(get, path = "/api/certifications/{course_id}/pdf", tag = "certification",
    params(("course_id" = Uuid, Path), DocumentQuery),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>)))]
pub async fn api_certificate(
    State(state): State<AppState>,
    lang: Lang,
    me: CurrentUser,
    Path(course): Path<Uuid>,
    Query(q): Query<DocumentQuery>,
) -> Result<Response, AppError> {
    certificate_response(&state, me.id, course, q.lang(lang)).await
}
