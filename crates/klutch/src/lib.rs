//! The Klutch domain: typed `klutch.anynines.com` kinds, the bind wire types, the claim
//! kinds, how objects are classified and how their status reads, and the
//! CRD schema module (structural validation, defaulting, pruning and CEL rules) shared by
//! the sandbox's API server and by claim validation in the cockpit.
//!
//! Pure logic: no sockets, no terminal.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod bind;
pub mod claims;
pub mod objects;
pub mod schema;
pub mod status;
