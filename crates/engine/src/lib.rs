//! The assessment engine: pure, synchronous rules with no I/O.
//!
//! Everything here is a function of its inputs plus, where chance is involved, an explicit
//! seedable random source. See docs/engine.md for each rule in plain words.

pub mod answer;
pub mod campaign;
pub mod certification;
pub mod codes;
pub mod course;
pub mod flash;
pub mod knowledge;
pub mod module;
pub mod placement;
pub mod quest;
pub mod scoring;
pub mod simulate;
pub mod smart_random;
pub mod training;
