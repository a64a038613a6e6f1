//! The cockpit's state: which view, mode, selection, filter, detail and message. Changed only
//! by [`update::update`] from an [`Action`](super::action::Action); drawn by `views` without
//! being changed. Holds no widgets and no terminal.

pub mod detail;
pub mod filter;
pub mod rows;
pub mod update;

#[cfg(test)]
mod update_tests;

use crate::cluster::store::Level;
use crate::cluster::{Category, RowKey};
use detail::Detail;
use filter::Filter;
use rows::ListModel;

/// What keys do right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Keys go through the key map.
    Normal,
    /// Typing a filter after `/`.
    Filter,
    /// Typing a command after `:`.
    Command,
    /// The help is shown.
    Help,
}

/// Whether the cockpit runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    /// Running.
    Running,
    /// Asked to quit.
    Quitting,
}

/// Whether changes are allowed (this slice only reads; the flag is shown and kept).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Changes allowed.
    ReadWrite,
    /// `--readonly`.
    ReadOnly,
}

/// A line for the message area.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Severity.
    pub level: Level,
    /// Text.
    pub text: String,
}

/// Per-view selection, scroll and filter (kept when switching views).
#[derive(Clone, Debug, Default)]
pub struct ViewState {
    /// Selected item index.
    pub selected: usize,
    /// First line shown.
    pub offset: usize,
    /// The selected object, to keep the selection on it when rows come and go.
    pub selected_key: Option<RowKey>,
    /// The filter text.
    pub filter_text: String,
    /// The compiled filter.
    pub filter: Filter,
}

/// The whole state.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The shown view.
    pub view: Category,
    /// Key mode.
    pub mode: Mode,
    /// The input line while typing a filter or command.
    pub input: String,
    /// Why the filter being typed does not parse.
    pub input_error: Option<String>,
    /// Per-view state, indexed by `Category::index`.
    pub views: [ViewState; 6],
    /// Rows of the shown view.
    pub rows: ListModel,
    /// The open detail pane.
    pub detail: Option<Detail>,
    /// The message line.
    pub message: Option<Message>,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// First help line shown.
    pub help_scroll: usize,
    /// Running or quitting.
    pub run: RunState,
    /// Read-only or not.
    pub access: Access,
    /// The store generation the rows were built from.
    pub seen_generation: u64,
    /// The last store notice shown.
    pub seen_notice: u64,
}

impl AppState {
    /// A fresh state for a terminal of `size`.
    pub fn new(size: (u16, u16), access: Access) -> AppState {
        AppState {
            view: Category::Claim,
            mode: Mode::Normal,
            input: String::new(),
            input_error: None,
            views: Default::default(),
            rows: ListModel::default(),
            detail: None,
            message: None,
            size,
            help_scroll: 0,
            run: RunState::Running,
            access,
            seen_generation: u64::MAX,
            seen_notice: 0,
        }
    }

    /// The shown view's per-view state.
    pub fn current(&self) -> &ViewState {
        &self.views[self.view.index()]
    }

    /// Show a message.
    pub fn say(&mut self, level: Level, text: impl Into<String>) {
        self.message = Some(Message {
            level,
            text: text.into(),
        });
    }
}
