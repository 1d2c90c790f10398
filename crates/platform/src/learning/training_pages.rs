//! The learner's side of recommended trainings: "Mes formations", the cards the end of a campaign
//! shows, and the "was it useful?" answer.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use uuid::Uuid;

use super::trainings::{self, RecommendedRow};
use crate::{
    AppState,
    identity::{
        CurrentUser,
        request::{CsrfForm, Page},
    },
    web::{
        error::AppError,
        i18n::Lang,
        layout::{Chrome, render},
    },
};

/// A recommended training as a card.
#[derive(Debug, Clone)]
pub struct TrainingCard {
    /// The participation that recommended it (the usefulness form names it).
    pub participation_id: Uuid,
    /// The training.
    pub training_id: Uuid,
    /// Title.
    pub title: String,
    /// Where to follow it.
    pub href: String,
    /// A module of this site (opens in place), or another site.
    pub is_module: bool,
    /// Its type, as the learner reads it.
    pub kind: String,
    /// Its duration, as the learner reads it.
    pub duration: String,
    /// How it is delivered, as the learner reads it.
    pub delivery: String,
    /// Who publishes it.
    pub editor_name: String,
    /// The editor's logo (may be empty).
    pub editor_logo_url: String,
    /// What it is about.
    pub description: String,
    /// The learner's answer so far.
    pub useful: Option<bool>,
}

/// "1 j 2 h 30 min", "45 min".
pub fn duration_label(lang: Lang, (days, hours, minutes): (i64, i64, i64)) -> String {
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(lang.t_args("training-duration-days", &[("n", &days.to_string())]));
    }
    if hours > 0 {
        parts.push(lang.t_args("training-duration-hours", &[("n", &hours.to_string())]));
    }
    if minutes > 0 || parts.is_empty() {
        parts.push(lang.t_args("training-duration-minutes", &[("n", &minutes.to_string())]));
    }
    parts.join(" ")
}

/// Cards for recommended trainings.
pub fn cards(state: &AppState, lang: Lang, rows: &[RecommendedRow]) -> Vec<TrainingCard> {
    rows.iter()
        .map(|r| {
            let t = &r.training;
            TrainingCard {
                participation_id: r.participation_id,
                training_id: t.id,
                title: t.title.clone(),
                href: t.href(&state.content),
                is_module: t.is_module(),
                kind: lang.t(&format!("training-type-{}", t.kind)),
                duration: duration_label(lang, t.duration()),
                delivery: lang.t(&format!("training-delivery-{}", t.delivery_mode)),
                editor_name: t.editor_name.clone(),
                editor_logo_url: t.editor_logo_url.clone(),
                description: t.description.clone(),
                useful: r.useful,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "learning/trainings.html")]
struct MinePage {
    chrome: Chrome,
    trainings: Vec<TrainingCard>,
    back: String,
}

/// `GET /mes-formations`: every training recommended to me, the most recent first.
pub async fn mine(State(state): State<AppState>, page: Page, me: CurrentUser) -> Result<Response, AppError> {
    let rows = trainings::of_user(&state, me.id).await?;
    Ok(render(
        StatusCode::OK,
        &MinePage {
            chrome: page.chrome_t("my-trainings-title"),
            trainings: cards(&state, page.lang, &rows),
            back: "/mes-formations".to_owned(),
        },
    ))
}

/// The usefulness form.
#[derive(Debug, Deserialize)]
pub struct UsefulForm {
    /// `yes` or `no`.
    #[serde(default)]
    useful: String,
    /// The page to come back to (this site's campaign results or "Mes formations").
    #[serde(default)]
    back: String,
}

/// `POST /mes-formations/{participation_id}/{training_id}`: was it useful?
pub async fn useful(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path((participation, training)): Path<(Uuid, Uuid)>,
    CsrfForm(f): CsrfForm<UsefulForm>,
) -> Result<Response, AppError> {
    let useful = match f.useful.as_str() {
        "yes" => true,
        "no" => false,
        _ => {
            return Ok(crate::web::layout::message(
                StatusCode::UNPROCESSABLE_ENTITY,
                page.chrome_t("my-trainings-title"),
                vec![page.t("training-useful-required")],
                Some(("/mes-formations", page.t("my-trainings-title"))),
            ));
        }
    };
    trainings::set_useful(&state, me.id, participation, training, useful).await?;
    let back = if f.back.starts_with("/campagnes/") && !f.back.contains("//") && !f.back.contains('\\') {
        f.back
    } else {
        "/mes-formations".to_owned()
    };
    Ok(Redirect::to(&format!("{back}#training-{training}")).into_response())
}
