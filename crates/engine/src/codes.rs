//! Codes people type or read: campaign codes, session access codes, invigilator passwords and
//! certificate verification codes (reference §6.5, §7, §10). Alphabets leave out look-alikes.

use rand::RngExt;

/// Letters of campaign codes (no I or O).
pub const CAMPAIGN_LETTERS: &str = "ABCDEFGHJKLMNPQRSTUVWXYZ";
/// Digits of campaign codes (no 0 or 1).
pub const CAMPAIGN_DIGITS: &str = "23456789";
/// Letters of session access codes.
pub const SESSION_LETTERS: &str = "BCDFGHJKMPQRTVWXY";
/// Digits of session access codes.
pub const SESSION_DIGITS: &str = "2346789";
/// Characters of invigilator passwords and certificate codes.
pub const READABLE: &str = "2346789BCDFGHJKMPQRTVWXY";

fn pick(alphabet: &str, n: usize, rng: &mut impl rand::Rng) -> String {
    let chars: Vec<char> = alphabet.chars().collect();
    (0..n).map(|_| chars[rng.random_range(0..chars.len())]).collect()
}

/// A campaign code: 6 letters then 3 digits, e.g. `QWERTY234`.
pub fn campaign_code(rng: &mut impl rand::Rng) -> String {
    pick(CAMPAIGN_LETTERS, 6, rng) + &pick(CAMPAIGN_DIGITS, 3, rng)
}

/// Whether a string has the shape of a campaign code (9 upper-case letters or digits).
pub fn is_campaign_code(code: &str) -> bool {
    code.len() == 9 && code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// A session access code: 4 letters and 2 digits, e.g. `BCDF23`.
pub fn session_access_code(rng: &mut impl rand::Rng) -> String {
    pick(SESSION_LETTERS, 4, rng) + &pick(SESSION_DIGITS, 2, rng)
}

/// Whether a string is a well-formed session access code.
pub fn is_session_access_code(code: &str) -> bool {
    let (letters, digits) = code.split_at(code.len().min(4));
    code.len() == 6
        && letters.chars().all(|c| SESSION_LETTERS.contains(c))
        && digits.chars().all(|c| SESSION_DIGITS.contains(c))
}

/// Length of invigilator passwords: 24⁸ ≈ 1.1 × 10¹¹ values (the reference's 5 characters, 8 M
/// values, fall to a guessing script within an hour; the platform also locks a session's
/// invigilator login after 10 wrong passwords).
pub const INVIGILATOR_PASSWORD_LENGTH: usize = 8;

/// An invigilator password: 8 readable characters.
pub fn invigilator_password(rng: &mut impl rand::Rng) -> String {
    pick(READABLE, INVIGILATOR_PASSWORD_LENGTH, rng)
}

/// Whether a string is a well-formed invigilator password.
pub fn is_invigilator_password(code: &str) -> bool {
    code.chars().count() == INVIGILATOR_PASSWORD_LENGTH && code.chars().all(|c| READABLE.contains(c))
}

/// A certificate verification code: `P-` and 8 distinct readable characters.
pub fn verification_code(rng: &mut impl rand::Rng) -> String {
    let mut pool: Vec<char> = READABLE.chars().collect();
    let mut out = String::from("P-");
    for _ in 0..8 {
        let i = rng.random_range(0..pool.len());
        out.push(pool.swap_remove(i));
    }
    out
}

/// Whether a string is a well-formed verification code (case-insensitive, spaces ignored).
pub fn normalize_verification_code(input: &str) -> Option<String> {
    let code: String = input.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    let rest = code.strip_prefix("P-")?;
    (rest.chars().count() == 8 && rest.chars().all(|c| READABLE.contains(c))).then_some(code)
}
