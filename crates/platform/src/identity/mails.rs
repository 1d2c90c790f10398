//! The mails identity sends (accounts, passwords, addresses, invitations), as text templates in
//! `templates/mail/`: their words are read there, and their snapshots show every change.

use askama::Template;

/// Someone signed up with an address that already has an account.
#[derive(Template)]
#[template(path = "mail/account_exists.txt", escape = "none")]
pub struct AccountExists<'a> {
    /// The platform's public URL.
    pub url: &'a str,
}

/// A password-reset link.
#[derive(Template)]
#[template(path = "mail/password_reset.txt", escape = "none")]
pub struct PasswordReset<'a> {
    /// The person's first name.
    pub name: &'a str,
    /// The one-hour link.
    pub link: &'a str,
}

/// The link that confirms a new address, sent to that address.
#[derive(Template)]
#[template(path = "mail/email_change_confirm.txt", escape = "none")]
pub struct EmailChangeConfirm<'a> {
    /// The person's first name.
    pub name: &'a str,
    /// The 24-hour link.
    pub link: &'a str,
}

/// The notice of a requested address change, sent to the old address.
#[derive(Template)]
#[template(path = "mail/email_change_notice.txt", escape = "none")]
pub struct EmailChangeNotice<'a> {
    /// The person's first name.
    pub name: &'a str,
    /// The new address, masked.
    pub masked: &'a str,
    /// The platform's public URL.
    pub url: &'a str,
}

/// An invitation to join an organisation or a certification centre.
#[derive(Template)]
#[template(path = "mail/invitation.txt", escape = "none")]
pub struct Invitation<'a> {
    /// Who invites: first and last name.
    pub who: &'a str,
    /// The kind of space, in French ("l'organisation").
    pub space_fr: &'a str,
    /// The kind of space, in English ("the organisation").
    pub space_en: &'a str,
    /// The space's name.
    pub name: &'a str,
    /// The 7-day link.
    pub link: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::render;

    #[test]
    fn identity_mails_read_as_written() {
        let url = "https://pix.example";
        let link = "https://pix.example/x?token=abc";
        insta::assert_snapshot!("account_exists", render(&AccountExists { url }).unwrap());
        insta::assert_snapshot!("password_reset", render(&PasswordReset { name: "Léa", link }).unwrap());
        insta::assert_snapshot!("email_change_confirm", render(&EmailChangeConfirm { name: "Léa", link }).unwrap());
        let notice = EmailChangeNotice { name: "Léa", masked: "l***@example.org", url };
        insta::assert_snapshot!("email_change_notice", render(&notice).unwrap());
        let invitation = Invitation {
            who: "Omar Organisation",
            space_fr: "l'organisation",
            space_en: "the organisation",
            name: "Collège <Jules> & \"Verne\"",
            link,
        };
        // Plain text: nothing is escaped, a name reads as typed.
        let text = render(&invitation).unwrap();
        assert!(text.contains("« Collège <Jules> & \"Verne\" »"), "{text}");
        insta::assert_snapshot!("invitation", text);
    }

    #[test]
    fn a_mail_ends_with_one_newline() {
        let (url, link, name) = ("u", "l", "n");
        let invitation = Invitation { who: "w", space_fr: "f", space_en: "e", name, link };
        let texts = [
            render(&AccountExists { url }).unwrap(),
            render(&PasswordReset { name, link }).unwrap(),
            render(&EmailChangeConfirm { name, link }).unwrap(),
            render(&EmailChangeNotice { name, masked: "m", url }).unwrap(),
            render(&invitation).unwrap(),
        ];
        for text in texts {
            assert!(text.ends_with('\n') && !text.ends_with("\n\n"), "{text:?}");
        }
    }
}
