//! HTTP integration tests: the real server on an ephemeral port, on SQLite and on PostgreSQL.

mod support;

mod certification;
mod evaluation;
mod identity;
mod integrity;
mod kit;
mod learning;
mod prescription;
mod skeleton;
