//! Campaign results as CSV, in the reference's exact format (PRODUCT §1.3): UTF-8 with a BOM, `;`
//! separators, decimal commas, strings quoted (except digit-and-dash strings), formula-looking
//! strings prefixed with `'`, dates `DD/MM/YYYY HH:mm` in Europe/Paris, `NA` for what a learner
//! has not shared. French labels (the reference's) or English ones.
//!
//! Rows are streamed from the database through a bounded channel and written as they come, so an
//! export of any size uses constant memory.

use std::{collections::HashSet, sync::Arc};

use axum::{
    body::{Body, Bytes},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use content::{Locale, SkillIdx};
use engine::campaign as rules;
use futures_util::StreamExt;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{
    model::{Campaign, CampaignType, Organization},
    orga::Scoring,
    store::{self, ExportRow},
};
use crate::{
    AppState,
    web::{error::AppError, i18n::Lang},
};

pub use crate::{
    clock::{paris_datetime, paris_offset},
    csv_export::{Cell, cell, line},
};

/// `YYYY-MM-DD` in UTC (the profiles-collection export's share date).
pub fn utc_date(micros: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!("{}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

fn t(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn opt(s: &Option<String>) -> Cell {
    s.as_ref().map_or(Cell::Empty, |s| t(s.clone()))
}

/// A label in the export's language.
fn label(lang: Lang, fr: &str, en: &str) -> String {
    match lang {
        Lang::Fr => fr.to_owned(),
        Lang::En => en.to_owned(),
    }
}

struct Columns {
    /// Extra columns of generic learner lists, in order.
    extra: Vec<String>,
    division: bool,
    sup: bool,
    external_id: Option<String>,
}

/// Everything the lines of one export need, shared with the streaming task.
struct Export {
    lang: Lang,
    organization: Organization,
    campaign: Campaign,
    profile_name: String,
    columns: Columns,
    scoring: Scoring,
    stages: usize,
    /// Per competence and per area: (title, its campaign skills).
    competences: Vec<(String, Vec<SkillIdx>)>,
    areas: Vec<(String, Vec<SkillIdx>)>,
    show_skills: bool,
    state: AppState,
}

impl Export {
    fn yes_no(&self, b: bool) -> Cell {
        t(if b { label(self.lang, "Oui", "Yes") } else { label(self.lang, "Non", "No") })
    }

    fn na(&self) -> Cell {
        t("NA")
    }

    fn identity_cells(&self, row: &ExportRow, out: &mut Vec<Cell>) {
        let extra: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&row.p.extra).unwrap_or_default();
        for h in &self.columns.extra {
            out.push(extra.get(h).and_then(|v| v.as_str()).map_or(Cell::Empty, t));
        }
        if self.campaign.kind() == CampaignType::ProfilesCollection {
            if self.columns.sup {
                out.push(opt(&row.p.group_name));
            }
            if self.columns.division {
                out.push(opt(&row.p.division));
            }
            if self.columns.sup {
                out.push(opt(&row.p.student_number));
            }
        } else {
            if self.columns.division {
                out.push(opt(&row.p.division));
            }
            if self.columns.sup {
                out.push(opt(&row.p.group_name));
                out.push(opt(&row.p.student_number));
            }
        }
        if self.columns.external_id.is_some() {
            out.push(opt(&row.p.external_id));
        }
    }

    fn header(&self) -> String {
        let l = |fr: &str, en: &str| t(label(self.lang, fr, en));
        let mut h = vec![
            l("Nom de l'organisation", "Organisation name"),
            l("ID Campagne", "Campaign ID"),
            l("Code", "Code"),
            l("Nom de la campagne", "Campaign name"),
        ];
        let profiles = self.campaign.kind() == CampaignType::ProfilesCollection;
        if !profiles {
            h.push(l("Parcours", "Target profile"));
        }
        h.push(l("Nom du Participant", "Participant's last name"));
        h.push(l("Prénom du Participant", "Participant's first name"));
        h.extend(self.columns.extra.iter().map(|e| t(e.clone())));
        let (division, group, number) =
            (l("Classe", "Class"), l("Groupe", "Group"), l("Numéro Étudiant", "Student number"));
        if profiles {
            if self.columns.sup {
                h.push(group.clone());
            }
            if self.columns.division {
                h.push(division.clone());
            }
            if self.columns.sup {
                h.push(number.clone());
            }
        } else {
            if self.columns.division {
                h.push(division);
            }
            if self.columns.sup {
                h.push(group);
                h.push(number);
            }
        }
        if let Some(external) = &self.columns.external_id {
            h.push(t(external.clone()));
        }
        if profiles {
            h.push(l("Envoi (O/N)", "Sent (Y/N)"));
            h.push(l("Date de l'envoi", "Date sent"));
            h.push(l("Nombre de pix total", "Total pix"));
            h.push(l("Certifiable (O/N)", "Certifiable (Y/N)"));
            h.push(l("Nombre de compétences certifiables", "Number of certifiable competences"));
            for (code, name) in self.all_competences() {
                h.push(t(label(
                    self.lang,
                    &format!("Niveau pour la compétence {name}"),
                    &format!("Level for competence {code} {name}"),
                )));
                h.push(t(label(
                    self.lang,
                    &format!("Nombre de pix pour la compétence {name}"),
                    &format!("Pix for competence {code} {name}"),
                )));
            }
        } else {
            h.push(l("% de progression", "% progression"));
            h.push(l("Date de début", "Start date"));
            h.push(l("Partage (O/N)", "Shared (Y/N)"));
            h.push(l("Date du partage", "Date shared"));
            if self.stages > 0 {
                h.push(t(label(
                    self.lang,
                    &format!("Palier obtenu (/{})", self.stages),
                    &format!("Stage reached (/{})", self.stages),
                )));
            }
            for (badge, _) in &self.scoring.badges {
                h.push(t(label(
                    self.lang,
                    &format!("{} obtenu (O/N)", badge.title),
                    &format!("{} obtained (Y/N)", badge.title),
                )));
            }
            h.push(l("% maitrise de l'ensemble des acquis du profil", "% mastery of all the profile's skills"));
            for (name, _) in &self.competences {
                h.push(t(label(
                    self.lang,
                    &format!("% de maitrise des acquis de la compétence {name}"),
                    &format!("% mastery of the skills of competence {name}"),
                )));
                h.push(t(label(
                    self.lang,
                    &format!("Nombre d'acquis du profil cible dans la compétence {name}"),
                    &format!("Target profile skills in competence {name}"),
                )));
                h.push(t(label(
                    self.lang,
                    &format!("Acquis maitrisés dans la compétence {name}"),
                    &format!("Skills mastered in competence {name}"),
                )));
            }
            for (title, _) in &self.areas {
                h.push(t(label(
                    self.lang,
                    &format!("% de maitrise des acquis du domaine {title}"),
                    &format!("% mastery of the skills of area {title}"),
                )));
                h.push(t(label(
                    self.lang,
                    &format!("Nombre d'acquis du profil cible du domaine {title}"),
                    &format!("Target profile skills in area {title}"),
                )));
                h.push(t(label(
                    self.lang,
                    &format!("Acquis maitrisés du domaine {title}"),
                    &format!("Skills mastered in area {title}"),
                )));
            }
            if self.show_skills {
                h.extend(self.scoring.skills.iter().map(|s| t(self.state.content.skill(*s).name.clone())));
            }
        }
        let mut text = String::from("\u{feff}");
        text.push_str(&line(&h));
        text
    }

    fn all_competences(&self) -> Vec<(String, String)> {
        let content = &self.state.content;
        content.competences.iter().map(|c| (c.code.clone(), c.name.get(lang_locale(self.lang)).to_owned())).collect()
    }

    fn row(&self, row: &ExportRow) -> String {
        let mut out = vec![
            t(self.organization.name.clone()),
            t(self.campaign.id.to_string()),
            t(self.campaign.code.clone()),
            t(self.campaign.name.clone()),
        ];
        let profiles = self.campaign.kind() == CampaignType::ProfilesCollection;
        if !profiles {
            out.push(t(self.profile_name.clone()));
        }
        out.push(t(row.p.last_name.clone()));
        out.push(t(row.p.first_name.clone()));
        self.identity_cells(row, &mut out);
        let shared =
            super::model::ParticipationStatus::parse(&row.p.status) == Some(super::model::ParticipationStatus::Shared);
        if profiles {
            out.push(self.yes_no(shared));
            if !shared {
                out.push(self.na());
                out.push(self.na());
                out.push(self.na());
                out.push(self.na());
                for _ in self.all_competences() {
                    out.push(self.na());
                    out.push(self.na());
                }
                return line(&out);
            }
            out.push(row.p.shared_at.map_or(Cell::Empty, |s| t(utc_date(s))));
            out.push(Cell::Number(row.p.pix_score.unwrap_or(0) as f64));
            let snapshot: super::model::Snapshot =
                row.p.snapshot.as_deref().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default();
            let certifiable = snapshot.competences.iter().filter(|(_, level, _)| *level >= 1).count();
            out.push(self.yes_no(certifiable >= 5));
            out.push(Cell::Number(certifiable as f64));
            for (code, _) in self.all_competences() {
                let (level, pix) =
                    snapshot.competences.iter().find(|(c, _, _)| *c == code).map_or((0, 0), |(_, l, p)| (*l, *p));
                out.push(Cell::Number(f64::from(level)));
                out.push(Cell::Number(f64::from(pix)));
            }
            return line(&out);
        }
        let targeted = self.scoring.skills.len();
        let progression = rules::progression(row.completed || shared, row.assessed as usize, targeted);
        out.push(Cell::Number((progression * 100.0).round() / 100.0));
        out.push(t(paris_datetime(row.p.created_at)));
        out.push(self.yes_no(shared));
        if !shared {
            out.push(self.na());
            if self.stages > 0 {
                out.push(self.na());
            }
            out.extend(self.scoring.badges.iter().map(|_| self.na()));
            out.push(self.na());
            out.extend((0..3 * (self.competences.len() + self.areas.len())).map(|_| self.na()));
            if self.show_skills {
                out.extend(self.scoring.skills.iter().map(|_| self.na()));
            }
            return line(&out);
        }
        out.push(row.p.shared_at.map_or(Cell::Empty, |s| t(paris_datetime(s))));
        let snapshot: super::model::Snapshot =
            row.p.snapshot.as_deref().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default();
        let content = &self.state.content;
        let validated: HashSet<SkillIdx> = snapshot.validated.iter().filter_map(|n| content.skill_by_name(n)).collect();
        let (_, stage, badges) = self.scoring.score(&self.state, &validated);
        if self.stages > 0 {
            out.push(Cell::Number(stage.unwrap_or(0) as f64));
        }
        out.extend(badges.iter().map(|(_, won)| self.yes_no(*won)));
        // Two decimals, as the reference writes them (0,07, not 0,06666666666666667).
        out.push(Cell::Number((row.p.mastery_rate.unwrap_or(0.0) * 100.0).round() / 100.0));
        for (_, skills) in self.competences.iter().chain(self.areas.iter()) {
            let mastered = skills.iter().filter(|s| validated.contains(s)).count();
            let rate = rules::mastery_rate(mastered, skills.len());
            out.push(Cell::Number((rate * 100.0).round() / 100.0));
            out.push(Cell::Number(skills.len() as f64));
            out.push(Cell::Number(mastered as f64));
        }
        if self.show_skills {
            let invalidated: HashSet<&str> = snapshot.invalidated.iter().map(String::as_str).collect();
            for s in &self.scoring.skills {
                let name = content.skill(*s).name.as_str();
                out.push(t(if validated.contains(s) {
                    "OK".to_owned()
                } else if invalidated.contains(name) {
                    "KO".to_owned()
                } else {
                    label(self.lang, "Non testé", "Not tested")
                }));
            }
        }
        line(&out)
    }
}

fn lang_locale(lang: Lang) -> Locale {
    crate::web::i18n::locale(lang)
}

/// The export of a campaign's results, streamed.
pub async fn export(
    state: &AppState,
    organization: Organization,
    campaign: Campaign,
    lang: Lang,
) -> Result<Response, AppError> {
    let content = &state.content;
    let scoring = Scoring::of(state, &campaign).await?;
    let stages = scoring.thresholds.len().saturating_sub(1);
    // Competences and areas in the referential's order (1.1, 1.2, 1.3…), whatever the skills' order.
    let mut competences: std::collections::BTreeMap<usize, (String, Vec<SkillIdx>)> = Default::default();
    let mut areas: std::collections::BTreeMap<usize, (String, Vec<SkillIdx>)> = Default::default();
    for s in &scoring.skills {
        let index = content.skill(*s).competence;
        let comp = content.competence(index);
        competences
            .entry(index.index())
            .or_insert_with(|| (comp.name.get(lang_locale(lang)).to_owned(), Vec::new()))
            .1
            .push(*s);
        areas
            .entry(comp.area.index())
            .or_insert_with(|| (content.areas[comp.area.index()].title.get(lang_locale(lang)).to_owned(), Vec::new()))
            .1
            .push(*s);
    }
    let competences: Vec<(String, Vec<SkillIdx>)> = competences.into_values().collect();
    let areas: Vec<(String, Vec<SkillIdx>)> = areas.into_values().collect();
    let profile_name = match campaign.target_profile_id {
        Some(id) => store::target_profile(&state.db, id).await?.map(|p| p.name).unwrap_or_default(),
        None => String::new(),
    };
    let extra = store::extra_columns(&state.db, campaign.id).await?;
    let columns = Columns {
        extra,
        division: organization.kind == "SCO" && organization.learner_import.is_some(),
        sup: organization.kind == "SUP" && organization.learner_import.is_some(),
        external_id: campaign.external_id_label.clone(),
    };
    // An ASCII name for old clients, the accented one (RFC 6266 `filename*`) for the others.
    let file_name = |keep: fn(char) -> bool| {
        let name: String = campaign.name.chars().map(|c| if keep(c) || c == '-' { c } else { '_' }).collect();
        format!("Resultats-{name}-{}-{}.csv", campaign.id, utc_date(state.clock.now_micros()))
    };
    let ascii_file = file_name(|c| c.is_ascii_alphanumeric());
    let file = file_name(char::is_alphanumeric);
    let export = Arc::new(Export {
        lang,
        show_skills: organization.show_skills,
        organization,
        profile_name,
        columns,
        stages,
        competences,
        areas,
        scoring,
        campaign,
        state: state.clone(),
    });
    let (rows_tx, rows_rx) = tokio::sync::mpsc::channel::<Result<ExportRow, std::io::Error>>(EXPORT_PAGE);
    tokio::spawn(produce(state.db.clone(), export.campaign.id, rows_tx));
    let head = futures_util::stream::once({
        let export = export.clone();
        async move { Ok::<Bytes, std::io::Error>(Bytes::from(export.header())) }
    });
    let rows = tokio_stream_receiver(rows_rx).map(move |row| row.map(|row| Bytes::from(export.row(&row))));
    let mut response = Body::from_stream(head.chain(rows)).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    let disposition =
        format!("attachment; filename=\"{ascii_file}\"; filename*=UTF-8''{}", crate::web::layout::encode_path(&file));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Participations read per query of an export.
pub const EXPORT_PAGE: usize = 500;
/// How long an export waits for a client that stopped reading before it gives up.
pub const EXPORT_IDLE: std::time::Duration = std::time::Duration::from_secs(60);

/// Reads an export's lines into `rows`, a page of [`EXPORT_PAGE`] at a time: each page is one short
/// query, so no connection is held while the client reads (a client that stops reading holds
/// nothing but a page of lines in memory, and is dropped after [`EXPORT_IDLE`]). A failure is sent
/// as an error, so that the response is cut rather than ending as if complete.
async fn produce(
    db: crate::db::Db,
    campaign: Uuid,
    rows: tokio::sync::mpsc::Sender<Result<ExportRow, std::io::Error>>,
) {
    let fail = |e: sqlx::Error| {
        tracing::error!(error = %e, "campaign export interrupted");
        std::io::Error::other("the export could not be read")
    };
    let order = match store::export_order(&db, campaign).await {
        Ok(ids) => ids,
        Err(e) => {
            let _ = rows.send(Err(fail(e))).await;
            return;
        }
    };
    for page in order.chunks(EXPORT_PAGE) {
        let mut lines = match store::export_rows(&db, page).await {
            Ok(lines) => lines,
            Err(e) => {
                let _ = rows.send(Err(fail(e))).await;
                return;
            }
        };
        let position: std::collections::HashMap<Uuid, usize> =
            page.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        lines.sort_by_key(|l| position.get(&l.p.id).copied().unwrap_or(usize::MAX));
        for line in lines {
            match tokio::time::timeout(EXPORT_IDLE, rows.send(Ok(line))).await {
                Ok(Ok(())) => {}
                // The client went away.
                Ok(Err(_)) => return,
                Err(_) => {
                    tracing::warn!(%campaign, "campaign export dropped: the client stopped reading");
                    return;
                }
            }
        }
    }
}

/// A stream over a channel's receiver (what tokio-stream's wrapper does, without the crate).
fn tokio_stream_receiver<T: Send + 'static>(
    mut rx: tokio::sync::mpsc::Receiver<T>,
) -> impl futures_util::Stream<Item = T> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_follow_the_reference() {
        assert_eq!(cell(&Cell::Text("Dupont".into())), "\"Dupont\"");
        assert_eq!(cell(&Cell::Text("12-34".into())), "12-34", "digits and dashes stay bare");
        assert_eq!(cell(&Cell::Text("=1+1".into())), "\"'=1+1\"", "formulas are defused");
        assert_eq!(cell(&Cell::Text("-12".into())), "\"'-12\"");
        assert_eq!(cell(&Cell::Text("Le \"grand\" jour".into())), "\"Le \"\"grand\"\" jour\"");
        assert_eq!(cell(&Cell::Number(0.375)), "0,375");
        assert_eq!(cell(&Cell::Number(12.0)), "12");
        assert_eq!(cell(&Cell::Empty), "\"\"");
        assert_eq!(line(&[Cell::Text("a".into()), Cell::Number(1.5)]), "\"a\";1,5\n");
    }

    #[test]
    fn paris_time_follows_summer_time() {
        // 2026-03-29 is the last Sunday of March: 00:30 UTC is winter (01:30), 01:30 UTC summer (03:30).
        let at = |s: &str| {
            time::PrimitiveDateTime::parse(s, &time::format_description::well_known::Iso8601::DEFAULT)
                .unwrap()
                .assume_utc()
        };
        let micros = |t: OffsetDateTime| crate::db::micros(t);
        assert_eq!(paris_datetime(micros(at("2026-03-29T00:30:00"))), "29/03/2026 01:30");
        assert_eq!(paris_datetime(micros(at("2026-03-29T01:30:00"))), "29/03/2026 03:30");
        assert_eq!(paris_datetime(micros(at("2026-07-14T10:05:00"))), "14/07/2026 12:05");
        assert_eq!(paris_datetime(micros(at("2026-10-25T00:59:00"))), "25/10/2026 02:59");
        assert_eq!(paris_datetime(micros(at("2026-10-25T01:00:00"))), "25/10/2026 02:00");
        assert_eq!(paris_datetime(micros(at("2026-12-31T23:30:00"))), "01/01/2027 00:30");
        assert_eq!(utc_date(micros(at("2026-12-31T23:30:00"))), "2026-12-31");
    }
}
