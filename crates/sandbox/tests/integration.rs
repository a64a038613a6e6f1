//! Every integration test of this package in one binary: one link instead of one per file,
//! which keeps the build small and fast (each test file is a module here).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod backend_support;
mod common;
mod oidc_support;
mod provider_support;
#[path = "../../klutch/tests/data/refusals.rs"]
mod refusals;

mod api_edges;
mod assets;
mod backend_controlplane;
mod backend_exports;
mod backend_external;
mod backend_login;
mod backend_own_issuer;
mod claims_fixtures;
mod controlplane_contents;
mod crd_cleanup;
mod fixtures;
mod hostile_clients;
mod kube_client;
mod kubectl_basic;
mod kubectl_lifecycle;
mod kubectl_patch;
mod list_pages;
mod oidc_code_flow;
mod oidc_device_flow;
mod oidc_discovery;
mod oidc_refusals;
mod oidc_tls;
mod provider_backups;
mod provider_bindings;
mod provider_e2e;
mod provider_instances;
mod rbac;
mod restart;
mod state_files;
mod write_limits;
mod wrong_types;
