//! A partly completed profile for the demo learner, so the dashboard shows real levels.

use uuid::Uuid;

use crate::{AppState, on_db};

/// (competence, level reached) of the demo learner.
pub const DEMO_LEVELS: [(&str, u8); 4] = [("1.1", 2), ("2.1", 3), ("3.4", 1), ("4.2", 4)];

/// Seeds completed tests for the demo learner, ten days ago (so retry and reset are available).
pub async fn seed(state: &AppState, user: Uuid) -> anyhow::Result<()> {
    let content = &state.content;
    let ten_days = 10 * engine::knowledge::DAY_MICROS;
    let at = state.clock.now_micros() - ten_days;
    for (code, level) in DEMO_LEVELS {
        let Some(ci) = content.competence_by_code(code) else { continue };
        let assessment = Uuid::now_v7();
        on_db!(&state.db, pool => {
            sqlx::query(
                "INSERT INTO assessments (id, user_id, competence_code, state, content_version, seed, is_improving, current_challenge_id, current_asked_at, \
                 current_focused_out, pix_before, level_before, created_at, updated_at, completed_at) VALUES ($1, $2, $3, 'completed', $4, 1, $5, NULL, NULL, $5, 0, 0, $6, $6, $6)",
            )
            .bind(assessment).bind(user).bind(code).bind(&content.version).bind(false).bind(at)
            .execute(pool).await?;
            sqlx::query("INSERT INTO competence_evaluations (user_id, competence_code, assessment_id, status, updated_at) VALUES ($1, $2, $3, 'completed', $4)")
                .bind(user).bind(code).bind(assessment).bind(at).execute(pool).await.map(|_| ())
        })?;
        for (n, s) in content.competence(ci).active_skills.iter().enumerate() {
            let skill = content.skill(*s);
            let (status, pix) =
                if skill.level <= level { ("validated", skill.pix_value) } else { ("invalidated", 0.0) };
            if skill.level > level + 1 {
                continue;
            }
            on_db!(&state.db, pool => {
                sqlx::query(
                    "INSERT INTO knowledge_elements (id, user_id, assessment_id, answer_id, skill, competence_code, source, status, earned_pix, created_at) \
                     VALUES ($1, $2, $3, NULL, $4, $5, 'direct', $6, $7, $8)",
                )
                .bind(Uuid::now_v7()).bind(user).bind(assessment).bind(&skill.name).bind(code).bind(status).bind(pix).bind(at + n as i64)
                .execute(pool).await.map(|_| ())
            })?;
        }
    }
    Ok(())
}
