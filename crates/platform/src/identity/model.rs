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

/// Where people are members: an organisation or a certification centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Space {
    /// An organisation (Pix Orga).
    Organization(Uuid),
    /// A certification centre (Pix Certif).
    Center(Uuid),
}

impl Space {
    /// The organisation, if it is one.
    pub fn organization(self) -> Option<Uuid> {
        match self {
            Space::Organization(id) => Some(id),
            Space::Center(_) => None,
        }
    }

    /// The centre, if it is one.
    pub fn center(self) -> Option<Uuid> {
        match self {
            Space::Center(id) => Some(id),
            Space::Organization(_) => None,
        }
    }

    /// Its id.
    pub fn id(self) -> Uuid {
        match self {
            Space::Organization(id) | Space::Center(id) => id,
        }
    }
}

/// Role in an organisation or a certification centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MemberRole {
    /// A member.
    Member,
    /// An administrator of the organisation or centre.
    Admin,
}

impl MemberRole {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::Admin => "ADMIN",
            MemberRole::Member => "MEMBER",
        }
    }

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
    /// Bumped when what sessions cache about the person changes.
    pub session_version: i64,
}

/// Longest name accepted.
pub const MAX_NAME: usize = 100;
/// Longest password accepted (hashing cost must stay bounded).
pub const MAX_PASSWORD: usize = 200;

/// An email address, trimmed and lower case, of a plausible shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Normalises (trim, lower case) and checks the shape.
    pub fn parse(raw: &str) -> Option<Email> {
        let email = raw.trim().to_lowercase();
        let (local, domain) = email.split_once('@')?;
        let ok = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && email.len() <= 254
            && !email.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
            && !domain.contains('@');
        ok.then_some(Email(email))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password that follows the reference's rule: at least 8 characters, an upper-case and a
/// lower-case letter and a digit (and at most 200 characters).
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

impl Password {
    /// Checks the rule.
    pub fn parse(raw: &str) -> Option<Password> {
        let n = raw.chars().count();
        let ok = (8..=MAX_PASSWORD).contains(&n)
            && raw.chars().any(char::is_uppercase)
            && raw.chars().any(char::is_lowercase)
            && raw.chars().any(|c| c.is_ascii_digit());
        ok.then(|| Password(raw.to_owned()))
    }

    /// The clear password, to hash.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A first or last name: trimmed, 1 to 100 characters, no control character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

/// What the API's JSON Schema says of a person's name (`first_name`, `last_name`): 1 to
/// [`MAX_NAME`] characters, one of them at least not blank, none a control character. The API
/// checks exactly this before anything else, so that the document and the server agree on every
/// string (schemathesis checks both ways); the same literal is in the bodies' `#[schema]`.
pub const NAME_PATTERN: &str = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$";

/// Whether a name given to the API fits [`NAME_PATTERN`] and the length the schema states.
pub fn api_name_fits(raw: &str) -> bool {
    static PATTERN: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(NAME_PATTERN).expect("a valid pattern"));
    // A schema's `$` matches before one final line feed (as Python's does, which schemathesis and
    // many validators use): the same here, so that both sides agree; the domain trims it anyway.
    let matched = raw.strip_suffix('\n').unwrap_or(raw);
    (1..=MAX_NAME).contains(&raw.chars().count()) && PATTERN.is_match(matched)
}

/// The field errors of names given to the API that do not fit what its schema states.
pub fn api_name_errors(names: &[(&str, &str)]) -> Vec<crate::web::error::FieldError> {
    names
        .iter()
        .filter(|(_, value)| !api_name_fits(value))
        .map(|(field, _)| crate::web::error::FieldError {
            field: (*field).to_owned(),
            code: format!("field-{}-invalid", field.replace('_', "-")),
        })
        .collect()
}

impl PersonName {
    /// Trims and checks.
    pub fn parse(raw: &str) -> Option<PersonName> {
        let t = raw.trim();
        (!t.is_empty() && t.chars().count() <= MAX_NAME && !t.chars().any(char::is_control))
            .then(|| PersonName(t.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A username: 3–40 letters, digits, dots, dashes or underscores, lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// Normalises and checks.
    pub fn parse(raw: &str) -> Option<Username> {
        let u = raw.trim().to_lowercase();
        ((3..=40).contains(&u.chars().count())
            && u.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_')))
        .then_some(Username(u))
    }

    /// The username.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Collects field errors while a submitted form or body becomes a domain value.
#[derive(Debug, Default)]
pub struct Check {
    errors: Vec<FieldError>,
}

impl Check {
    /// Keeps a parsed value, or records `code` against `field`.
    pub fn field<T>(&mut self, field: &str, code: &str, parsed: Option<T>) -> Option<T> {
        if parsed.is_none() {
            self.errors.push(FieldError { field: field.into(), code: code.into() });
        }
        parsed
    }

    /// Records `code` against `field` unless `ok`.
    pub fn require(&mut self, field: &str, code: &str, ok: bool) {
        self.field(field, code, ok.then_some(()));
    }

    /// The value if every field was right, else every error in field order.
    pub fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, Vec<FieldError>> {
        if self.errors.is_empty() { build().ok_or(self.errors) } else { Err(self.errors) }
    }
}

/// A validated sign-up.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// First name.
    pub first_name: PersonName,
    /// Last name.
    pub last_name: PersonName,
    /// Email.
    pub email: Email,
    /// Password (clear, to be hashed).
    pub password: Password,
}

/// The fields of a sign-up as submitted, from the page or the API.
pub struct SignupFields<'a> {
    /// First name.
    pub first_name: &'a str,
    /// Last name.
    pub last_name: &'a str,
    /// Email.
    pub email: &'a str,
    /// Password.
    pub password: &'a str,
    /// The terms of use and the privacy policy were accepted.
    pub terms: bool,
}

impl TryFrom<SignupFields<'_>> for NewAccount {
    type Error = Vec<FieldError>;

    fn try_from(f: SignupFields<'_>) -> Result<NewAccount, Vec<FieldError>> {
        let mut check = Check::default();
        let first_name = check.field("first_name", "field-first-name-invalid", PersonName::parse(f.first_name));
        let last_name = check.field("last_name", "field-last-name-invalid", PersonName::parse(f.last_name));
        let email = check.field("email", "field-email-invalid", Email::parse(f.email));
        let password = check.field("password", "field-password-rule", Password::parse(f.password));
        check.require("terms", "field-terms-required", f.terms);
        check.finish(|| {
            Some(NewAccount { first_name: first_name?, last_name: last_name?, email: email?, password: password? })
        })
    }
}

/// A validated profile change.
#[derive(Debug, Clone)]
pub struct ProfileChange {
    /// First name.
    pub first_name: PersonName,
    /// Last name.
    pub last_name: PersonName,
    /// Username (none: removed).
    pub username: Option<Username>,
    /// Interface language.
    pub lang: crate::web::i18n::Lang,
}

/// The fields of a profile change as submitted.
pub struct ProfileFields<'a> {
    /// First name.
    pub first_name: &'a str,
    /// Last name.
    pub last_name: &'a str,
    /// Username, empty to remove it.
    pub username: &'a str,
    /// `fr` or `en`.
    pub lang: &'a str,
}

impl TryFrom<ProfileFields<'_>> for ProfileChange {
    type Error = Vec<FieldError>;

    fn try_from(f: ProfileFields<'_>) -> Result<ProfileChange, Vec<FieldError>> {
        use crate::web::i18n::Lang;
        let mut check = Check::default();
        let first_name = check.field("first_name", "field-first-name-invalid", PersonName::parse(f.first_name));
        let last_name = check.field("last_name", "field-last-name-invalid", PersonName::parse(f.last_name));
        let username = if f.username.trim().is_empty() {
            Some(None)
        } else {
            check.field("username", "field-username-invalid", Username::parse(f.username)).map(Some)
        };
        let lang = check.field("lang", "field-lang-invalid", Lang::parse(f.lang).filter(|l| l.code() == f.lang));
        check.finish(|| {
            Some(ProfileChange { first_name: first_name?, last_name: last_name?, username: username?, lang: lang? })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_names_fit_exactly_what_the_schema_states() {
        for ok in ["Léa", " Léa ", "Jean-Éric", "O'Brien", "李", &"a".repeat(MAX_NAME)] {
            assert!(api_name_fits(ok), "{ok:?}");
            assert!(PersonName::parse(ok).is_some(), "what the schema allows the domain takes: {ok:?}");
        }
        for bad in ["", "   ", "\t", "Lé\u{0}a", "a\u{85}b", "Lé\na", &"a".repeat(MAX_NAME + 1)] {
            assert!(!api_name_fits(bad), "{bad:?}");
        }
        let doc = crate::openapi::document_value();
        for body in ["SignupBody", "ProfileBody"] {
            for field in ["first_name", "last_name"] {
                let schema = &doc["components"]["schemas"][body]["properties"][field];
                assert_eq!(schema["pattern"], NAME_PATTERN, "{body}.{field}");
                assert_eq!(
                    (schema["minLength"].as_u64(), schema["maxLength"].as_u64()),
                    (Some(1), Some(MAX_NAME as u64))
                );
            }
        }
    }

    #[test]
    fn password_rule_of_the_reference() {
        let ok = |p: &str| Password::parse(p).is_some();
        assert!(ok("Abcdefg1"));
        assert!(ok("Élève2026x"));
        assert!(!ok("Abcdef1"), "7 characters");
        assert!(!ok("abcdefg1"), "no upper case");
        assert!(!ok("ABCDEFG1"), "no lower case");
        assert!(!ok("Abcdefgh"), "no digit");
        assert!(!ok(&format!("Aa1{}", "x".repeat(300))), "too long");
    }

    #[test]
    fn emails_names_and_usernames() {
        assert_eq!(Email::parse("  Ana.Martin@Example.ORG ").unwrap().as_str(), "ana.martin@example.org");
        for bad in ["", "ana", "ana@", "@example.org", "ana@example", "a b@example.org", "ana@@example.org"] {
            assert_eq!(Email::parse(bad), None, "{bad}");
        }
        assert_eq!(Username::parse(" Ana.M ").unwrap().as_str(), "ana.m");
        assert_eq!(Username::parse("ab"), None);
        assert_eq!(Username::parse("a b c"), None);
        assert_eq!(PersonName::parse("  Zoé ").unwrap().as_str(), "Zoé");
        assert_eq!(PersonName::parse("   "), None);
        assert_eq!(PersonName::parse("a\u{7}b"), None);
    }

    #[test]
    fn a_signup_reports_every_field_in_order() {
        let errors = NewAccount::try_from(SignupFields {
            first_name: " ",
            last_name: "Martin",
            email: "nope",
            password: "short",
            terms: false,
        })
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["first_name", "email", "password", "terms"]);
        let ok = NewAccount::try_from(SignupFields {
            first_name: " Ana ",
            last_name: "Martin",
            email: "Ana@Example.org",
            password: "Secret-Pass-2026",
            terms: true,
        })
        .unwrap();
        assert_eq!((ok.first_name.as_str(), ok.email.as_str()), ("Ana", "ana@example.org"));
    }

    #[test]
    fn a_profile_change_checks_its_language() {
        let change = |lang: &str, username: &str| {
            ProfileChange::try_from(ProfileFields { first_name: "Ana", last_name: "M", username, lang })
        };
        assert!(change("fr", "").unwrap().username.is_none());
        assert_eq!(change("en", "Ana.M").unwrap().username.unwrap().as_str(), "ana.m");
        assert_eq!(change("de", "").unwrap_err()[0].field, "lang");
        assert_eq!(change("FR", "").unwrap_err()[0].field, "lang", "exactly fr or en");
        assert_eq!(change("fr", "a b").unwrap_err()[0].field, "username");
    }
}
