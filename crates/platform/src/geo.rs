//! French communes by their INSEE code (the Code officiel géographique), so that a birthplace
//! enrolled as `75056` prints as "Paris". The list comes from INSEE's COG as packaged by Etalab
//! (`@etalab/decoupage-administratif`, MIT) and is regenerated with `scripts/communes`; current
//! communes, municipal arrondissements, delegated and associated communes, and the former codes of
//! merged communes (people are born where the commune was then).

use std::sync::LazyLock;

static COMPRESSED: &[u8] = include_bytes!("../assets/geo/communes.tsv.gz");

/// `(code, name)`, sorted by code; read on first use (about 39,000 entries, 1.5 MB).
static COMMUNES: LazyLock<Vec<(Box<str>, Box<str>)>> = LazyLock::new(|| {
    let mut text = String::new();
    if let Err(e) = std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(COMPRESSED), &mut text) {
        tracing::error!(error = %e, "the list of communes is unreadable");
        return Vec::new();
    }
    let mut list: Vec<(Box<str>, Box<str>)> =
        text.lines().filter_map(|line| line.split_once('\t')).map(|(code, name)| (code.into(), name.into())).collect();
    list.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    list
});

/// The name of the commune with this INSEE code (`2A004`, `75056`, `97411`), if there is one.
pub fn commune_name(code: &str) -> Option<&'static str> {
    let code = code.trim();
    let list: &'static [(Box<str>, Box<str>)] = &COMMUNES;
    list.binary_search_by(|(c, _)| c.as_ref().cmp(code)).ok().map(|i| list[i].1.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn communes_are_named_by_their_insee_code() {
        assert_eq!(commune_name("75056"), Some("Paris"));
        assert_eq!(commune_name("75101"), Some("Paris 1er Arrondissement"));
        assert_eq!(commune_name("69123"), Some("Lyon"));
        assert_eq!(commune_name("2A004"), Some("Ajaccio"));
        assert_eq!(commune_name("97411"), Some("Saint-Denis"));
        assert_eq!(commune_name("20004"), Some("Ajaccio"), "a former code names today's commune");
        assert_eq!(commune_name("99999"), None);
        assert_eq!(commune_name(""), None);
        assert!(COMMUNES.len() > 35_000);
    }
}
