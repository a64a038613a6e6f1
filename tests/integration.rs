//! Every integration test of this package in one binary: one link instead of one per file,
//! which keeps the build small and fast (each test file is a module here).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../crates/sandbox/tests/backend_support/mod.rs"]
mod backend_support;
mod bind_support;
#[path = "../crates/sandbox/tests/common/mod.rs"]
mod common;
mod support;
mod tmux;

mod architecture;
mod bind_e2e;
mod bind_failures;
mod bind_konnector;
mod bind_oidc_provider;
mod claims_apply;
mod claims_commands;
mod claims_lifecycle;
mod claims_related;
mod cli;
mod konnector_binding;
mod konnector_cli;
mod konnector_cockpit;
mod konnector_e2e;
mod konnector_faults;
mod konnector_install;
mod readme;
mod tui_actions_tmux;
mod tui_start;
mod tui_tmux;
mod tui_wizard;
mod why;
