//! Alerts: a candidate reports a problem with a question, the invigilator validates or dismisses it.

use super::*;

/// The candidate reports a problem with the current question of their test; false when there is no
/// question (or one alert is already open).
pub async fn raise_alert(state: &AppState, user: Uuid, assessment: Uuid) -> Result<bool, AppError> {
    let a = crate::evaluation::service::owned(state, user, assessment).await?;
    let (Some(course), Some(challenge)) = (a.course_id, a.current_challenge_id.clone()) else { return Ok(false) };
    if a.test_state() != crate::evaluation::service::TestState::Started {
        return Ok(false);
    }
    let opened = store::open_alert(&state.db, course, &challenge, state.clock.now_micros()).await?;
    if opened {
        if let Some(k) = store::course(&state.db, course).await? {
            crate::certification::live::publish(state, k.session_id);
        }
        crate::audit::write(
            state,
            Some(user),
            "certification.alert.raise",
            Some(user),
            "candidate",
            serde_json::json!({ "course": course, "challenge": challenge }),
        )
        .await?;
    }
    Ok(opened)
}

/// Whether the course has an alert waiting for the invigilator.
pub async fn alert_open(state: &AppState, course: Uuid) -> Result<bool, AppError> {
    Ok(store::ongoing_alert(&state.db, course).await?.is_some())
}

/// The invigilator handles a candidate's open alert: validated, the question is replaced without
/// penalty; dismissed, the candidate answers it. 409 when no alert is open.
pub async fn handle_alert(state: &AppState, session: Uuid, candidate: Uuid, validate: bool) -> Result<(), AppError> {
    let c = session_candidate(state, session, candidate).await?;
    let course = store::course_of_candidate(&state.db, c.id).await?.ok_or(AppError::Conflict)?;
    let status = if validate { "validated" } else { "dismissed" };
    let question = store::close_alert(&state.db, course.id, status, state.clock.now_micros()).await?;
    let Some(question) = question else { return Err(AppError::Conflict) };
    if validate && let Some((assessment, _)) = store::assessment_of_course(&state.db, course.id).await? {
        crate::certification::test::replace_certification_question(state, assessment).await?;
    }
    crate::certification::live::publish(state, session);
    crate::audit::write(
        state,
        None,
        "certification.alert.handle",
        c.user_id,
        "invigilator",
        serde_json::json!({ "session": session, "candidate": c.id, "challenge": question, "status": status }),
    )
    .await
}
