//! Finalisation, scoring and publication of a session, and the certificates they produce.

use super::*;

/// What the centre says when it finalises a session.
#[derive(Debug, Clone, Default)]
pub struct Finalization {
    /// Global comment of the invigilators (500 characters at most).
    pub comment: String,
    /// An incident happened (required).
    pub has_incident: Option<bool>,
    /// Candidates had trouble joining (required).
    pub has_joining_issue: Option<bool>,
    /// Why each unfinished test stopped: candidate id → `candidate` or `technical`.
    pub abort_reasons: Vec<(Uuid, String)>,
}

/// Longest global comment.
pub const MAX_COMMENT: usize = 500;

/// The scoring settings: the reference's seed intervals (production values are not public); each
/// competence uses the same intervals, its level being the interval's index (docs/certification.md).
pub fn scoring_settings(state: &AppState) -> engine::certification::V3Scoring {
    let global = engine::certification::seed_global_intervals();
    let per: Vec<(u32, engine::certification::Interval)> =
        global.iter().take(8).enumerate().map(|(i, iv)| (i as u32, *iv)).collect();
    engine::certification::V3Scoring {
        competences: state.content.competences.iter().map(|c| (c.code.clone(), per.clone())).collect(),
        global,
    }
}

/// Scores a course from its answers (REFERENCE §5.5) and stores the result with a fresh
/// verification code.
async fn score_course(
    state: &AppState,
    tx: &mut crate::db::Tx,
    course: &crate::certification::model::Course,
    now: i64,
) -> Result<(), AppError> {
    use engine::certification::{AbortReason, V3Answer, global_score, score_v3};
    if store::result_of_course(&mut *tx, course.id).await?.is_some() {
        return Ok(());
    }
    if course.version == 2 {
        return score_v2_course(state, tx, course, now).await;
    }
    let locale = if course.lang == "en" { content::Locale::En } else { content::Locale::Fr };
    let prepared = crate::certification::test::certification_bank(state, locale);
    let (bank, by_challenge) = (&prepared.bank, &prepared.index);
    let (assessment, _) = store::assessment_of_course(&mut *tx, course.id).await?.ok_or(AppError::NotFound)?;
    // The automatic resolution of issue reports: neutralized questions no longer count, revalidated
    // ones count as right (numbers from 1, in the order asked).
    let (neutralized, revalidated) =
        crate::certification::reporting::effects(&store::issue_reports(&mut *tx, course.id).await?);
    let answers: Vec<V3Answer> = crate::evaluation::service::answers(&mut *tx, assessment)
        .await?
        .iter()
        .enumerate()
        .filter(|(n, _)| !neutralized.contains(&(*n as i64 + 1)))
        .filter_map(|(n, r)| {
            let i = state.content.challenge_by_id(&r.challenge_id).and_then(|c| by_challenge.get(&c))?;
            let success = r.result == "ok" || revalidated.contains(&(n as i64 + 1));
            Some(V3Answer { challenge: bank.items()[*i], success })
        })
        .collect();
    let abort = match course.abort_reason.as_deref() {
        Some("candidate") => Some(AbortReason::Candidate),
        Some("technical") => Some(AbortReason::Technical),
        _ => None,
    };
    let config = crate::certification::configuration::settings_of(state, &mut *tx, course.configuration_version)
        .await?
        .flash
        .clone();
    let settings = scoring_settings(state);
    let result = score_v3(&answers, bank, abort, false, &config, &settings);
    let error = engine::flash::estimate(
        &answers.iter().map(|a| (a.challenge.a, a.challenge.b, a.success)).collect::<Vec<_>>(),
        &config,
    )
    .error_rate();
    let spread = (i64::from(global_score(result.capacity + error, &settings.global))
        - i64::from(global_score(result.capacity - error, &settings.global)))
        / 2;
    let row = crate::certification::model::CertResult {
        course_id: course.id,
        status: to_text(&result.status)?.trim_matches('"').to_owned(),
        reason: to_text(&result.reason)?.trim_matches('"').to_owned(),
        pix_score: i64::from(result.score),
        capacity: result.capacity,
        score_error: spread.max(0),
        answers: answers.len() as i64,
        competence_levels: to_text(&result.competence_levels)?,
        verification_code: fresh_code(tx).await?,
        scored_at: now,
        jury_comment_candidate: String::new(),
        jury_comment_organization: String::new(),
        reproducibility_rate: None,
    };
    store::insert_result(&mut *tx, &row).await?;
    Ok(())
}

/// A verification code no certificate has yet.
async fn fresh_code(tx: &mut crate::db::Tx) -> Result<String, AppError> {
    let mut code = engine::codes::verification_code(&mut rand::rng());
    while store::code_taken(&mut *tx, &code).await? {
        code = engine::codes::verification_code(&mut rand::rng());
    }
    Ok(code)
}

/// Scores a v2 course (REFERENCE §6.3): each question of its plan counts — answered (right, or
/// counted right by an issue report), withdrawn after a validated alert or neutralized by an issue
/// report (does not count), or never reached (wrong when the candidate left, does not count when
/// the test stopped for a technical reason).
async fn score_v2_course(
    state: &AppState,
    tx: &mut crate::db::Tx,
    course: &crate::certification::model::Course,
    now: i64,
) -> Result<(), AppError> {
    use engine::certification::{Estimated, Status, score_v2};
    let content = &state.content;
    let plan = course.v2_plan();
    let (assessment, _) = store::assessment_of_course(&mut *tx, course.id).await?.ok_or(AppError::NotFound)?;
    let given = crate::evaluation::service::answers(&mut *tx, assessment).await?;
    let withdrawn = store::validated_alerts(&mut *tx, course.id).await?;
    let (neutralized, revalidated) =
        crate::certification::reporting::effects(&store::issue_reports(&mut *tx, course.id).await?);
    let technical = course.abort_reason.as_deref() == Some("technical");
    let outcomes = crate::certification::model::V2Outcomes {
        answers: &given.iter().map(|r| (r.challenge_id.as_str(), r.result == "ok")).collect::<Vec<_>>(),
        withdrawn: &withdrawn,
        neutralized: &neutralized,
        revalidated: &revalidated,
        technical_abort: technical,
    };
    let answers = plan.answers(&outcomes, |q| {
        content.challenge_by_id(q).is_some_and(|c| content.challenge(c).kind == content::ChallengeType::QrocmDep)
    });
    let estimates: Vec<Estimated> = plan.competences.iter().map(|p| Estimated { level: p.level, pix: p.pix }).collect();
    let (status, reason, pix, rate, levels) =
        match score_v2(&answers, &estimates, crate::evaluation::service::MAX_LEVEL) {
            Ok(r) => {
                let levels: Vec<(String, u32)> = plan
                    .competences
                    .iter()
                    .zip(&r.marks)
                    .filter(|(_, m)| m.level >= 1)
                    .map(|(p, m)| (p.code.clone(), m.level as u32))
                    .collect();
                let (status, reason) = match (r.trustable, r.status) {
                    (false, _) => ("cancelled", "not_trustable"),
                    (true, Status::Validated) => ("validated", "standard"),
                    (true, _) => ("rejected", "standard"),
                };
                (status, reason, r.pix, Some(i64::from(r.reproducibility_rate)), levels)
            }
            // A combination outside the rule table: the jury decides (REFERENCE §6.3 "error").
            Err(_) => ("error", "scoring_error", 0, None, Vec::new()),
        };
    let row = crate::certification::model::CertResult {
        course_id: course.id,
        status: status.to_owned(),
        reason: reason.to_owned(),
        pix_score: i64::from(pix),
        capacity: 0.0,
        score_error: 0,
        answers: answers.iter().filter(|a| !a.neutralized).count() as i64,
        competence_levels: to_text(&levels)?,
        verification_code: fresh_code(tx).await?,
        scored_at: now,
        jury_comment_candidate: String::new(),
        jury_comment_organization: String::new(),
        reproducibility_rate: rate,
    };
    store::insert_result(&mut *tx, &row).await?;
    Ok(())
}

/// Finalises a session: unfinished tests end with their abort reason, every test is scored, and the
/// session waits for publication. Refused (409) when it is not open; field errors otherwise.
pub async fn finalize(
    state: &AppState,
    s: &Session,
    author: Uuid,
    f: &Finalization,
) -> Result<Result<(), Vec<FieldError>>, AppError> {
    if s.status() != SessionStatus::Created {
        return Err(AppError::Conflict);
    }
    let courses = store::courses_of_session(&state.db, s.id).await?;
    let mut errors = Vec::new();
    if courses.is_empty() {
        errors.push(FieldError { field: "comment".into(), code: "field-finalize-no-test".into() });
    }
    if f.comment.chars().count() > MAX_COMMENT {
        errors.push(FieldError { field: "comment".into(), code: "field-finalize-comment".into() });
    }
    if f.has_incident.is_none() {
        errors.push(FieldError { field: "has_incident".into(), code: "field-finalize-incident".into() });
    }
    if f.has_joining_issue.is_none() {
        errors.push(FieldError { field: "has_joining_issue".into(), code: "field-finalize-joining".into() });
    }
    for course in courses.iter().filter(|k| k.completed_at.is_none()) {
        let reason = f.abort_reasons.iter().find(|(c, _)| *c == course.candidate_id).map(|(_, r)| r.as_str());
        if !matches!(reason, Some("candidate" | "technical")) {
            errors.push(FieldError {
                field: format!("abort-{}", course.candidate_id),
                code: "field-finalize-abort".into(),
            });
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let now = state.clock.now_micros();
    let mut tx = state.db.begin().await?;
    if !store::finalize_session(
        &mut tx,
        s.id,
        f.comment.trim(),
        f.has_incident.unwrap_or(false),
        f.has_joining_issue.unwrap_or(false),
        now,
    )
    .await?
    {
        return Err(AppError::Conflict);
    }
    // Read again under the session's row lock: a course started since the form was checked is
    // scored too (its abort reason, if it is still under way, is the candidate's).
    let courses = store::courses_of_session(&mut tx, s.id).await?;
    for course in &courses {
        let mut course = course.clone();
        if course.completed_at.is_none() {
            let reason = f.abort_reasons.iter().find(|(c, _)| *c == course.candidate_id).map(|(_, r)| r.clone());
            if let Some(r) = &reason {
                store::set_abort_reason(&mut tx, course.id, r).await?;
            }
            course.abort_reason = reason;
            if let Some((assessment, _)) = store::assessment_of_course(&mut tx, course.id).await? {
                let a = crate::evaluation::service::assessment(&mut tx, assessment).await?.ok_or(AppError::NotFound)?;
                crate::certification::test::finish_certification(&mut tx, &a, course.id, now, false).await?;
            }
        }
        crate::certification::reporting::resolve(state, &mut tx, &course, now).await?;
        score_course(state, &mut tx, &course, now).await?;
    }
    tx.commit().await?;
    crate::audit::write(
        state,
        Some(author),
        "certification.session.finalize",
        None,
        "certification centre",
        serde_json::json!({ "session": s.id, "courses": courses.len() }),
    )
    .await?;
    Ok(Ok(()))
}

/// Publishes a finalised session: candidates see their certificate, and they and their results
/// recipients are told by email.
pub async fn publish(state: &AppState, session: Uuid, agent: Uuid) -> Result<(), AppError> {
    let s = store::session(&state.db, session).await?.ok_or(AppError::NotFound)?;
    if s.status() != SessionStatus::Finalized
        || !store::publish_session(&state.db, s.id, state.clock.now_micros()).await?
    {
        return Err(AppError::Conflict);
    }
    let public = &state.settings.public_url;
    for course in store::courses_of_session(&state.db, s.id).await? {
        let Some(candidate) = store::candidate_by_id(&state.db, course.candidate_id).await? else { continue };
        let Some(result) = store::result_of_course(&state.db, course.id).await? else { continue };
        if let Some(email) = store::email_of(&state.db, course.user_id).await? {
            let body = crate::mail::render(&crate::certification::mails::Results {
                first_name: &candidate.enrolled.first_name,
                date: &s.date_fr(),
                url: public,
                course: course.id,
                code: &result.verification_code,
            })?;
            crate::outbox::mail(state, &email, "Vos résultats de certification Pix", &body, Some(course.user_id))
                .await?;
        }
        if let Some(recipient) = &candidate.enrolled.result_recipient_email {
            let body = crate::mail::render(&crate::certification::mails::ResultsToRecipient {
                first_name: &candidate.enrolled.first_name,
                last_name: &candidate.enrolled.last_name,
                date: &s.date_fr(),
                url: public,
                code: &result.verification_code,
            })?;
            crate::outbox::mail(state, recipient, "Résultats de certification Pix", &body, None).await?;
        }
    }
    crate::audit::write(
        state,
        Some(agent),
        "certification.session.publish",
        None,
        "back office",
        serde_json::json!({ "session": s.id }),
    )
    .await
}

/// A published certificate: the result, its course, candidate, session and centre name.
pub struct Certificate {
    /// The result.
    pub result: crate::certification::model::CertResult,
    /// The course.
    pub course: crate::certification::model::Course,
    /// The candidate (identity as enrolled).
    pub candidate: Candidate,
    /// The session.
    pub session: Session,
    /// The centre's name.
    pub center: String,
    /// Highest score of its version: 895 (v3), or every competence at the maximum level (v2).
    pub max_score: i64,
    /// The day the test was taken (Paris time, `YYYY-MM-DD`): what the certificate attests, whatever
    /// day the session was planned for.
    pub taken: String,
}

async fn certificate_of(
    state: &AppState,
    result: crate::certification::model::CertResult,
) -> Result<Option<Certificate>, AppError> {
    let Some(course) = store::course(&state.db, result.course_id).await? else { return Ok(None) };
    let Some(session) = store::session(&state.db, course.session_id).await?.filter(|s| s.published_at.is_some()) else {
        return Ok(None);
    };
    let Some(candidate) = store::candidate_by_id(&state.db, course.candidate_id).await? else { return Ok(None) };
    let center = store::center(&state.db, session.center_id).await?.map(|c| c.name).unwrap_or_default();
    let max_score = max_score(state, course.version);
    let taken = crate::clock::paris_date(course.started_at);
    Ok(Some(Certificate { result, course, candidate, session, center, max_score, taken }))
}

/// Highest score of a certification version: 895 (v3), or every competence at the maximum reachable
/// level (v2, PRODUCT §2.3).
pub fn max_score(state: &AppState, version: i64) -> i64 {
    i64::from(if version == 2 {
        engine::certification::v2_max_score(state.content.competences.len(), crate::evaluation::service::MAX_LEVEL)
    } else {
        engine::certification::MAX_REACHABLE_SCORE
    })
}

impl Certificate {
    /// The day taken as people read it, `jj/mm/aaaa`.
    pub fn taken_fr(&self) -> String {
        crate::certification::model::iso_to_fr(&self.taken)
    }

    /// When the test ended (RFC 3339 UTC): the credential's activity end and validity start.
    pub fn ended_at(&self) -> String {
        let micros = self.course.completed_at.unwrap_or(self.course.started_at);
        let t = time::OffsetDateTime::from_unix_timestamp(micros.div_euclid(1_000_000))
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
    }

    /// The global level message id (v3 only: v2 certifies competence levels, with no global level).
    pub fn global_level(&self) -> Option<&'static str> {
        (self.course.version != 2).then(|| self.result.global_level())
    }

    /// The score's measurement error (v3 only).
    pub fn score_error(&self) -> Option<i64> {
        (self.course.version != 2).then_some(self.result.score_error)
    }
}

/// The person's published certificate of a course, or 404.
pub async fn own_certificate(state: &AppState, user: Uuid, course: Uuid) -> Result<Certificate, AppError> {
    let k = store::course(&state.db, course).await?.filter(|k| k.user_id == user).ok_or(AppError::NotFound)?;
    let result = store::result_of_course(&state.db, k.id).await?.ok_or(AppError::NotFound)?;
    certificate_of(state, result).await?.ok_or(AppError::NotFound)
}

/// A published, validated certificate by its verification code (`P-` and 8 characters, any case).
pub async fn verify(state: &AppState, code: &str) -> Result<Option<Certificate>, AppError> {
    let Some(code) = engine::codes::normalize_verification_code(code) else { return Ok(None) };
    let Some(result) = store::result_by_code(&state.db, &code).await? else { return Ok(None) };
    if !result.is_validated() {
        return Ok(None);
    }
    certificate_of(state, result).await
}
