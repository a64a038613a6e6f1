//! The cockpit: state and actions (`state`, `action`), drawing (`views`), key map and themes
//! as data, and the main loop (`app`) that ties terminal events and store changes together.

pub mod action;
pub mod highlight;
pub mod keymap;
pub mod layout;
pub mod state;
pub mod theme;
pub mod views;

pub mod app;
pub mod run;
pub mod terminal;
#[cfg(test)]
pub(crate) mod testing;

pub use run::{CockpitError, Options, main};
