//! Starting a certification test: the checks at the entrance, the course, the v2 plan chosen from the profile, and the test (`super::super::test`).

use super::*;

/// Why a test did not start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartRefused {
    /// The invigilator has not authorised the candidate.
    NotAuthorized,
    /// The test is over.
    Over,
    /// The session is finalised: nothing starts or resumes any more.
    SessionClosed,
    /// A first start on another day than the session's (`YYYY-MM-DD`, Paris time).
    NotToday(String),
}

/// Starts the candidate's test once the invigilator authorised them, or resumes it once the
/// invigilator authorised the resumption; returns the assessment. Each authorisation serves once, so
/// a candidate who leaves the test comes back through the invigilator (REFERENCE §6.5). The deadline
/// is fixed at the start: 105 minutes plus the candidate's extra time.
pub async fn start_test(
    state: &AppState,
    user: Uuid,
    candidate: Uuid,
    locale: content::Locale,
) -> Result<Result<Uuid, StartRefused>, AppError> {
    let c = own_candidate(state, user, candidate).await?;
    let session = store::session(&state.db, c.session_id).await?.ok_or(AppError::NotFound)?;
    if let Some(course) = store::course_of_candidate(&state.db, c.id).await? {
        if course.completed_at.is_some() {
            return Ok(Err(StartRefused::Over));
        }
        if session.status() != SessionStatus::Created {
            return Ok(Err(StartRefused::SessionClosed));
        }
        if !store::consume_authorization(&state.db, c.id).await? {
            return Ok(Err(StartRefused::NotAuthorized));
        }
        let (assessment, _) = store::assessment_of_course(&state.db, course.id).await?.ok_or(AppError::NotFound)?;
        store::set_resume_requested(&state.db, course.id, None).await?;
        crate::audit::write(
            state,
            Some(user),
            "certification.resume",
            Some(user),
            "candidate",
            serde_json::json!({ "session": c.session_id, "candidate": c.id, "course": course.id }),
        )
        .await?;
        crate::certification::live::publish(state, c.session_id);
        return Ok(Ok(assessment));
    }
    if session.status() != SessionStatus::Created {
        return Ok(Err(StartRefused::SessionClosed));
    }
    let now = state.clock.now_micros();
    // The certificate carries the day the test is taken: a session is sat on its own day.
    if crate::clock::paris_date(now) != session.date {
        return Ok(Err(StartRefused::NotToday(session.date.clone())));
    }
    if !c.authorized_to_start {
        return Ok(Err(StartRefused::NotAuthorized));
    }
    let configuration = crate::certification::configuration::active(state).await?;
    let minutes = configuration.settings().duration_minutes;
    let version = session.version;
    let plan = if version == 2 {
        Some(to_text(&v2_plan(state, user, locale, c.enrolled.accessibility_adjustment).await?)?)
    } else {
        None
    };
    let course = crate::certification::model::Course {
        id: Uuid::now_v7(),
        candidate_id: c.id,
        session_id: c.session_id,
        user_id: user,
        lang: locale.code().to_owned(),
        accessibility_adjustment: c.enrolled.accessibility_adjustment,
        started_at: now,
        deadline: crate::certification::model::deadline(now, minutes, c.enrolled.extra_time_percentage),
        completed_at: None,
        ended_by_invigilator: false,
        abort_reason: None,
        configuration_version: configuration.version,
        version,
        plan,
        focus_losses: 0,
        last_focus_loss_at: None,
        resume_requested_at: None,
    };
    let mut tx = state.db.begin().await?;
    // The session's row lock orders this start with finalisation: a course is either in before it
    // (and scored) or refused after it.
    if !store::lock_open_session(&mut tx, c.session_id).await? {
        return Ok(Err(StartRefused::SessionClosed));
    }
    // The unique candidate column makes a second start in parallel fail here rather than twice.
    store::insert_course(&mut tx, &course).await?;
    store::set_authorized(&mut tx, c.id, false).await?;
    let assessment = crate::evaluation::service::begin(
        state,
        &mut tx,
        user,
        locale,
        crate::evaluation::service::NewTest::for_course(course.id),
    )
    .await?;
    tx.commit().await?;
    crate::certification::live::publish(state, c.session_id);
    Ok(Ok(assessment))
}

/// Chooses the questions of a v2 certification from the person's profile now (REFERENCE §6.2),
/// preferring challenges they have never answered.
async fn v2_plan(
    state: &AppState,
    user: Uuid,
    locale: content::Locale,
    needs_accessibility: bool,
) -> Result<crate::certification::model::V2Plan, AppError> {
    use crate::evaluation::service as evaluation;
    let content = &state.content;
    let rows = evaluation::profile_knowledge(&state.db, user).await?;
    let knowledge = engine::knowledge::current(&evaluation::to_engine(content, &rows));
    let answered: std::collections::HashSet<content::ChallengeIdx> = evaluation::answered_challenges(&state.db, user)
        .await?
        .iter()
        .filter_map(|id| content.challenge_by_id(id))
        .collect();
    let input = engine::certification::V2Input {
        content,
        knowledge: &knowledge,
        answered: &answered,
        locale,
        needs_accessibility,
        max_level: evaluation::MAX_LEVEL,
    };
    let parts = engine::certification::select_v2(&input, &mut rand::rng());
    Ok(crate::certification::model::V2Plan {
        competences: parts
            .into_iter()
            .map(|p| crate::certification::model::V2Competence {
                code: content.competence(p.competence).code.clone(),
                level: p.level,
                pix: p.pix,
                challenges: p.challenges.into_iter().map(|c| content.challenge(c).id.clone()).collect(),
            })
            .collect(),
    })
}
