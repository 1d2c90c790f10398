//! Learning content: areas, competences, tubes, skills, challenges, tutorials and learning modules.
//!
//! Content is written as TOML files (docs/content.md), validated as a whole with precise
//! `file:line: message` diagnostics, and loaded into an immutable [`Content`] index that the engine
//! and the pages query without ever re-parsing text. The demo referential is embedded in the binary.

mod load;
pub mod markdown;
mod model;
pub mod module;
pub mod stats;
pub mod syntax;
pub mod yaml_text;

use std::path::Path;

pub use load::{Diagnostic, LoadOptions, SourceFile, has_raw_html, load, version_of};
pub use model::*;

static DEMO: include_dir::Dir<'static> = include_dir::include_dir!("$CARGO_MANIFEST_DIR/../../content");

/// Errors reading a content folder from disk.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The folder or a file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path concerned.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// The files of the demo referential embedded in the binary.
pub fn demo_files() -> Vec<SourceFile> {
    fn walk(dir: &include_dir::Dir<'static>, out: &mut Vec<SourceFile>) {
        for f in dir.files() {
            out.push(SourceFile { path: f.path().to_string_lossy().replace('\\', "/"), bytes: f.contents().to_vec() });
        }
        for d in dir.dirs() {
            walk(d, out);
        }
    }
    let mut files = Vec::new();
    walk(&DEMO, &mut files);
    files
}

/// Loads the embedded demo referential (complete in French and English).
pub fn demo() -> Result<Content, Vec<Diagnostic>> {
    load(&demo_files(), LoadOptions { require_english: true })
}

/// Reads every file of a content folder (areas.toml, competences/, tutorials/, media/).
pub fn read_dir(root: &Path) -> Result<Vec<SourceFile>, ReadError> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<SourceFile>) -> Result<(), ReadError> {
        fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ReadError + '_ {
            move |source| ReadError::Io { path: path.display().to_string(), source }
        }
        let mut entries: Vec<_> =
            std::fs::read_dir(dir).map_err(io(dir))?.collect::<Result<_, _>>().map_err(io(dir))?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, out)?;
            } else {
                let bytes = std::fs::read(&path).map_err(io(&path))?;
                let rel = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
                out.push(SourceFile { path: rel, bytes });
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(root, root, &mut files)?;
    Ok(files)
}
