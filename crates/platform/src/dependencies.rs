//! The direction of dependencies between the modules of the platform, checked by a test that reads
//! every `crate::…` path of the sources (docs/architecture.md, "Dependencies point one way").
//!
//! Modules sit in layers: shared kits, identity, evaluation, the two spaces built on evaluation
//! (organisations' campaigns, certification), the back office, and the composition root that wires
//! them together. A module may use its own layer's kits and any lower layer; two contexts of one
//! layer never use each other; and no module outside a context names that context's `store` (its
//! SQL): it asks the context's service.

/// The layers, lowest first: `(name, top-level modules of the crate)`.
pub const LAYERS: &[(&str, &[&str])] = &[
    (
        "kits",
        &[
            "access_codes",
            "attempts",
            "audit",
            "backup",
            "clock",
            "config",
            "csv_export",
            "csv_import",
            "db",
            "dependencies",
            "geo",
            "mail",
            "outbox",
            "pdf",
            "personal_data",
            "schedule",
            "telemetry",
            "web",
        ],
    ),
    ("identity", &["identity"]),
    ("evaluation", &["evaluation"]),
    ("learning", &["learning"]),
    ("spaces", &["prescription", "certification", "spaces"]),
    ("paths", &["quests"]),
    ("back office", &["admin"]),
    ("composition", &["lib", "app", "demo", "home", "openapi", "routes", "test_kinds"]),
];

/// Contexts: modules whose `store` only they may name.
pub const CONTEXTS: &[&str] =
    &["identity", "evaluation", "learning", "prescription", "certification", "quests", "admin", "spaces"];

/// A use of another module that the direction forbids.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Violation {
    /// The file (relative to `src/`).
    pub file: String,
    /// The path used, from `crate::`.
    pub path: String,
    /// Why it is forbidden.
    pub why: &'static str,
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, modules)| modules.contains(&module))
}

/// The top-level module a source file belongs to (`evaluation/service.rs` → `evaluation`).
pub fn module_of(file: &str) -> &str {
    let first = file.split('/').next().unwrap_or(file);
    first.strip_suffix(".rs").unwrap_or(first)
}

/// The code of a file without its unit tests (they may reach anything to build a situation).
fn without_tests(source: &str) -> &str {
    match source.find("#[cfg(test)]") {
        Some(at) => &source[..at],
        None => source,
    }
}

/// Every path named after `crate::`, with groups expanded one level deep
/// (`crate::{a::b, c}` gives `a::b` and `c`; `crate::a::{b, c}` gives `a::b` and `a::c`).
pub fn crate_paths(source: &str) -> Vec<String> {
    // Comments name paths without using them.
    let code: String = source
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .map(|l| l.find(" //").map_or(l, |at| &l[..at]))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        // `some_crate::` is another crate's path, not ours.
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        expand("", rest, &mut out);
    }
    out
}

/// Reads one path (or group) at the start of `text`, prefixed by `prefix`.
fn expand(prefix: &str, text: &str, out: &mut Vec<String>) {
    let text = text.trim_start();
    if let Some(group) = text.strip_prefix('{') {
        for item in split_group(group) {
            expand(prefix, item, out);
        }
        return;
    }
    let ident: String = text.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    if ident.is_empty() {
        return;
    }
    let path = if prefix.is_empty() { ident.clone() } else { format!("{prefix}::{ident}") };
    let after = &text[ident.len()..];
    match after.strip_prefix("::") {
        // One more level says which part of a module is used (its `store`, say).
        Some(next) if prefix.is_empty() => expand(&path, next, out),
        _ => out.push(path),
    }
}

/// The top-level items of a `{…}` group (the text after its opening brace).
fn split_group(text: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(&text[start..i]);
                return items;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items
}

/// What the direction says of `file` using `crate::path`.
pub fn check(file: &str, path: &str) -> Option<Violation> {
    let from = module_of(file);
    let mut parts = path.split("::");
    let to = parts.next().unwrap_or_default();
    let second = parts.next();
    let violation = |why| Some(Violation { file: file.to_owned(), path: path.to_owned(), why });
    if to == from {
        return None;
    }
    if second == Some("store") && CONTEXTS.contains(&to) {
        return violation("another context's store: ask its service");
    }
    let Some(from_layer) = layer_of(from) else { return violation("a module outside the layers of dependencies.rs") };
    // Items of the crate root (`AppState`, `on_db!`…) are the kits' shared state.
    let to_layer = layer_of(to)?;
    if to_layer > from_layer {
        return violation("a lower layer uses a higher one");
    }
    // Kits use each other, and so do the parts of the composition root; contexts of one layer never.
    if to_layer == from_layer && from_layer != 0 && from_layer != LAYERS.len() - 1 {
        return violation("two contexts of one layer use each other");
    }
    None
}

/// Every violation in the sources under `src`: `(path relative to src, text)`.
pub fn violations<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<Violation> {
    let mut found: Vec<Violation> = files
        .into_iter()
        .flat_map(|(file, source)| {
            let code = without_tests(source);
            let paths = crate_paths(code);
            // `use crate::evaluation;` then `evaluation::store::…`.
            let through: Vec<String> = paths
                .iter()
                .filter(|p| CONTEXTS.contains(&p.as_str()) && code.contains(&format!("{p}::store::")))
                .map(|p| format!("{p}::store"))
                .collect();
            paths.into_iter().chain(through).filter_map(move |path| check(file, &path))
        })
        .collect();
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources() -> Vec<(String, String)> {
        fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<(String, String)>) {
            for entry in std::fs::read_dir(dir).expect("src is readable") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    walk(&path, root, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let relative = path.strip_prefix(root).expect("under src").to_string_lossy().replace('\\', "/");
                    out.push((relative, std::fs::read_to_string(&path).expect("readable")));
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut out = Vec::new();
        walk(&root, &root, &mut out);
        out
    }

    #[test]
    fn dependencies_point_one_way() {
        let files = sources();
        let found = violations(files.iter().map(|(f, s)| (f.as_str(), s.as_str())));
        let listed: Vec<String> = found.iter().map(|v| format!("{}: crate::{} ({})", v.file, v.path, v.why)).collect();
        assert!(listed.is_empty(), "{} forbidden dependencies:\n{}", listed.len(), listed.join("\n"));
    }

    #[test]
    fn every_top_level_module_has_a_layer() {
        for (file, _) in sources() {
            let module = module_of(&file);
            assert!(layer_of(module).is_some(), "{file}: module `{module}` is in no layer of dependencies.rs");
        }
    }

    #[test]
    fn a_planted_forbidden_import_is_found() {
        let planted = "use crate::{AppState, certification::store::course, web::error::AppError};\n\
                       fn f() { crate::prescription::service::x(); crate::evaluation::store::y(); }";
        let found = violations([("evaluation/service.rs", planted)]);
        let paths: Vec<&str> = found.iter().map(|v| v.path.as_str()).collect();
        assert_eq!(paths, ["certification::store", "prescription::service"]);
        // The same uses, one layer up, are allowed except the store.
        let found = violations([("admin/pages.rs", planted)]);
        let paths: Vec<&str> = found.iter().map(|v| v.path.as_str()).collect();
        assert_eq!(paths, ["certification::store", "evaluation::store"]);
        // A context imported as a module, its store named through it.
        let aliased = "use crate::{evaluation, web};\nfn f() { evaluation::store::answers(); }";
        let found = violations([("certification/service.rs", aliased)]);
        assert_eq!(found.iter().map(|v| v.path.as_str()).collect::<Vec<_>>(), ["evaluation::store"]);
        // Siblings of one layer, and a kit reaching up.
        assert!(check("certification/import.rs", "prescription::import").is_some());
        assert!(check("web/extract.rs", "identity::MaybeUser").is_some());
        assert!(check("web/extract.rs", "db::Tx").is_none());
        assert!(check("routes.rs", "certification::pages").is_none());
    }

    #[test]
    fn paths_are_read_from_groups_and_expressions() {
        let text = "use crate::{a::{b, c::d}, e};\nlet x = crate::f::g::h(); // crate::ignored\n\
                    use other_crate::z; sqlx::query(\"x\");";
        assert_eq!(crate_paths(text), ["a::b", "a::c", "e", "f::g"]);
    }
}
