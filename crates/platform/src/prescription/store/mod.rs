//! Every SQL statement of the prescription context, one file per aggregate (organisations, target
//! profiles, campaigns, participations, learner lists). Functions take `impl Into<Conn>`: the pool
//! or an open transaction.

mod campaigns;
mod learner_lists;
mod learners_of_users;
mod organizations;
mod participations;
mod target_profiles;

pub use campaigns::*;
pub use learner_lists::*;
pub use learners_of_users::*;
pub use organizations::*;
pub use participations::*;
pub use target_profiles::*;
