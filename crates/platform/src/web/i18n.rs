//! Languages and translations (Project Fluent files under `locales/`).

use std::sync::LazyLock;

use axum::{extract::FromRequestParts, http::request::Parts};
use fluent_bundle::{FluentArgs, FluentResource, concurrent::FluentBundle};

/// A language the interface is available in. French is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// French (default).
    #[default]
    Fr,
    /// English.
    En,
}

impl Lang {
    /// Every supported language, default first.
    pub const ALL: [Lang; 2] = [Lang::Fr, Lang::En];

    /// ISO 639-1 code, as used in `lang` attributes and cookies.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// Parses a language code or tag (`en`, `en-GB`, `FR`); unknown tags give `None`.
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Picks the best supported language from an `Accept-Language` header, honouring q-values.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::parse) else {
                continue;
            };
            let q = parts.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, lang)| lang)
    }

    /// Translates a message id; a missing id shows the id itself so the gap is visible, never a panic.
    pub fn t(self, id: &str) -> String {
        self.format(id, None)
    }

    /// A number as people of this language write it, with at most `digits` decimals and no
    /// trailing zero: `2,5` and `3` in French, `2.5` and `3` in English.
    pub fn decimal(self, value: f64, digits: usize) -> String {
        let fixed = format!("{value:.digits$}");
        let text = if fixed.contains('.') { fixed.trim_end_matches('0').trim_end_matches('.') } else { &fixed };
        let text = if text == "-0" { "0" } else { text };
        match self {
            Lang::Fr => text.replace('.', ","),
            Lang::En => text.to_owned(),
        }
    }

    /// Translates a message with arguments.
    pub fn t_args(self, id: &str, args: &[(&str, &str)]) -> String {
        let mut fluent_args = FluentArgs::new();
        for (k, v) in args {
            // Whole numbers go as numbers, so that messages choose their plural form
            // (`{ $count -> [one] … *[other] … }`); anything else (codes, "05") stays text.
            match v.parse::<i64>() {
                Ok(n) if n.to_string() == *v => fluent_args.set(*k, n),
                _ => fluent_args.set(*k, v.to_string()),
            }
        }
        self.format(id, Some(&fluent_args))
    }

    fn format(self, id: &str, args: Option<&FluentArgs>) -> String {
        let bundle = match self {
            Lang::Fr => &BUNDLES.fr,
            Lang::En => &BUNDLES.en,
        };
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            tracing::warn!(message_id = id, lang = self.code(), "missing translation");
            return id.to_owned();
        };
        let mut errors = Vec::new();
        bundle.format_pattern(pattern, args, &mut errors).into_owned()
    }
}

struct Bundles {
    fr: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

fn bundle(lang: &str, source: &'static str) -> FluentBundle<FluentResource> {
    let id = lang.parse().expect("static language id");
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Isolation marks (U+2068/U+2069) would leak into HTML text.
    bundle.set_use_isolating(false);
    let resource = FluentResource::try_new(source.to_owned()).expect("locale files are checked by tests");
    bundle.add_resource(resource).expect("no duplicate message ids");
    bundle
}

static BUNDLES: LazyLock<Bundles> = LazyLock::new(|| Bundles {
    fr: bundle("fr", include_str!("../../locales/fr.ftl")),
    en: bundle("en", include_str!("../../locales/en.ftl")),
});

/// Name of the cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "lang";

/// The language of a request: the `lang` cookie, else `Accept-Language`, else French.
pub fn negotiate(headers: &axum::http::HeaderMap) -> Lang {
    let from_cookie = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == LANG_COOKIE)
        .and_then(|(_, value)| Lang::parse(value));
    from_cookie
        .or_else(|| {
            headers
                .get(axum::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default()
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Lang>().copied().unwrap_or_else(|| negotiate(&parts.headers)))
    }
}

/// The content locale for an interface language.
pub fn locale(lang: Lang) -> content::Locale {
    match lang {
        Lang::Fr => content::Locale::Fr,
        Lang::En => content::Locale::En,
    }
}

/// The interface language matching a content locale.
pub fn lang_of(locale: content::Locale) -> Lang {
    match locale {
        content::Locale::Fr => Lang::Fr,
        content::Locale::En => Lang::En,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_honours_quality() {
        assert_eq!(Lang::from_accept_language("de-DE, en;q=0.8, fr;q=0.5"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("en;q=0.3, fr-CA;q=0.9"), Some(Lang::Fr));
        assert_eq!(Lang::from_accept_language("de, es"), None);
        assert_eq!(Lang::from_accept_language("en;q=0"), None);
    }

    #[test]
    fn every_message_exists_in_both_languages() {
        let ids = |src: &str| -> std::collections::BTreeSet<String> {
            src.lines()
                .filter(|l| !l.starts_with([' ', '#', '\t']) && l.contains(" ="))
                .map(|l| l.split(" =").next().unwrap_or_default().trim().to_owned())
                .collect()
        };
        let fr = ids(include_str!("../../locales/fr.ftl"));
        let en = ids(include_str!("../../locales/en.ftl"));
        assert!(!fr.is_empty());
        assert_eq!(fr, en, "fr.ftl and en.ftl must define the same messages");
        for id in &fr {
            assert_ne!(Lang::Fr.t(id), *id, "{id} does not format in French");
            assert_ne!(Lang::En.t(id), *id, "{id} does not format in English");
        }
    }

    #[test]
    fn counts_choose_their_plural_form() {
        let shared = |lang: Lang, n: &str| lang.t_args("campaign-count-shared", &[("count", n)]);
        assert_eq!(shared(Lang::Fr, "0"), "résultat reçu", "French counts 0 as one");
        assert_eq!(shared(Lang::Fr, "1"), "résultat reçu");
        assert_eq!(shared(Lang::Fr, "2"), "résultats reçus");
        assert_eq!(shared(Lang::En, "1"), "result received");
        assert_eq!(shared(Lang::En, "0"), "results received");
        let more = |n: &str| Lang::Fr.t_args("learners-preview-more", &[("count", n)]);
        assert_eq!(more("12"), "… et 12 autres.");
        // Text that only looks like a number stays as it was typed.
        assert_eq!(more("05"), "… et 05 autres.");
    }
}
