//! The jury: a certification agent's decision on a result, and the trajectory of answers it reads.

use super::*;

/// What the jury decides on a certification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JuryDecision {
    /// The result stands (comments only).
    Keep,
    /// Rejected for fraud.
    Fraud,
    /// Cancelled (after publication: the certificate is revoked, its code no longer verifies).
    Cancel,
}

/// Applies the jury's decision and comments (500 characters at most each) to a scored course.
pub async fn jury(
    state: &AppState,
    course: Uuid,
    agent: Uuid,
    decision: JuryDecision,
    comments: (&str, &str),
) -> Result<Result<(), Vec<FieldError>>, AppError> {
    let result = store::result_of_course(&state.db, course).await?.ok_or(AppError::NotFound)?;
    let mut errors = Vec::new();
    for (field, text) in [("comment_candidate", comments.0), ("comment_organization", comments.1)] {
        if text.chars().count() > MAX_COMMENT {
            errors.push(FieldError { field: field.into(), code: "field-finalize-comment".into() });
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let (status, reason) = match decision {
        JuryDecision::Keep => (result.status.clone(), result.reason.clone()),
        JuryDecision::Fraud => ("rejected".to_owned(), "fraud".to_owned()),
        JuryDecision::Cancel => ("cancelled".to_owned(), "cancelled_by_jury".to_owned()),
    };
    store::jury_update(&state.db, course, &status, &reason, (comments.0.trim(), comments.1.trim())).await?;
    crate::audit::write(
        state,
        Some(agent),
        "certification.jury",
        None,
        "back office",
        serde_json::json!({ "course": course, "status": status, "reason": reason }),
    )
    .await?;
    Ok(Ok(()))
}

/// One answer of a certification as the jury reads it: question, result, capacity after it.
#[derive(Debug, Clone)]
pub struct JuryAnswer {
    /// Challenge id.
    pub challenge: String,
    /// Its competence code.
    pub competence: String,
    /// `ok`, `ko`…
    pub result: String,
    /// Capacity after this answer.
    pub capacity: f64,
}

/// The answers of a course with the capacity trajectory (the jury's view).
pub async fn trajectory(
    state: &AppState,
    course: &crate::certification::model::Course,
) -> Result<Vec<JuryAnswer>, AppError> {
    let Some((assessment, _)) = store::assessment_of_course(&state.db, course.id).await? else { return Ok(Vec::new()) };
    let locale = if course.lang == "en" { content::Locale::En } else { content::Locale::Fr };
    let prepared = crate::certification::test::certification_bank(state, locale);
    let (bank, by_challenge) = (&prepared.bank, &prepared.index);
    let config = engine::flash::FlashConfig::default();
    let mut estimator = engine::flash::Estimator::new(&config);
    let content = &state.content;
    let mut out = Vec::new();
    for row in crate::evaluation::service::answers(&state.db, assessment).await? {
        let Some(ci) = content.challenge_by_id(&row.challenge_id) else { continue };
        if let Some(i) = by_challenge.get(&ci) {
            let c = bank.items()[*i];
            estimator.update(c.a, c.b, row.result == "ok");
        }
        let competence = content.competence(content.skill(content.challenge(ci).skill).competence).code.clone();
        out.push(JuryAnswer {
            challenge: row.challenge_id,
            competence,
            result: row.result,
            capacity: estimator.capacity(),
        });
    }
    Ok(out)
}
