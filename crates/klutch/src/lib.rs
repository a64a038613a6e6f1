//! The Klutch domain: the claim kinds of `anynines.com` and their CRDs, the typed
//! `klutch.anynines.com` kinds and bind wire types, which Klutch object a group and kind are
//! and how their status reads, the CRD schema module (structural validation, defaulting,
//! pruning and CEL rules) shared by the sandbox's API server and by claim validation in the
//! cockpit, label selectors, and the runner every Klutch controller stops through.
//!
//! No sockets, no terminal: the runner sees a controller only through its result stream.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod bind;
pub mod claims;
pub mod heartbeat;
pub mod objects;
pub mod runtime;
pub mod schema;
pub mod selector;
pub mod status;
