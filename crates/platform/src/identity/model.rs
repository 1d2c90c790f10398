//! Accounts and roles, and the rules their inputs must follow (parsed at the edge).

use uuid::Uuid;

use crate::web::error::FieldError;

/// Back-office roles (DESIGN.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AdminRole {
    /// Support agents: read and unblock accounts.
    Support,
    /// Business agents: content and target profiles.
    Metier,
    /// Certification agents: sessions and juries.
    Certif,
    /// Everything, including granting roles.
    SuperAdmin,
}

impl AdminRole {
    /// Every role.
    pub const ALL: [AdminRole; 4] = [AdminRole::Support, AdminRole::Metier, AdminRole::Certif, AdminRole::SuperAdmin];

    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AdminRole::Support => "SUPPORT",
            AdminRole::Metier => "METIER",
            AdminRole::Certif => "CERTIF",
            AdminRole::SuperAdmin => "SUPER_ADMIN",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<AdminRole> {
        AdminRole::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Role in an organisation or a certification centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MemberRole {
    /// A member.
    Member,
    /// An administrator of the organisation or centre.
    Admin,
}

impl MemberRole {
    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<MemberRole> {
        match s {
            "MEMBER" => Some(MemberRole::Member),
            "ADMIN" => Some(MemberRole::Admin),
            _ => None,
        }
    }
}

/// An account row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    /// Id.
    pub id: Uuid,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email (lower case), if any.
    pub email: Option<String>,
    /// Username, if any.
    pub username: Option<String>,
    /// Argon2id PHC string, if the account has a password.
    pub password_hash: Option<String>,
    /// Interface language.
    pub lang: String,
    /// When the terms of use and privacy policy were accepted.
    pub terms_accepted_at: Option<i64>,
    /// Creation time.
    pub created_at: i64,
    /// Last update.
    pub updated_at: i64,
    /// Erased (anonymised) account.
    pub anonymised: bool,
}

/// Longest name accepted.
pub const MAX_NAME: usize = 100;
/// Longest password accepted (hashing cost must stay bounded).
pub const MAX_PASSWORD: usize = 200;

/// Normalises an email (trim, lower case) and checks its shape.
pub fn parse_email(raw: &str) -> Option<String> {
    let email = raw.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
        && !domain.contains('@');
    ok.then_some(email)
}

/// The reference's password rule: at least 8 characters, an upper-case and a lower-case letter
/// and a digit (and at most 200 characters).
pub fn password_ok(p: &str) -> bool {
    let n = p.chars().count();
    (8..=MAX_PASSWORD).contains(&n)
        && p.chars().any(char::is_uppercase)
        && p.chars().any(char::is_lowercase)
        && p.chars().any(|c| c.is_ascii_digit())
}

/// Checks a person's name.
pub fn name_ok(s: &str) -> bool {
    let t = s.trim();
    !t.is_empty() && t.chars().count() <= MAX_NAME && !t.chars().any(char::is_control)
}

/// A username: 3–40 letters, digits, dots, dashes or underscores.
pub fn parse_username(raw: &str) -> Option<String> {
    let u = raw.trim().to_lowercase();
    ((3..=40).contains(&u.chars().count()) && u.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_')))
        .then_some(u)
}

/// A validated sign-up.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email (normalised).
    pub email: String,
    /// Password (clear, to be hashed).
    pub password: String,
}

/// Validates a sign-up; errors carry Fluent message ids per field.
pub fn validate_signup(
    first: &str,
    last: &str,
    email: &str,
    password: &str,
    terms: bool,
) -> Result<NewAccount, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut err = |field: &str, code: &str| errors.push(FieldError { field: field.into(), code: code.into() });
    if !name_ok(first) {
        err("first_name", "field-first-name-invalid");
    }
    if !name_ok(last) {
        err("last_name", "field-last-name-invalid");
    }
    let parsed = parse_email(email);
    if parsed.is_none() {
        err("email", "field-email-invalid");
    }
    if !password_ok(password) {
        err("password", "field-password-rule");
    }
    if !terms {
        err("terms", "field-terms-required");
    }
    match parsed {
        Some(email) if errors.is_empty() => Ok(NewAccount {
            first_name: first.trim().to_owned(),
            last_name: last.trim().to_owned(),
            email,
            password: password.to_owned(),
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_rule_of_the_reference() {
        assert!(password_ok("Abcdefg1"));
        assert!(password_ok("Élève2026x"));
        assert!(!password_ok("Abcdef1"), "7 characters");
        assert!(!password_ok("abcdefg1"), "no upper case");
        assert!(!password_ok("ABCDEFG1"), "no lower case");
        assert!(!password_ok("Abcdefgh"), "no digit");
        assert!(!password_ok(&format!("Aa1{}", "x".repeat(300))), "too long");
    }

    #[test]
    fn emails_and_usernames() {
        assert_eq!(parse_email("  Ana.Martin@Example.ORG "), Some("ana.martin@example.org".into()));
        for bad in ["", "ana", "ana@", "@example.org", "ana@example", "a b@example.org", "ana@@example.org"] {
            assert_eq!(parse_email(bad), None, "{bad}");
        }
        assert_eq!(parse_username(" Ana.M "), Some("ana.m".into()));
        assert_eq!(parse_username("ab"), None);
        assert_eq!(parse_username("a b c"), None);
    }
}
