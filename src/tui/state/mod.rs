//! The cockpit's state: which view, mode, selection, filter, detail and message. Changed only
//! by [`update::update`] from an [`Action`](super::action::Action); drawn by `views` without
//! being changed. Holds no widgets and no terminal.

pub mod claims;
pub mod detail;
pub mod dialog;
pub mod edit;
pub mod editor;
pub mod filter;
pub mod konnector;
pub mod pair;
pub mod related;
pub mod rows;
pub mod update;
pub mod why;
pub mod wizard;

#[cfg(test)]
mod actions_tests;
#[cfg(test)]
mod claims_tests;
#[cfg(test)]
mod update_tests;
#[cfg(test)]
mod wizard_tests;

use super::views::{View, ViewId, Views};
use crate::cluster::{Level, RowKey};
use crate::services::Effect;
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
    /// The message log is shown.
    Messages,
    /// Facts about this run are shown (`:info`).
    Info,
    /// Keys go to the claim editor.
    Edit,
    /// Keys go to a dialog.
    Dialog,
    /// A claim's chain is shown (`w`, `:why`).
    Why,
    /// Keys go to the bind wizard.
    Wizard,
}

/// Whether the cockpit runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    /// Running.
    Running,
    /// Asked to quit.
    Quitting,
}

/// Whether changes are allowed.
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
    /// The order within namespace groups.
    pub sort: rows::SortBy,
    /// Namespaces whose rows are hidden.
    pub folded: std::collections::BTreeSet<String>,
    /// Whether the person has moved the selection (until then it stays on the first row
    /// while lists arrive).
    pub moved: bool,
}

/// The whole state.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The views table.
    pub table: Views,
    /// The shown view.
    pub view: ViewId,
    /// Key mode.
    pub mode: Mode,
    /// The input line while typing a filter or command.
    pub input: String,
    /// Why the filter being typed does not parse.
    pub input_error: Option<String>,
    /// Per-view state, in the order of the views table.
    pub views: Vec<ViewState>,
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
    /// Newest messages hidden below the message log's view (0: the newest are shown).
    pub messages_scroll: usize,
    /// Running or quitting.
    pub run: RunState,
    /// Read-only or not.
    pub access: Access,
    /// The store generation the rows were built from.
    pub seen_generation: u64,
    /// The widths of the current view's fitted columns, and the (view, store generation)
    /// they were measured for: typing a filter does not measure again.
    pub fit: Option<((usize, u64), Vec<u16>)>,
    /// The last store message shown.
    pub seen_message: u64,
    /// What the update step asked the services to do, not yet handed over.
    pub effects: Vec<Effect>,
    /// The time now (rows ranked by heartbeat age); a fixed clock in tests.
    pub clock: fn() -> jiff::Timestamp,
    /// The claim editor, when open.
    pub editor: Option<editor::Editor>,
    /// The open dialog.
    pub dialog: Option<dialog::Dialog>,
    /// Requests in flight and what their replies are for.
    pub pending: std::collections::BTreeMap<crate::services::RequestId, dialog::Pending>,
    /// The id the next request gets.
    pub next_request: crate::services::RequestId,
    /// The claim kinds the App Cluster serves (compiled once per set of CRDs).
    pub catalog: Option<(u64, klutch::claims::catalog::Catalog)>,
    /// Text to hand to `$VISUAL`/`$EDITOR` (the main loop owns the terminal) and what it is.
    pub external: Option<(editor::EditTarget, String)>,
    /// Text to put on the clipboard (OSC 52, written by the main loop).
    pub clipboard: Option<String>,
    /// The why pane, when open.
    pub why: Option<why::WhyPane>,
    /// The bind wizard, once opened (kept after it ended, until the next bind).
    pub wizard: Option<wizard::Wizard>,
}

impl AppState {
    /// A fresh state for a terminal of `size`, with the built-in views.
    pub fn new(size: (u16, u16), access: Access) -> AppState {
        AppState::with_views(Views::default(), size, access)
    }

    /// A fresh state with the views of `table`.
    pub fn with_views(table: Views, size: (u16, u16), access: Access) -> AppState {
        AppState {
            table,
            view: table.first().id,
            mode: Mode::Normal,
            input: String::new(),
            input_error: None,
            views: table
                .all()
                .iter()
                .map(|v| ViewState {
                    // A view that knows what trouble is shows it first.
                    sort: match v.rank {
                        Some(_) => rows::SortBy::Status,
                        None => rows::SortBy::Kind,
                    },
                    ..ViewState::default()
                })
                .collect(),
            rows: ListModel::default(),
            detail: None,
            message: None,
            size,
            help_scroll: 0,
            messages_scroll: 0,
            run: RunState::Running,
            access,
            seen_generation: u64::MAX,
            fit: None,
            seen_message: 0,
            effects: Vec::new(),
            clock: jiff::Timestamp::now,
            editor: None,
            dialog: None,
            pending: Default::default(),
            next_request: 1,
            catalog: None,
            external: None,
            clipboard: None,
            why: None,
            wizard: None,
        }
    }

    /// A new request id.
    pub fn request_id(&mut self) -> crate::services::RequestId {
        let id = self.next_request;
        self.next_request += 1;
        id
    }

    /// The shown view's definition.
    pub fn def(&self) -> &'static View {
        self.table.get(self.view)
    }

    /// The shown view's per-view state.
    pub fn current(&self) -> &ViewState {
        &self.views[self.table.index(self.view)]
    }

    /// The shown view's per-view state, for changing.
    pub fn current_mut(&mut self) -> &mut ViewState {
        let i = self.table.index(self.view);
        &mut self.views[i]
    }

    /// Show a message.
    pub fn say(&mut self, level: Level, text: impl Into<String>) {
        self.message = Some(Message {
            level,
            text: text.into(),
        });
    }
}
