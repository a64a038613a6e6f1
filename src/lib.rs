//! klutch-tui as a library: the cockpit (`tui`), cluster access (`cluster`) and the config
//! file (`config`). The binary in `main.rs` parses the command line and calls into it; the
//! benchmarks use it directly.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod cluster;
pub mod config;
pub mod logging;
pub mod tui;
