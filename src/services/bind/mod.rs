//! The binding walkthrough: bind a klutch-bind backend's exports into the App Cluster,
//! the way upstream's CLI does (same protocol, same names, so that either CLI can manage
//! what the other bound), with our own logins on top — PKCE in a browser, the device
//! flow, a token file — and a token cache.
//!
//! [`machine`] is the walkthrough as a pure state machine; [`runner::run`] does its I/O and
//! reports each step and question as a [`events::BindEvent`], so the headless `bind`
//! command and the cockpit's wizard drive the same thing. Every failure is a
//! [`error::BindError`] that says what to do, and leaves nothing half-made behind.

pub mod app;
pub mod auth;
pub mod auto;
pub mod backend;
pub mod control_plane;
pub mod error;
pub mod events;
pub mod konnector;
pub mod machine;
mod machine_types;
pub mod plan;
pub mod runner;
pub mod unbind;

#[cfg(test)]
mod machine_tests;

pub use error::{AuthError, BindError};
pub use events::{BindEvent, LoginPrompt, Question, Reply, Step, StepStatus};
pub use konnector::KonnectorDriver;
pub use machine::{AuthMode, BindPlan, KonnectorMode, Summary, Walkthrough};
pub use runner::{BindIo, run};
