//! The klutch-tui sandbox: two emulated Kubernetes API servers (App and Control Plane)
//! served over HTTPS, and the Klutch Control Plane around them.
//!
//! Knows nothing of the TUI; depends only on the `klutch` domain crate.

pub mod oidc;
