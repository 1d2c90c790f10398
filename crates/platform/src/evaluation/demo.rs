//! A partly completed profile for the demo learner, so the dashboard shows real levels (five
//! competences at level 1 or more: she may be certified): completed
//! tests ten days ago (so retry and reset are available), written with the store's statements.

use uuid::Uuid;

use super::store;
use crate::AppState;

pub use super::store::{AnswerRow, NewAssessment, NewKe};

/// Writes a past test as it happened (other contexts' demo data: a campaign's participations, a
/// published certification).
pub async fn record_test(conn: impl Into<crate::db::Conn<'_>>, row: NewAssessment<'_>) -> Result<(), sqlx::Error> {
    store::insert_assessment(conn, row).await
}

/// Writes a past answer of a test written by [`record_test`].
pub async fn record_answer(conn: impl Into<crate::db::Conn<'_>>, row: &AnswerRow) -> Result<bool, sqlx::Error> {
    store::insert_answer(conn, row).await
}

/// Writes what a past test proved.
pub async fn record_knowledge(conn: impl Into<crate::db::Conn<'_>>, row: NewKe<'_>) -> Result<(), sqlx::Error> {
    store::insert_ke(conn, row).await
}

/// (competence, level reached) of the demo learner.
pub const DEMO_LEVELS: [(&str, u8); 5] = [("1.1", 2), ("2.1", 3), ("3.4", 1), ("4.2", 4), ("5.1", 1)];

/// Seeds completed tests for the demo learner.
pub async fn seed(state: &AppState, user: Uuid) -> anyhow::Result<()> {
    let content = &state.content;
    let at = state.clock.now_micros() - 10 * engine::knowledge::DAY_MICROS;
    for (code, level) in DEMO_LEVELS {
        let Some(ci) = content.competence_by_code(code) else { continue };
        let assessment = Uuid::now_v7();
        let mut tx = state.db.begin().await?;
        let row = store::NewAssessment {
            id: assessment,
            user,
            competence: code,
            state: "completed",
            content_version: &content.version,
            locale: "fr",
            seed: 1,
            improving: false,
            pix_before: 0,
            level_before: 0,
            now: at,
            participation: None,
            course: None,
        };
        store::insert_assessment(&mut tx, row).await?;
        for (n, s) in content.competence(ci).active_skills.iter().enumerate() {
            let skill = content.skill(*s);
            if skill.level > level + 1 {
                continue;
            }
            let (status, pix) =
                if skill.level <= level { ("validated", skill.pix_value) } else { ("invalidated", 0.0) };
            let ke = store::NewKe {
                user,
                assessment,
                answer: None,
                skill: &skill.name,
                competence: code,
                source: "direct",
                status,
                earned_pix: pix,
                at: at + n as i64,
                exam: false,
            };
            store::insert_ke(&mut tx, ke).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}
