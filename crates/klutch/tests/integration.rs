//! Every integration test of this package in one binary: one link instead of one per file,
//! which keeps the build small and fast (each test file is a module here).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "data/refusals.rs"]
mod refusals;

mod bind_crds;
mod bind_types;
mod bind_wire;
mod claim_fixtures;
mod claim_kinds;
mod claim_validation;
mod robustness;
mod schema_cel;
mod schema_keywords;
mod schema_pipeline;
mod upstream_validations;
