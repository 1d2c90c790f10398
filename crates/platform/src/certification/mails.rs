//! The mails certification sends when a session's results are published, as text templates in
//! `templates/mail/`: their words are read there, and their snapshots show every change.

use askama::Template;

/// To the candidate: their results are published.
#[derive(Template)]
#[template(path = "mail/certification_results.txt", escape = "none")]
pub struct Results<'a> {
    /// The candidate's first name.
    pub first_name: &'a str,
    /// The session's date, `jj/mm/aaaa`.
    pub date: &'a str,
    /// The platform's public URL.
    pub url: &'a str,
    /// The course, whose certificate page is linked.
    pub course: uuid::Uuid,
    /// The verification code.
    pub code: &'a str,
}

/// To the results recipient the candidate named (a school, an employer).
#[derive(Template)]
#[template(path = "mail/certification_results_recipient.txt", escape = "none")]
pub struct ResultsToRecipient<'a> {
    /// The candidate's first name.
    pub first_name: &'a str,
    /// The candidate's last name.
    pub last_name: &'a str,
    /// The session's date, `jj/mm/aaaa`.
    pub date: &'a str,
    /// The platform's public URL.
    pub url: &'a str,
    /// The verification code.
    pub code: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::render;

    #[test]
    fn certification_mails_read_as_written() {
        let course = uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001);
        let results =
            Results { first_name: "Léa", date: "07/12/2026", url: "https://pix.example", course, code: "P-AB12CD34" };
        insta::assert_snapshot!("certification_results", render(&results).unwrap());
        let to_recipient = ResultsToRecipient {
            first_name: "Léa",
            last_name: "Apprenante",
            date: "07/12/2026",
            url: "https://pix.example",
            code: "P-AB12CD34",
        };
        insta::assert_snapshot!("certification_results_recipient", render(&to_recipient).unwrap());
    }

    #[test]
    fn a_mail_ends_with_one_newline() {
        let results = Results { first_name: "f", date: "d", url: "u", course: uuid::Uuid::nil(), code: "c" };
        let to_recipient = ResultsToRecipient { first_name: "f", last_name: "l", date: "d", url: "u", code: "c" };
        for text in [render(&results).unwrap(), render(&to_recipient).unwrap()] {
            assert!(text.ends_with('\n') && !text.ends_with("\n\n"), "{text:?}");
        }
    }
}
