//! Every SQL statement of the learning context, a file per aggregate: module passages and their
//! logs, trainings with their triggers and recommendations.

mod passages;
mod trainings;

pub use passages::*;
pub use trainings::*;
