//! The modules' pages: the list, a module's card, the player (one grain after the other, every
//! answer a form checked on the server: no JavaScript needed), and "Mes modules".

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use content::{
    Locale,
    module::{Component, Element, ElementKind, GrainKind, Module, QrocmBlock, SectionKind, TextTag},
};
use engine::module::Response as ModuleResponse;
use serde::Deserialize;
use uuid::Uuid;

use super::{
    service::{self, ModuleStatus, Player, Refused},
    view::media_url,
};
use crate::{
    AppState,
    identity::{
        CurrentUser,
        request::{CsrfForm, Fields, NoFields, Page, field},
    },
    web::{
        error::AppError,
        i18n::locale,
        layout::{Chrome, render},
    },
};

fn md(s: &str) -> String {
    content::markdown::to_html(s)
}

/// Markdown for a label or a piece of a sentence: without the paragraph around it.
fn inline(s: &str) -> String {
    let html = md(s);
    html.trim().strip_prefix("<p>").and_then(|h| h.strip_suffix("</p>")).map(str::to_owned).unwrap_or(html)
}

fn player_of(page: &Page) -> Player {
    Player { user: page.user.as_ref().map(|u| u.id), session: page.session().clone() }
}

fn module_at<'c>(state: &'c AppState, short_id: &str, slug: &str) -> Result<&'c Module, AppError> {
    let m = state.content.module_by_short_id(short_id).ok_or(AppError::NotFound)?;
    if m.slug != slug {
        return Err(AppError::NotFound);
    }
    Ok(m)
}

fn base(m: &Module) -> String {
    format!("/modules/{}/{}", m.short_id, m.slug)
}

/// A module on a card.
struct Card {
    href: String,
    title: String,
    description_html: String,
    duration: String,
    level: String,
    image: String,
    is_beta: bool,
    status: Option<String>,
}

fn card(m: &Module, page: &Page, status: Option<ModuleStatus>) -> Card {
    let l = locale(page.lang);
    Card {
        href: base(m),
        title: m.title.get(l).to_owned(),
        description_html: md(m.details.description.get(l)),
        duration: page.lang.t_args("module-duration-minutes", &[("n", &m.details.duration.to_string())]),
        level: page.t(&format!("module-level-{}", super::view::level_name(m.details.level))),
        image: media_url(&m.details.image),
        is_beta: m.is_beta,
        status: status.map(|s| page.t(&format!("module-status-{}", s.as_str().to_lowercase().replace('_', "-")))),
    }
}

#[derive(Template)]
#[template(path = "learning/list.html")]
struct ListPage {
    chrome: Chrome,
    cards: Vec<Card>,
}

/// `GET /modules`: the public modules.
pub async fn list(State(state): State<AppState>, page: Page) -> Result<Response, AppError> {
    let cards = state
        .content
        .modules
        .iter()
        .filter(|m| m.visibility == content::module::Visibility::Public)
        .map(|m| card(m, &page, None))
        .collect();
    Ok(render(StatusCode::OK, &ListPage { chrome: page.chrome_t("modules-title"), cards }))
}

#[derive(Template)]
#[template(path = "learning/details.html")]
struct DetailsPage {
    chrome: Chrome,
    card: Card,
    objectives: Vec<String>,
    tablet: String,
    start: String,
    resume: Option<String>,
}

/// `GET /modules/{short_id}/{slug}`: what the module teaches, and a button to start (or resume).
pub async fn details(
    State(state): State<AppState>,
    page: Page,
    Path((short_id, slug)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let Some(m) = state.content.module_by_short_id(&short_id) else { return Err(AppError::NotFound) };
    if m.slug != slug {
        // An old or mistyped slug: the short id decides.
        return Ok(Redirect::permanent(&base(m)).into_response());
    }
    let l = locale(page.lang);
    let resume = match &page.user {
        Some(u) => service::resumable(&state, u.id, m).await?.map(|p| format!("{}/passages/{}", base(m), p.id)),
        None => None,
    };
    let tablet = page.t(match m.details.tablet_support {
        content::module::TabletSupport::Comfortable => "module-tablet-comfortable",
        content::module::TabletSupport::Inconvenient => "module-tablet-inconvenient",
        content::module::TabletSupport::Obstructed => "module-tablet-obstructed",
    });
    let title = m.title.get(l).to_owned();
    Ok(render(
        StatusCode::OK,
        &DetailsPage {
            chrome: page.chrome(&title),
            card: card(m, &page, None),
            objectives: m.details.objectives.iter().map(|o| md(o.get(l))).collect(),
            tablet,
            start: format!("{}/passages", base(m)),
            resume,
        },
    ))
}

/// `POST /modules/{short_id}/{slug}/passages`: starts a passage and opens the player.
pub async fn start(
    State(state): State<AppState>,
    page: Page,
    Path((short_id, slug)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let m = module_at(&state, &short_id, &slug)?;
    let p = service::start(&state, &player_of(&page), m, locale(page.lang)).await?;
    Ok(Redirect::to(&format!("{}/passages/{}", base(m), p.id)).into_response())
}

/// Which optional state the player shows (all in the address: no script needed).
#[derive(Deserialize, Default)]
pub struct PlayerQuery {
    /// Steps shown of the current grain's stepper.
    step: Option<usize>,
    /// An answered element shown as a fresh form again ("Réessayer").
    retry: Option<String>,
    /// The element whose answer could not be read, with why.
    error: Option<String>,
    /// What to fix in that answer.
    why: Option<String>,
}

/// A correction as shown.
struct Shown {
    status: &'static str,
    state: Option<String>,
    diagnosis_html: Option<String>,
    /// "n right out of N", for a QAB or a QROCM.
    summary: Option<String>,
}

enum Block {
    Text(String),
    Input { key: String, number: bool, size: u32, block: bool, placeholder: String, label: String, value: String },
    Select { key: String, block: bool, placeholder: String, label: String, options: Vec<(String, String, bool)> },
}

struct FlashcardView {
    id: String,
    recto: String,
    recto_image: Option<String>,
    verso_html: String,
    verso_image: Option<String>,
    given: String,
}

struct QabCardView {
    id: String,
    text: String,
    image: Option<(String, String)>,
    a: String,
    b: String,
    given: String,
}

enum Body {
    Text {
        tag: Option<(&'static str, String)>,
        html: String,
    },
    Image {
        url: String,
        alt: String,
        alternative_html: Option<String>,
        legend: Option<String>,
        licence: Option<String>,
    },
    Video {
        title: String,
        url: String,
        poster: Option<String>,
        subtitles: String,
        transcription_html: String,
    },
    Audio {
        title: String,
        url: String,
        transcription_html: String,
        video: bool,
    },
    Download {
        files: Vec<(String, String, String)>,
    },
    Separator,
    Expand {
        title: String,
        html: String,
    },
    Embed {
        title: String,
        url: String,
        instruction_html: Option<String>,
        height: u32,
        has_solution: bool,
        given: String,
    },
    Choice {
        instruction_html: String,
        multiple: bool,
        short: bool,
        proposals: Vec<(String, String, bool)>,
    },
    Qrocm {
        instruction_html: String,
        blocks: Vec<Block>,
    },
    Flashcards {
        title: String,
        instruction_html: Option<String>,
        intro_image: Option<String>,
        cards: Vec<FlashcardView>,
    },
    Qab {
        instruction_html: String,
        cards: Vec<QabCardView>,
    },
}

struct ElementView {
    id: String,
    body: Body,
    /// The last answer's correction, unless the learner retries.
    shown: Option<Shown>,
    /// The form can be sent (not answered yet, or retrying, and the passage is open).
    open: bool,
    retry_href: String,
    error: Option<String>,
}

// Built per request for one page: the size of the variants does not matter.
#[allow(clippy::large_enum_variant)]
enum ComponentView {
    Element(ElementView),
    Stepper { instruction_html: String, steps: Vec<(String, Vec<ElementView>)>, next_href: Option<String> },
}

struct GrainView {
    id: String,
    title: String,
    /// The section this grain opens: (id, heading).
    opens: Option<(String, Option<String>)>,
    components: Vec<ComponentView>,
}

struct SectionLink {
    id: String,
    label: String,
    reached: bool,
    current: bool,
}

#[derive(Template)]
#[template(path = "learning/player.html")]
struct PlayerPage {
    chrome: Chrome,
    module_title: String,
    base: String,
    action: String,
    revealed: usize,
    total: usize,
    progress: String,
    sections: Vec<SectionLink>,
    grains: Vec<GrainView>,
    /// The last grain shown is an activity not answered yet: it may be skipped.
    can_skip: bool,
    /// Every grain is shown: the next step is the end.
    at_end: bool,
    terminated: bool,
}

fn section_heading(k: SectionKind, page: &Page) -> Option<String> {
    (k != SectionKind::Blank).then(|| page.t(&format!("module-section-{}", super::view::section_name(k))))
}

/// The stored answer back as a response (to show it and its correction again).
fn stored_response(data: &serde_json::Value) -> Option<ModuleResponse> {
    let answer = &data["answer"];
    let list = answer.as_array()?;
    if list.iter().all(serde_json::Value::is_string) {
        return Some(ModuleResponse::Choices(list.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()));
    }
    let pairs = |a: &str, b: &str| -> Vec<(String, String)> {
        list.iter().filter_map(|v| Some((v[a].as_str()?.to_owned(), v[b].as_str()?.to_owned()))).collect()
    };
    if list.first().is_some_and(|v| v.get("input").is_some()) {
        Some(ModuleResponse::Inputs(pairs("input", "answer")))
    } else {
        Some(ModuleResponse::Cards(pairs("card", "answer")))
    }
}

fn shown(element: &Element, l: Locale, lang: crate::web::i18n::Lang, response: &ModuleResponse) -> Option<Shown> {
    let c = engine::module::check(&element.kind, l, response).ok()?;
    Some(Shown {
        status: c.status.as_str(),
        state: c.feedback.and_then(|f| f.state.as_ref().map(|s| s.get(l).to_owned())),
        diagnosis_html: c.feedback.map(|f| md(f.diagnosis.get(l))),
        summary: (!c.details.is_empty() && c.status != engine::module::Status::None).then(|| {
            let right = c.details.iter().filter(|(_, s)| *s == engine::module::Status::Ok).count();
            lang.t_args("module-cards-right", &[("n", &right.to_string()), ("total", &c.details.len().to_string())])
        }),
    })
}

struct Ctx<'a> {
    page: &'a Page,
    glossary: Vec<super::view::GlossaryWord<'a>>,
    l: Locale,
    answers: &'a [(String, serde_json::Value)],
    query: &'a PlayerQuery,
    terminated: bool,
    here: String,
}

fn element_view(e: &Element, cx: &Ctx<'_>) -> ElementView {
    let l = cx.l;
    let t = |x: &content::Text| x.get(l).to_owned();
    let stored = cx.answers.iter().find(|(id, _)| *id == e.id).and_then(|(_, d)| stored_response(d));
    let retrying = cx.query.retry.as_deref() == Some(e.id.as_str());
    let given = if retrying { None } else { stored.clone() };
    let chosen = |id: &str| matches!(&given, Some(ModuleResponse::Choices(c)) if c.iter().any(|g| g == id));
    let pair = |key: &str| match &given {
        Some(ModuleResponse::Inputs(i) | ModuleResponse::Cards(i)) => {
            i.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default()
        }
        _ => String::new(),
    };
    let body = match &e.kind {
        ElementKind::Text { tag, content } => Body::Text {
            tag: tag.map(|tag| {
                let (class, id) = match tag {
                    TextTag::Context => ("context", "module-tag-context"),
                    TextTag::DidYouKnow => ("did-you-know", "module-tag-did-you-know"),
                    TextTag::FurtherInformation => ("further-information", "module-tag-further-information"),
                    TextTag::Tip => ("tip", "module-tag-tip"),
                };
                (class, cx.page.t(id))
            }),
            html: super::view::with_glossary(&md(content.get(l)), &cx.glossary, &format!("gl-{}", e.id)),
        },
        ElementKind::Image { url, alt, alternative_text, legend, licence } => Body::Image {
            url: media_url(url),
            alt: t(alt),
            alternative_html: alternative_text.as_ref().map(|a| md(a.get(l))),
            legend: legend.as_ref().map(t),
            licence: licence.as_ref().map(t),
        },
        ElementKind::Video { title, url, poster, subtitles, transcription } => Body::Video {
            title: t(title),
            url: media_url(url),
            poster: poster.as_deref().map(media_url),
            subtitles: media_url(subtitles.get(l)),
            transcription_html: md(transcription.get(l)),
        },
        ElementKind::ShortVideo { title, url, transcription } => Body::Audio {
            title: t(title),
            url: media_url(url),
            transcription_html: md(transcription.get(l)),
            video: true,
        },
        ElementKind::Audio { title, url, transcription } => Body::Audio {
            title: t(title),
            url: media_url(url),
            transcription_html: md(transcription.get(l)),
            video: false,
        },
        ElementKind::Download { files } => Body::Download {
            files: files
                .iter()
                .map(|f| {
                    let name = f.url.rsplit('/').next().unwrap_or(&f.url).to_owned();
                    (media_url(&f.url), f.format.clone(), name)
                })
                .collect(),
        },
        ElementKind::Separator => Body::Separator,
        ElementKind::Expand { title, content } => Body::Expand { title: t(title), html: md(content.get(l)) },
        ElementKind::Embed { title, url, instruction, solution, height, .. } => Body::Embed {
            title: t(title),
            url: media_url(url),
            instruction_html: instruction.as_ref().map(|i| md(i.get(l))),
            height: *height,
            has_solution: solution.is_some(),
            given: match &given {
                Some(ModuleResponse::Choices(c)) => c.first().cloned().unwrap_or_default(),
                _ => String::new(),
            },
        },
        ElementKind::Qcu(q) | ElementKind::QcuDiscovery(q) => Body::Choice {
            instruction_html: md(q.instruction.get(l)),
            multiple: false,
            short: q.has_short_proposals,
            proposals: q.proposals.iter().map(|p| (p.id.clone(), inline(p.content.get(l)), chosen(&p.id))).collect(),
        },
        ElementKind::QcuDeclarative { instruction, proposals } => Body::Choice {
            instruction_html: md(instruction.get(l)),
            multiple: false,
            short: false,
            proposals: proposals.iter().map(|p| (p.id.clone(), inline(p.content.get(l)), chosen(&p.id))).collect(),
        },
        ElementKind::Qcm { instruction, proposals, .. }
        | ElementKind::QcmDeclarative { instruction, proposals, .. } => Body::Choice {
            instruction_html: md(instruction.get(l)),
            multiple: true,
            short: false,
            proposals: proposals.iter().map(|p| (p.id.clone(), inline(p.content.get(l)), chosen(&p.id))).collect(),
        },
        ElementKind::Qrocm { instruction, blocks, .. } => Body::Qrocm {
            instruction_html: md(instruction.get(l)),
            blocks: blocks
                .iter()
                .map(|b| match b {
                    QrocmBlock::Text(c) => Block::Text(inline(c.get(l))),
                    QrocmBlock::Input { key, input_type, size, display, placeholder, aria_label, .. } => Block::Input {
                        key: key.clone(),
                        number: *input_type == content::module::InputType::Number,
                        size: *size,
                        block: *display == content::module::Display::Block,
                        placeholder: t(placeholder),
                        label: t(aria_label),
                        value: pair(key),
                    },
                    QrocmBlock::Select { key, display, placeholder, aria_label, options, .. } => {
                        let value = pair(key);
                        Block::Select {
                            key: key.clone(),
                            block: *display == content::module::Display::Block,
                            placeholder: if placeholder.get(l).is_empty() {
                                cx.page.t("module-select-placeholder")
                            } else {
                                t(placeholder)
                            },
                            label: t(aria_label),
                            options: options.iter().map(|o| (o.id.clone(), t(&o.content), o.id == value)).collect(),
                        }
                    }
                })
                .collect(),
        },
        ElementKind::Flashcards { title, instruction, intro_image, cards } => Body::Flashcards {
            title: t(title),
            instruction_html: instruction.as_ref().map(|i| md(i.get(l))),
            intro_image: intro_image.as_deref().map(media_url),
            cards: cards
                .iter()
                .map(|c| FlashcardView {
                    id: c.id.clone(),
                    recto: t(&c.recto.text),
                    recto_image: c.recto.image.as_deref().map(media_url),
                    verso_html: md(c.verso.text.get(l)),
                    verso_image: c.verso.image.as_deref().map(media_url),
                    given: pair(&c.id),
                })
                .collect(),
        },
        ElementKind::Qab { instruction, cards, .. } => Body::Qab {
            instruction_html: md(instruction.get(l)),
            cards: cards
                .iter()
                .map(|c| QabCardView {
                    id: c.id.clone(),
                    text: t(&c.text),
                    image: c.image.as_ref().map(|(url, alt)| (media_url(url), t(alt))),
                    a: t(&c.proposal_a),
                    b: t(&c.proposal_b),
                    given: pair(&c.id),
                })
                .collect(),
        },
    };
    let answerable = e.kind.is_answerable();
    let shown = given.as_ref().and_then(|r| shown(e, l, cx.page.lang, r));
    ElementView {
        id: e.id.clone(),
        body,
        open: answerable && !cx.terminated && shown.is_none(),
        shown,
        retry_href: format!("{}?retry={}#element-{}", cx.here, e.id, e.id),
        error: (cx.query.error.as_deref() == Some(e.id.as_str())).then(|| {
            cx.page.t(cx
                .query
                .why
                .as_deref()
                .filter(|w| w.starts_with("module-answer-"))
                .unwrap_or("module-answer-invalid"))
        }),
    }
}

/// `GET /modules/{short_id}/{slug}/passages/{passage_id}`: the grains revealed so far.
pub async fn player(
    State(state): State<AppState>,
    page: Page,
    Path((short_id, slug, passage_id)): Path<(String, String, Uuid)>,
    Query(query): Query<PlayerQuery>,
) -> Result<Response, AppError> {
    let m = module_at(&state, &short_id, &slug)?;
    let p = service::owned(&state, &player_of(&page), passage_id).await?;
    if p.module_id != m.id {
        return Err(AppError::NotFound);
    }
    let l = if p.locale == "en" { Locale::En } else { Locale::Fr };
    let answers = service::last_answers(&state, p.id).await?;
    let here = format!("{}/passages/{}", base(m), p.id);
    let definitions: Vec<(String, String)> =
        m.glossary.iter().map(|g| (g.word.get(l).to_owned(), inline(g.definition.get(l)))).collect();
    let glossary =
        definitions.iter().map(|(word, definition_html)| super::view::GlossaryWord { word, definition_html }).collect();
    let cx = Ctx {
        page: &page,
        glossary,
        l,
        answers: &answers,
        query: &query,
        terminated: p.terminated_at.is_some(),
        here: here.clone(),
    };
    let total = m.grains().count();
    let revealed = usize::try_from(p.revealed).unwrap_or(1).clamp(1, total);
    let mut grains = Vec::new();
    let mut last_section = None;
    for (n, (section, grain)) in m.grains().take(revealed).enumerate() {
        let opens =
            (last_section != Some(&section.id)).then(|| (section.id.clone(), section_heading(section.kind, &page)));
        last_section = Some(&section.id);
        let current = n + 1 == revealed;
        let components = grain
            .components
            .iter()
            .map(|c| match c {
                Component::Element(e) => ComponentView::Element(element_view(e, &cx)),
                Component::Stepper(s) => {
                    let shown = if current && !cx.terminated {
                        query.step.unwrap_or(1).clamp(1, s.steps.len())
                    } else {
                        s.steps.len()
                    };
                    ComponentView::Stepper {
                        instruction_html: md(s.instruction.get(l)),
                        steps: s
                            .steps
                            .iter()
                            .take(shown)
                            .enumerate()
                            .map(|(n, step)| {
                                let label = page.lang.t_args(
                                    "module-step",
                                    &[("n", &(n + 1).to_string()), ("total", &s.steps.len().to_string())],
                                );
                                (label, step.iter().map(|e| element_view(e, &cx)).collect())
                            })
                            .collect(),
                        next_href: (shown < s.steps.len())
                            .then(|| format!("{here}?step={}#step-{}-{}", shown + 1, grain.id, shown + 1)),
                    }
                }
            })
            .collect();
        grains.push(GrainView { id: grain.id.clone(), title: grain.title.get(l).to_owned(), opens, components });
    }
    let (_, current_grain) = m.grains().nth(revealed - 1).ok_or(AppError::NotFound)?;
    let unanswered =
        current_grain.elements().any(|e| e.kind.is_answerable() && !answers.iter().any(|(id, _)| *id == e.id));
    let current_section = m.grains().nth(revealed - 1).map(|(s, _)| s.id.clone());
    let reached: Vec<&str> = m.grains().take(revealed).map(|(s, _)| s.id.as_str()).collect();
    let sections = m
        .sections
        .iter()
        .enumerate()
        .map(|(n, s)| SectionLink {
            id: s.id.clone(),
            label: section_heading(s.kind, &page).unwrap_or_else(|| format!("{} {}", page.t("module-section"), n + 1)),
            reached: reached.contains(&s.id.as_str()),
            current: current_section.as_deref() == Some(s.id.as_str()),
        })
        .collect();
    let title = m.title.get(l).to_owned();
    Ok(render(
        StatusCode::OK,
        &PlayerPage {
            chrome: page.chrome(&title),
            module_title: title,
            base: base(m),
            action: here,
            revealed,
            total,
            progress: page
                .lang
                .t_args("module-progress", &[("n", &revealed.to_string()), ("total", &total.to_string())]),
            sections,
            grains,
            can_skip: current_grain.kind == GrainKind::Activity && unanswered,
            at_end: revealed == total,
            terminated: p.terminated_at.is_some(),
        },
    ))
}

/// The response a player form carries: `answer` (repeated), `input.<key>`, or `card.<id>`.
fn form_response(element: &ElementKind, fields: &Fields) -> ModuleResponse {
    let prefixed = |prefix: &str| -> Vec<(String, String)> {
        fields.iter().filter_map(|(k, v)| Some((k.strip_prefix(prefix)?.to_owned(), v.clone()))).collect()
    };
    match element {
        ElementKind::Qrocm { .. } => ModuleResponse::Inputs(prefixed("input.")),
        ElementKind::Qab { .. } | ElementKind::Flashcards { .. } => ModuleResponse::Cards(prefixed("card.")),
        _ => ModuleResponse::Choices(fields.iter().filter(|(k, _)| k == "answer").map(|(_, v)| v.clone()).collect()),
    }
}

/// `POST …/passages/{passage_id}/answers`: checks an answer and shows its correction in place.
pub async fn answer(
    State(state): State<AppState>,
    page: Page,
    Path((short_id, slug, passage_id)): Path<(String, String, Uuid)>,
    CsrfForm(fields): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    let m = module_at(&state, &short_id, &slug)?;
    let here = format!("{}/passages/{passage_id}", base(m));
    let element_id = field(&fields, "element_id").unwrap_or_default().to_owned();
    let element = m.element(&element_id).ok_or(AppError::BadRequest("no such element".into()))?;
    let response = form_response(&element.kind, &fields);
    let p = service::owned(&state, &player_of(&page), passage_id).await?;
    match service::answer(&state, &p, &element_id, &response).await? {
        Ok(_) => Ok(Redirect::to(&format!("{here}#element-{element_id}")).into_response()),
        Err(Refused::Malformed(_)) => {
            let why = match &element.kind {
                ElementKind::Qrocm { .. } => "module-answer-inputs",
                ElementKind::Qab { .. } | ElementKind::Flashcards { .. } => "module-answer-cards",
                ElementKind::Embed { .. } => "module-answer-word",
                _ => "module-answer-choose",
            };
            Ok(Redirect::to(&format!("{here}?error={element_id}&why={why}#element-{element_id}")).into_response())
        }
        Err(Refused::Terminated) => Ok(Redirect::to(&here).into_response()),
        Err(_) => Err(AppError::BadRequest("no such element".into())),
    }
}

/// The button pressed under the last grain.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NextForm {
    /// `continue` or `skip`.
    action: String,
}

/// `POST …/passages/{passage_id}/next`: reveals the next grain (Continuer / Passer).
pub async fn next(
    State(state): State<AppState>,
    page: Page,
    Path((short_id, slug, passage_id)): Path<(String, String, Uuid)>,
    CsrfForm(f): CsrfForm<NextForm>,
) -> Result<Response, AppError> {
    let m = module_at(&state, &short_id, &slug)?;
    let here = format!("{}/passages/{passage_id}", base(m));
    let p = service::owned(&state, &player_of(&page), passage_id).await?;
    match service::next_grain(&state, &p, f.action == "skip").await? {
        Ok(p) => {
            let grain = m.grains().nth(usize::try_from(p.revealed - 1).unwrap_or(0)).map(|(_, g)| g.id.clone());
            Ok(Redirect::to(&format!("{here}#grain-{}", grain.unwrap_or_default())).into_response())
        }
        Err(_) => Ok(Redirect::to(&here).into_response()),
    }
}

/// `POST …/passages/{passage_id}/terminate`: the end of the module.
pub async fn terminate(
    State(state): State<AppState>,
    page: Page,
    Path((short_id, slug, passage_id)): Path<(String, String, Uuid)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let m = module_at(&state, &short_id, &slug)?;
    let p = service::owned(&state, &player_of(&page), passage_id).await?;
    let total = m.grains().count() as i64;
    if p.revealed < total {
        // Terminer only comes under the last grain.
        return Ok(Redirect::to(&format!("{}/passages/{passage_id}", base(m))).into_response());
    }
    let _ = service::terminate(&state, &p).await?;
    Ok(Redirect::to(&format!("{}/passages/{passage_id}#end", base(m))).into_response())
}

#[derive(Template)]
#[template(path = "learning/mine.html")]
struct MinePage {
    chrome: Chrome,
    cards: Vec<(Card, Option<String>)>,
}

/// `GET /mes-modules`: my modules — under way first, then completed, then the others.
pub async fn mine(State(state): State<AppState>, page: Page, me: CurrentUser) -> Result<Response, AppError> {
    let statuses = service::statuses(&state, me.id).await?;
    let mut rows: Vec<(u8, Card, Option<String>)> = state
        .content
        .modules
        .iter()
        .zip(statuses)
        .filter(|(m, (status, _))| {
            m.visibility == content::module::Visibility::Public || *status != ModuleStatus::NotStarted
        })
        .map(|(m, (status, p))| {
            let order = match status {
                ModuleStatus::InProgress => 0,
                ModuleStatus::Completed => 1,
                ModuleStatus::NotStarted => 2,
            };
            let resume = (status == ModuleStatus::InProgress)
                .then(|| p.map(|p| format!("{}/passages/{}", base(m), p.id)))
                .flatten();
            (order, card(m, &page, Some(status)), resume)
        })
        .collect();
    rows.sort_by_key(|(o, _, _)| *o);
    Ok(render(
        StatusCode::OK,
        &MinePage {
            chrome: page.chrome_t("my-modules-title"),
            cards: rows.into_iter().map(|(_, c, r)| (c, r)).collect(),
        },
    ))
}
