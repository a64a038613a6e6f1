//! klutch-tui as a library: the command line (`cli`) and one runner per command
//! (`commands`), the cockpit (`tui`), the services it acts through (`services`), cluster
//! access (`cluster`), places on disk and the config file (`config`) and logging. The binary
//! in `main.rs` parses the command line and calls `commands::run`; benchmarks and tests use
//! the parts directly.
//!
//! Dependencies run one way: `commands` → `tui` → `services` → `cluster` → `klutch`.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod cli;
pub mod cluster;
pub mod commands;
pub mod config;
pub mod logging;
pub mod services;
pub mod tui;
