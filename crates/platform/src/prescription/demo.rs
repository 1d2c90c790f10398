//! Demo organisations for `pix serve --demo`: one of each type with the demo organisation admin as
//! ADMIN, a target profile with stages and badges, two school campaigns with fixed codes and 40 demo
//! participants at varied levels (shared, to share, under way), so that every Orga page shows real
//! figures on first start. Participants are accounts without a password: nobody can log in as them.
//! The school manages its pupils with SCO lists: the participants are listed in two classes, the
//! demo learner is a listed pupil too, and a few listed pupils have no account yet
//! ([`UNLINKED_PUPILS`]: whoever signs up with one of these names finds themselves with the birth
//! date). The company has an open campaign anyone may join ([`OPEN_CODE`], the load benchmark's).

use uuid::Uuid;

use super::{
    model::{Campaign, Participation},
    service, store,
};
use crate::{AppState, evaluation, identity::model::MemberRole};

/// Code of the demo assessment campaign.
pub const ASSESSMENT_CODE: &str = "JVERNE426";
/// Code of the demo profiles collection.
pub const PROFILES_CODE: &str = "CARNET582";
/// Code of the company's assessment campaign, open to anyone (the school's are for its pupils).
pub const OPEN_CODE: &str = "NUMPRO426";

/// The school's classes its demo participants are in, alternately.
const CLASSES: [&str; 2] = ["4e A", "4e B"];

/// Pupils on the demo school's list without an account: (first name, last name, birth date, class).
pub const UNLINKED_PUPILS: [(&str, &str, &str, &str); 8] = [
    ("Inès", "Garnier", "2012-06-14", "4e B"),
    ("Lina", "Garnier", "2014-09-03", "6e A"),
    ("Noé", "Lambert", "2014-02-17", "6e A"),
    ("Zoé", "Faure", "2014-11-28", "6e A"),
    ("Timéo", "Rousseau", "2014-05-09", "6e B"),
    ("Maëlys", "Blanc", "2014-07-21", "6e B"),
    ("Clément", "Guérin", "2013-12-30", "6e B"),
    ("Anaïs", "Mercier", "2012-10-02", "4e A"),
];

const FIRST_NAMES: [&str; 20] = [
    "Adam", "Alice", "Bilal", "Chloé", "Diane", "Éloi", "Fatou", "Gabin", "Hugo", "Inès", "Jade", "Kylian", "Léna",
    "Malo", "Nina", "Oscar", "Paul", "Rose", "Sacha", "Yanis",
];
const LAST_NAMES: [&str; 20] = [
    "Bernard", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent", "Simon", "Michel", "Lefèvre",
    "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard", "Bonnet", "Dupont",
];

/// Creates the demo organisations, profile, campaigns and participants for the organisation admin.
pub async fn seed(state: &AppState, admin: Uuid) -> anyhow::Result<()> {
    let now = state.clock.now_micros();
    let day = engine::knowledge::DAY_MICROS;
    let db = &state.db;
    let orgs = [
        ("Collège Jules Verne (démo)", "SCO", Some("0750001A"), true),
        ("Université Marie Curie (démo)", "SUP", None, false),
        ("Entreprise Numérique (démo)", "PRO", None, false),
    ];
    let mut ids = Vec::new();
    for (name, kind, external_id, school) in orgs {
        let id = Uuid::now_v7();
        let row = store::NewOrganization {
            id,
            name,
            kind,
            external_id,
            dpo_email: Some("dpo@demo.example"),
            multiple_sending: true,
            // The school and the university import their lists: their campaigns are for the listed.
            learner_import: match kind {
                "SCO" => Some("SCO"),
                "SUP" => Some("SUP"),
                _ => None,
            },
            show_skills: school,
            exam_campaigns: school,
            now,
        };
        store::insert_organization(db, row).await?;
        crate::identity::membership::grant(
            db,
            crate::identity::model::Space::Organization(id),
            admin,
            MemberRole::Admin,
            now,
        )
        .await?;
        ids.push(id);
    }
    let school = ids[0];

    // A profile on the first competence area: every tube of 1.1 to 1.3 up to level 5.
    let content = &state.content;
    let profile = Uuid::now_v7();
    let mut tx = db.begin().await?;
    let row = store::NewTargetProfile {
        id: profile,
        name: "Rechercher et gérer l'information (démo)",
        description: "Mener une recherche, gérer et traiter des données : compétences 1.1 à 1.3, jusqu'au niveau 5.",
        resettable: true,
        created_by: None,
        now,
    };
    store::insert_target_profile(&mut tx, row).await?;
    let mut tubes = Vec::new();
    for code in ["1.1", "1.2", "1.3"] {
        let Some(c) = content.competence_by_code(code) else { continue };
        for t in &content.competence(c).tubes {
            let name = content.tube(*t).name.clone();
            store::insert_profile_tube(&mut tx, profile, &name, 5).await?;
            tubes.push((name, code));
        }
    }
    let stages = [
        (0, "Premiers pas", "Vous découvrez la recherche d'information."),
        (30, "Explorateur", "Vous trouvez l'essentiel de ce que vous cherchez."),
        (60, "Chercheur", "Vous menez des recherches efficaces et critiques."),
        (85, "Expert", "Vous maîtrisez la recherche et la gestion de l'information."),
    ];
    for (threshold, title, message) in stages {
        store::insert_stage(&mut tx, profile, Some(threshold), None, title, message).await?;
    }
    let search_tubes: Vec<(String, u8)> =
        tubes.iter().filter(|(_, code)| *code == "1.1").map(|(name, _)| (name.clone(), 5)).collect();
    let badges = [
        (
            "DEMO_ENQUETEUR",
            "Enquêteur du web",
            "Vous savez chercher et vérifier l'information.",
            "badge-star",
            "Une étoile",
            "tubes",
            70,
        ),
        (
            "DEMO_ARCHIVISTE",
            "Archiviste",
            "Vous savez organiser et retrouver vos données.",
            "badge-shield",
            "Un bouclier",
            "participation",
            60,
        ),
    ];
    for (position, (key, title, message, image, alt_text, scope, threshold)) in badges.into_iter().enumerate() {
        let badge = Uuid::now_v7();
        let b = store::NewBadge { id: badge, profile, key, title, message, image, alt_text, position: position as i64 };
        store::insert_badge(&mut tx, b).await?;
        let tubes = if scope == "tubes" { serde_json::to_string(&search_tubes)? } else { "[]".to_owned() };
        store::insert_criterion(&mut tx, badge, scope, threshold, &tubes).await?;
    }
    for org in &ids {
        store::attach_profile(&mut tx, profile, *org).await?;
    }
    tx.commit().await?;
    seed_trainings(state, profile, &tubes).await?;

    let profile_tubes = service::profile_tubes(state, profile).await?;
    let skills = engine::campaign::campaign_skills(content, &profile_tubes);
    let skill_names: Vec<String> = skills.iter().map(|s| content.skill(*s).name.clone()).collect();
    let assessment = Campaign {
        id: Uuid::now_v7(),
        organization_id: school,
        code: ASSESSMENT_CODE.to_owned(),
        name: "Rentrée 2026 – 4e".to_owned(),
        title: "Évaluation de rentrée : rechercher l'information".to_owned(),
        campaign_type: "ASSESSMENT".to_owned(),
        target_profile_id: Some(profile),
        skills: serde_json::to_string(&skill_names)?,
        creator_id: Some(admin),
        owner_id: Some(admin),
        external_id_label: None,
        external_id_type: None,
        landing_text: "Ce parcours fait le point sur votre façon de chercher et d'organiser l'information.".to_owned(),
        end_text: "Merci ! Vos résultats aideront vos professeurs à préparer l'année.".to_owned(),
        end_button_text: String::new(),
        end_button_url: String::new(),
        multiple_sendings: true,
        created_at: now - 21 * day,
        archived_at: None,
        deleted_at: None,
    };
    store::insert_campaign(db, &assessment).await?;
    let profiles = Campaign {
        id: Uuid::now_v7(),
        code: PROFILES_CODE.to_owned(),
        name: "Carnet de compétences – 3e".to_owned(),
        title: "Partagez votre profil Pix".to_owned(),
        campaign_type: "PROFILES_COLLECTION".to_owned(),
        target_profile_id: None,
        skills: "[]".to_owned(),
        landing_text: "Partagez vos niveaux Pix avec votre établissement.".to_owned(),
        end_text: String::new(),
        multiple_sendings: false,
        created_at: now - 14 * day,
        ..assessment.clone()
    };
    store::insert_campaign(db, &profiles).await?;

    for i in 0..40usize {
        let first = FIRST_NAMES[i % FIRST_NAMES.len()];
        let last = LAST_NAMES[(i * 7 + i / FIRST_NAMES.len()) % LAST_NAMES.len()];
        let user = participant_account(state, i, first, last, now - 30 * day).await?;
        // Levels 0 to 5, spread over the class; 30 shared, 6 to share, 4 under way.
        let level = ((i * 5) % 6) as u8;
        let started = now - ((i % 20) as i64 + 1) * day + (i as i64) * 3_600_000_000;
        let state_of = match i {
            0..30 => Progress::Shared,
            30..36 => Progress::ToShare,
            _ => Progress::Started,
        };
        let learner = Uuid::now_v7();
        let birth_date = format!("2012-{:02}-{:02}", i % 12 + 1, (i * 7) % 28 + 1);
        let national_id = format!("{:09}DM", 120_000_000 + i);
        listed_pupil(state, school, learner, (first, last, &birth_date, CLASSES[i % 2]), &national_id, started).await?;
        store::link_learner(db, learner, user, started).await?;
        let participation = participate(state, &assessment, user, learner, level, state_of, &skills, started).await?;
        if state_of == Progress::Shared {
            service::share_at(state, user, participation, started + 2 * 3_600_000_000).await?;
        }
        // The first twelve also share their whole profile.
        if i < 12 {
            let p = new_participation(&profiles, user, learner, "TO_SHARE", started + day);
            store::insert_participation(db, &p).await?;
            service::share_at(state, user, p.id, started + day + 600_000_000).await?;
        }
    }
    for (i, pupil) in UNLINKED_PUPILS.into_iter().enumerate() {
        listed_pupil(state, school, Uuid::now_v7(), pupil, &format!("{:09}DN", 130_000_000 + i), now - 30 * day)
            .await?;
    }
    // The demo learner is a pupil of the school, on its list and linked to her account.
    if let Some(lea) = crate::identity::service::user_by_identifier(db, "learner@demo.example").await? {
        let learner = Uuid::now_v7();
        let pupil = (lea.first_name.as_str(), lea.last_name.as_str(), "2012-04-12", "4e A");
        listed_pupil(state, school, learner, pupil, "129999999DL", now - 30 * day).await?;
        store::link_learner(db, learner, lea.id, now - 30 * day).await?;
    }
    // The company's campaign, open to anyone on the same profile.
    let open = Campaign {
        id: Uuid::now_v7(),
        organization_id: ids[2],
        code: OPEN_CODE.to_owned(),
        name: "Diagnostic numérique – équipes".to_owned(),
        title: "Faites le point sur la recherche d'information".to_owned(),
        landing_text: "Un diagnostic de vos pratiques de recherche et de gestion de l'information.".to_owned(),
        end_text: "Merci ! Vos résultats aident l'équipe formation à vous proposer les bons modules.".to_owned(),
        created_at: now - 7 * day,
        ..assessment.clone()
    };
    store::insert_campaign(db, &open).await?;
    Ok(())
}

/// Puts a pupil on the school's list as an SCO import would: (first name, last name, birth date, class).
async fn listed_pupil(
    state: &AppState,
    school: Uuid,
    id: Uuid,
    (first_name, last_name, birth_date, division): (&str, &str, &str, &str),
    national_id: &str,
    at: i64,
) -> anyhow::Result<()> {
    let row = store::LearnerRow {
        id,
        first_name,
        last_name,
        birth_date,
        national_id: Some(national_id),
        student_number: None,
        division: Some(division),
        group_name: None,
        extra: "{}".to_owned(),
    };
    store::insert_imported_learners(&state.db, school, &[row], at).await?;
    Ok(())
}

#[derive(Clone, Copy, PartialEq)]
enum Progress {
    Shared,
    ToShare,
    Started,
}

/// A demo participant's account, without a password.
async fn participant_account(state: &AppState, i: usize, first: &str, last: &str, at: i64) -> anyhow::Result<Uuid> {
    let email = format!("participant{:02}@demo.example", i + 1);
    crate::identity::demo::account_without_password(state, &email, first, last, at).await
}

fn new_participation(campaign: &Campaign, user: Uuid, learner: Uuid, status: &str, at: i64) -> Participation {
    Participation {
        id: Uuid::now_v7(),
        campaign_id: campaign.id,
        user_id: user,
        organization_learner_id: learner,
        external_id: None,
        status: status.to_owned(),
        created_at: at,
        shared_at: None,
        is_improved: false,
        validated_skills: None,
        mastery_rate: None,
        pix_score: None,
        snapshot: None,
        deleted_at: None,
    }
}

/// A participation with its test: skills up to `level` validated, the next level failed; a test
/// under way has answered its first third only.
#[allow(clippy::too_many_arguments)]
async fn participate(
    state: &AppState,
    campaign: &Campaign,
    user: Uuid,
    learner: Uuid,
    level: u8,
    progress: Progress,
    skills: &[content::SkillIdx],
    at: i64,
) -> anyhow::Result<Uuid> {
    let content = &state.content;
    let status = if progress == Progress::Started { "STARTED" } else { "TO_SHARE" };
    let p = new_participation(campaign, user, learner, status, at);
    let assessment = Uuid::now_v7();
    let mut tx = state.db.begin().await?;
    store::insert_participation(&mut tx, &p).await?;
    let row = evaluation::demo::NewAssessment {
        id: assessment,
        user,
        competence: "",
        state: if progress == Progress::Started { "started" } else { "completed" },
        content_version: &content.version,
        locale: "fr",
        seed: 1,
        improving: false,
        pix_before: 0,
        level_before: 0,
        now: at,
        participation: Some(p.id),
        course: None,
    };
    evaluation::demo::record_test(&mut tx, row).await?;
    let answered = if progress == Progress::Started { skills.len() / 3 } else { skills.len() };
    for (n, s) in skills.iter().take(answered).enumerate() {
        let skill = content.skill(*s);
        if skill.level > level + 1 {
            continue;
        }
        let validated = skill.level <= level;
        let ke = evaluation::demo::NewKe {
            user,
            assessment,
            answer: None,
            skill: &skill.name,
            competence: &content.competence(skill.competence).code,
            source: "direct",
            status: if validated { "validated" } else { "invalidated" },
            earned_pix: if validated { skill.pix_value } else { 0.0 },
            at: at + n as i64 * 30_000_000,
            exam: false,
        };
        evaluation::demo::record_knowledge(&mut tx, ke).await?;
    }
    tx.commit().await?;
    Ok(p.id)
}

/// Trainings the demo profile recommends: two learning modules and a site, each with its triggers
/// on the tubes of one competence (docs/trainings.md).
async fn seed_trainings(state: &AppState, profile: Uuid, tubes: &[(String, &str)]) -> anyhow::Result<()> {
    use crate::learning::trainings::{self, NewTraining, TrainingFields, TriggerFields};
    use engine::training::TriggerKind::{Goal, Prerequisite};
    let of = |code: &str| -> Vec<(String, i64)> {
        tubes.iter().filter(|(_, c)| *c == code).map(|(name, _)| (name.clone(), 5)).collect()
    };
    let demo = [
        (
            "Chercher efficacement sur le web",
            "Module chrchweb — recherche (démo)",
            "chrchweb",
            "modulix",
            "15",
            vec!["fr", "en"],
            "Un module interactif : mots-clés, opérateurs de recherche, fiabilité des sources.",
            vec![(Goal, 80, of("1.1"))],
        ),
        (
            "Premiers pas avec un tableur",
            "Module tableur1 — tableur (démo)",
            "tableur1",
            "modulix",
            "15",
            vec!["fr", "en"],
            "Un module interactif pour organiser et calculer des données dans un tableur.",
            vec![(Prerequisite, 20, of("1.1")), (Goal, 70, of("1.3"))],
        ),
        (
            "S'informer et vérifier l'information",
            "CLEMI — vérifier l'information (démo)",
            "https://www.clemi.fr/",
            "autoformation",
            "45",
            vec!["fr"],
            "Les ressources du CLEMI pour repérer les fausses informations et recouper ses sources.",
            vec![(Prerequisite, 50, of("1.1")), (Goal, 80, of("1.2"))],
        ),
    ];
    for (title, internal_title, link, kind, minutes, locales, description, triggers) in demo {
        let fields = TrainingFields {
            title,
            internal_title,
            link,
            kind,
            minutes,
            locales,
            editor_name: "Pix libre (démo)",
            delivery_mode: "remote",
            description,
            ..TrainingFields::default()
        };
        let Ok(new) = NewTraining::parse(&state.content, &fields) else {
            // The content served may not hold the demo modules (a custom content folder).
            continue;
        };
        let id = trainings::create(state, new).await?;
        for (kind, threshold, tubes) in triggers {
            trainings::set_trigger(state, id, &TriggerFields { kind, threshold, tubes }).await?;
        }
        trainings::attach(state, id, profile).await?;
    }
    Ok(())
}
