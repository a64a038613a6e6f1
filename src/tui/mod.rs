//! The cockpit: state and actions (`state`, `action`), the views table (`views`), drawing
//! (`panes`), key map, themes and settings as data, and the main loop (`app`) that ties
//! terminal events, store changes and effects together. It is given a store, a services
//! handle and a terminal; starting the program is `commands::cockpit`'s business.

pub mod action;
pub mod external;
pub mod highlight;
pub mod keymap;
pub mod layout;
pub mod panes;
pub mod settings;
pub mod state;
pub mod theme;
pub mod views;

pub mod app;
pub mod terminal;
#[cfg(test)]
pub(crate) mod testing;
