//! Codes learners type to join something: campaigns and combined courses share one namespace
//! (PRODUCT-NEXT §2.3), so a code names at most one of them and the "enter your code" form finds
//! either. Every code is reserved in `access_codes` before what it names is written.

use crate::{db::Conn, on_conn};

/// Reserves a code (parameters: code, kind, time); affects no row when the code is taken. Run on the
/// connection that then writes what the code names.
pub const RESERVE: &str =
    "INSERT INTO access_codes (code, kind, created_at) VALUES ($1, $2, $3) ON CONFLICT (code) DO NOTHING";

/// What a code names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A campaign.
    Campaign,
    /// A combined course.
    CombinedCourse,
}

impl Kind {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Campaign => "campaign",
            Kind::CombinedCourse => "combined-course",
        }
    }
}

/// A code as typed, upper-cased without spaces, when it has the shape of one (9 letters or digits).
pub fn normalize(typed: &str) -> Option<String> {
    let code: String = typed.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    engine::codes::is_campaign_code(&code).then_some(code)
}

/// What a (normalised) code names, if anything.
pub async fn kind_of(conn: impl Into<Conn<'_>>, code: &str) -> Result<Option<Kind>, sqlx::Error> {
    let kind: Option<String> = on_conn!(conn, c => {
        sqlx::query_scalar("SELECT kind FROM access_codes WHERE code = $1").bind(code).fetch_optional(c).await?
    });
    Ok(kind.map(|k| if k == "campaign" { Kind::Campaign } else { Kind::CombinedCourse }))
}
