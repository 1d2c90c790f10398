//! Where the platform may send a browser back to: local paths only.
//!
//! Every redirect target that comes from a request (`next` after login, `back` after saving a
//! tutorial, the language switch) goes through [`local_path`]. Browsers forgive a lot in URLs: they
//! drop tabs and newlines (`/\t/evil.example` becomes `//evil.example`), read `\` as `/`, and treat
//! `//host` as another site. So the rule is strict rather than clever: a path that starts with one
//! `/`, made only of visible ASCII, without `\`, and whose second character is not `/`.

/// The longest target accepted (anything longer is not a link we made).
pub const MAX_LEN: usize = 2048;

/// The target if it is a safe local path, else `None`.
pub fn local_path(target: &str) -> Option<&str> {
    let bytes = target.as_bytes();
    let ok = bytes.first() == Some(&b'/')
        && bytes.get(1) != Some(&b'/')
        && target.len() <= MAX_LEN
        && bytes.iter().all(|b| (0x21..=0x7e).contains(b) && *b != b'\\');
    ok.then_some(target)
}

/// The target if safe, else `fallback`.
pub fn local_or(target: Option<&str>, fallback: &str) -> String {
    target.and_then(local_path).unwrap_or(fallback).to_owned()
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_plain_local_paths_pass() {
        for ok in ["/", "/profile", "/password/reset?token=ab12", "/assessments/x/results#top", "/a%2F%2Fb", "/a//b"] {
            assert_eq!(local_path(ok), Some(ok), "{ok:?} is local");
        }
        for bad in [
            "",
            "profile",
            "//evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/ /evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\u{0}x",
            "/\u{7f}x",
            "https://evil.example",
            "javascript:alert(1)",
            " /profile",
            "/profil\u{e9}",
            "/\u{a0}/evil.example",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?} is refused");
        }
        assert_eq!(local_path(&format!("/{}", "a".repeat(super::MAX_LEN))), None, "too long");
    }
}
