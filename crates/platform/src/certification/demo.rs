//! Demo data of the certification side: the demo centre plans a session for today with three
//! enrolled candidates, and published the demo learner's certificate of a session a month ago, so
//! that every Certif page and the certificate show real data on first start.

use uuid::Uuid;

use super::{
    model::{CandidateFields, SessionFields},
    service, store,
};
use crate::AppState;

/// The description of the demo session.
const DEMO_SESSION: &str = "Session de démonstration";

/// Keeps the demo centres' demo session on today while it is open: a session is sat on its own
/// day, and a demo started again tomorrow must still let its learner take the test. Other centres'
/// sessions are never moved, whatever their description.
pub async fn keep_today(state: &AppState, demo_centers: &[Uuid]) -> anyhow::Result<()> {
    let today = crate::clock::paris_date(state.clock.now_micros());
    for &center in demo_centers {
        store::reschedule_open_sessions_described(&state.db, center, DEMO_SESSION, &today).await?;
    }
    Ok(())
}

/// Plans the demo session and enrols its candidates; publishes the demo learner's certificate of a
/// past session.
pub async fn seed(state: &AppState, center: Uuid, admin: Uuid) -> anyhow::Result<()> {
    seed_published(state, center, admin).await?;
    let fields = SessionFields {
        address: "Médiathèque Jules Verne".into(),
        room: "Salle 2".into(),
        date: crate::clock::paris_date(state.clock.now_micros()),
        time: "14:00".into(),
        examiner: "Claire Centre".into(),
        description: DEMO_SESSION.into(),
        version: None,
    };
    let session = service::create_session(state, center, admin, &fields)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .map_err(|e| anyhow::anyhow!("demo session refused: {e:?}"))?;
    let people = [
        ("Léa", "Apprenante", "12/04/2001", "F", "75056", "", "", 0),
        ("Hugo", "Martin", "03/11/1998", "M", "", "69003", "Lyon", 33),
        ("Amina", "Diallo", "27/06/2003", "F", "", "", "Dakar", 0),
    ];
    for (first, last, birth, sex, insee, postal, city, extra) in people {
        let c = CandidateFields {
            first_name: first.into(),
            last_name: last.into(),
            birth_date: birth.into(),
            sex: sex.into(),
            birth_country: if city == "Dakar" { "Sénégal".into() } else { "France".into() },
            birth_insee_code: insee.into(),
            birth_postal_code: postal.into(),
            birth_city: city.into(),
            extra_time_percentage: if extra > 0 { extra.to_string() } else { String::new() },
            ..CandidateFields::default()
        };
        service::enrol(state, &session, admin, &c)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .map_err(|e| anyhow::anyhow!("demo candidate refused: {e:?}"))?;
    }
    Ok(())
}

/// A session a month ago where the demo learner took the test, finalised and published: her
/// certificate, and its verification code, exist on first start. Her answers are simulated on the
/// flash questions as a capable candidate would answer them (no shortcut in scoring).
async fn seed_published(state: &AppState, center: Uuid, admin: Uuid) -> anyhow::Result<()> {
    use rand::SeedableRng;
    let Some(learner) = crate::identity::service::user_by_identifier(&state.db, "learner@demo.example").await? else {
        return Ok(());
    };
    let now = state.clock.now_micros();
    let month_ago = state.clock.now().date() - time::Duration::days(30);
    let start = now - 30 * engine::knowledge::DAY_MICROS;
    let session = super::model::NewSession {
        address: "Mairie annexe".into(),
        room: "Salle du conseil".into(),
        date: format!("{:04}-{:02}-{:02}", month_ago.year(), u8::from(month_ago.month()), month_ago.day()),
        time: "09:30".into(),
        examiner: "Claire Centre".into(),
        description: String::new(),
        version: 3,
    };
    let (number, access_code, password) = service::draw_keys(&state.db).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let session_id = Uuid::now_v7();
    let keys = store::SessionKeys {
        id: session_id,
        center,
        number,
        access_code: &access_code,
        invigilator_password: &password,
        created_by: admin,
    };
    store::insert_session(&state.db, keys, &session, start).await?;
    let fields = CandidateFields {
        first_name: "Léa".into(),
        last_name: "Apprenante".into(),
        birth_date: "12/04/2001".into(),
        sex: "F".into(),
        birth_insee_code: "75056".into(),
        ..CandidateFields::default()
    };
    let candidate = fields.validate(&service::today(state)).map_err(|e| anyhow::anyhow!("demo candidate: {e:?}"))?;
    let candidate_id = Uuid::now_v7();
    store::insert_candidate(&state.db, candidate_id, session_id, &candidate, start).await?;
    store::link_candidate(&state.db, candidate_id, learner.id, start).await?;
    let course = super::model::Course {
        id: Uuid::now_v7(),
        candidate_id,
        session_id,
        user_id: learner.id,
        lang: "fr".into(),
        accessibility_adjustment: false,
        started_at: start,
        deadline: super::model::deadline(start, super::model::TEST_MINUTES, None),
        completed_at: None,
        ended_by_invigilator: false,
        abort_reason: None,
        configuration_version: super::configuration::active(state).await?.version,
        version: 3,
        plan: None,
        focus_losses: 0,
        last_focus_loss_at: None,
        resume_requested_at: None,
    };
    store::insert_course(&state.db, &course).await?;
    let assessment = Uuid::now_v7();
    let row = crate::evaluation::demo::NewAssessment {
        id: assessment,
        user: learner.id,
        competence: "",
        state: "completed",
        content_version: &state.content.version,
        locale: "fr",
        seed: 7,
        improving: false,
        pix_before: 0,
        level_before: 0,
        now: start,
        participation: None,
        course: Some(course.id),
    };
    crate::evaluation::demo::record_test(&state.db, row).await?;
    // Flash picks the questions; a candidate of capacity 1.2 answers those they are likely to get.
    let prepared = super::test::certification_bank(state, content::Locale::Fr);
    let bank = &prepared.bank;
    let config = engine::flash::FlashConfig::default();
    let mut estimator = engine::flash::Estimator::new(&config);
    let mut asked = Vec::new();
    let excluded = std::collections::HashSet::new();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    while let Ok(engine::flash::Selection::Ask(i)) = engine::flash::select(
        engine::flash::Situation {
            bank,
            asked: &asked,
            excluded_skills: &excluded,
            needs_accessibility: false,
            exposure: None,
        },
        estimator.capacity(),
        &config,
        config.default_probability_to_pick_challenge,
        &mut rng,
    ) {
        let c = bank.items()[i];
        let success = engine::flash::probability(c.a, c.b, 1.2) >= 0.5;
        estimator.update(c.a, c.b, success);
        asked.push(engine::flash::Asked { skill: c.skill, tube: c.tube, competence: c.competence });
        let at = start + asked.len() as i64 * 90_000_000;
        let answer = crate::evaluation::demo::AnswerRow {
            id: Uuid::now_v7(),
            assessment_id: assessment,
            challenge_id: state.content.challenge(c.challenge).id.clone(),
            value: String::new(),
            result: if success { "ok" } else { "ko" }.into(),
            result_details: "{}".into(),
            timed_out: false,
            focused_out: false,
            time_spent: 90,
            created_at: at,
        };
        crate::evaluation::demo::record_answer(&state.db, &answer).await?;
    }
    store::complete_course(&state.db, course.id, start + asked.len() as i64 * 90_000_000, false).await?;
    let s = store::session(&state.db, session_id).await?.ok_or_else(|| anyhow::anyhow!("demo session"))?;
    let finalization = service::Finalization {
        comment: String::new(),
        has_incident: Some(false),
        has_joining_issue: Some(false),
        abort_reasons: Vec::new(),
    };
    service::finalize(state, &s, admin, &finalization)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .map_err(|e| anyhow::anyhow!("demo finalisation: {e:?}"))?;
    store::publish_session(&state.db, session_id, now).await?;
    Ok(())
}

/// A certification load fixture: a centre, sessions of `per_session` candidates planned today, and
/// `candidates` eligible accounts (password `password`) enrolled in them. Returns what the load
/// generator needs: per session its id, number, access code and invigilator password, and its
/// candidates' emails and identity.
pub async fn load_fixture(
    state: &AppState,
    candidates: usize,
    per_session: usize,
    password: &str,
) -> anyhow::Result<serde_json::Value> {
    use crate::identity::model::{Email, NewAccount, Password, PersonName};
    let run = state.clock.now_micros();
    let account = |email: String, last: String| -> anyhow::Result<NewAccount> {
        Ok(NewAccount {
            first_name: PersonName::parse("Load").ok_or_else(|| anyhow::anyhow!("name"))?,
            last_name: PersonName::parse(&last).ok_or_else(|| anyhow::anyhow!("name"))?,
            email: Email::parse(&email).ok_or_else(|| anyhow::anyhow!("email"))?,
            password: Password::parse(password).ok_or_else(|| anyhow::anyhow!("the password breaks the rule"))?,
        })
    };
    let admin = crate::identity::service::sign_up(
        state,
        account(format!("load-centre-{run}@example.org"), "Centre".into())?,
        "fr",
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?
    .ok_or_else(|| anyhow::anyhow!("centre account exists"))?;
    let center = Uuid::now_v7();
    store::insert_center(&state.db, center, &format!("Centre de charge {run}"), "PRO", None, run).await?;
    let space = crate::identity::model::Space::Center(center);
    crate::identity::membership::grant(&state.db, space, admin, crate::identity::model::MemberRole::Admin, run).await?;
    // Candidates join on the session's day in Paris (as the demo session's): the UTC date differs
    // for an hour or two every night.
    let today = crate::clock::paris_date(state.clock.now_micros());
    let mut sessions = Vec::new();
    for (n, chunk) in (0..candidates).collect::<Vec<_>>().chunks(per_session.max(1)).enumerate() {
        let fields = SessionFields {
            address: "Centre de charge".into(),
            room: format!("Salle {}", n + 1),
            date: today.clone(),
            time: "09:00".into(),
            examiner: "Surveillance".into(),
            description: String::new(),
            version: None,
        };
        let session = service::create_session(state, center, admin, &fields)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .map_err(|e| anyhow::anyhow!("session refused: {e:?}"))?;
        let mut people = Vec::new();
        for i in chunk {
            let email = format!("cert{run}-{i}@example.org");
            let last = format!("Candidat {i}");
            let user = crate::identity::service::sign_up(state, account(email.clone(), last.clone())?, "fr")
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .ok_or_else(|| anyhow::anyhow!("{email} exists"))?;
            crate::evaluation::demo::seed(state, user).await?;
            let c = CandidateFields {
                first_name: "Load".into(),
                last_name: last.clone(),
                birth_date: "01/01/2000".into(),
                sex: "F".into(),
                birth_insee_code: "75056".into(),
                ..CandidateFields::default()
            };
            service::enrol(state, &session, admin, &c)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .map_err(|e| anyhow::anyhow!("candidate refused: {e:?}"))?;
            people.push(serde_json::json!({ "email": email, "first_name": "Load", "last_name": last, "birth_date": "2000-01-01" }));
        }
        sessions.push(serde_json::json!({
            "id": session.id,
            "number": session.number,
            "access_code": session.access_code,
            "invigilator_password": session.invigilator_password,
            "candidates": people,
        }));
    }
    Ok(serde_json::json!({ "sessions": sessions }))
}
