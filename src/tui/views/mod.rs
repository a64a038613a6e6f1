//! The cockpit's views as one table: each view's id, tab title, list heading, `:` names,
//! default key, help text and columns (title, width, extractor). Tabs, the `:` command line,
//! the key map, the help and the list pane all read this table; adding a view is one entry
//! here (and an extractor if it shows a new fact), nothing else.

mod cells;
pub mod konnector;
mod operator;

use super::theme::Slot;
use crate::cluster::{Entry, StoreData};
use cells::*;
use jiff::Timestamp;
use klutch::objects::ObjectClass;

/// A view's id: its first `:` name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ViewId(pub &'static str);

/// How a column takes its width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Width {
    /// Always this many columns (gives way, widest first, in a narrow pane).
    Fixed(u16),
    /// A share of what is left, by weight.
    Flex(u16),
    /// Like [`Width::Flex`], but served first and kept readable (the name).
    Primary(u16),
    /// As wide as the widest cell of the list, within `min..=max` (then like a fixed one).
    Fit {
        /// At least this wide.
        min: u16,
        /// At most this wide.
        max: u16,
    },
}

/// A cell: its text and the theme slot it is drawn in.
pub type Cell = (String, Slot);

/// What a cell is computed with besides its entry: the time (for ages) and the store (for
/// facts of related objects).
#[derive(Clone, Copy)]
pub struct CellCtx<'a> {
    /// The time ages are computed against.
    pub now: Timestamp,
    /// The store, read-locked for the frame.
    pub store: &'a StoreData,
}

/// One column of a list view.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    /// The heading.
    pub title: &'static str,
    /// How wide.
    pub width: Width,
    /// Hidden when the pane is narrower than this.
    pub min_pane: u16,
    /// The cell of an object.
    pub cell: fn(&Entry, &CellCtx) -> Cell,
}

impl std::fmt::Debug for CellCtx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CellCtx").field("now", &self.now).finish()
    }
}

/// Draws a view that is no list of objects (the Konnector view) where the list would be.
pub type Pane =
    fn(&crate::tui::panes::Ctx<'_>, ratatui::layout::Rect, &mut ratatui::buffer::Buffer);

/// One view.
#[derive(Clone, Copy, Debug)]
pub struct View {
    /// Its id (also its first `:` name).
    pub id: ViewId,
    /// The tab's title.
    pub tab: &'static str,
    /// The list's heading.
    pub heading: &'static str,
    /// Which cluster(s) it shows, after the heading.
    pub scope: &'static str,
    /// Every `:` name that opens it (the first is the id).
    pub names: &'static [&'static str],
    /// The key command's name in the config file (`view-claims`).
    pub command: &'static str,
    /// The default key.
    pub key: &'static str,
    /// What the key does (the help shows it).
    pub description: &'static str,
    /// What an empty list says: that there is nothing yet, and what to do next.
    pub empty: &'static str,
    /// The objects it lists.
    pub shows: ObjectClass,
    /// Whether rows are grouped by namespace (a view of one object per namespace is not).
    pub grouped: bool,
    /// How `s`'s STATUS order ranks a row (0 first), where the view knows better than the
    /// object's own status (the operator view: a silent konnector first).
    pub rank: Option<fn(&Entry, &CellCtx) -> u8>,
    /// Its columns, left to right.
    pub columns: &'static [Column],
    /// Drawn by this instead of as a list of `shows` (then it has no rows or columns).
    pub pane: Option<Pane>,
}

impl View {
    /// Whether its objects live only on the Control Plane.
    pub fn control_plane_only(&self) -> bool {
        self.shows.side() == klutch::objects::Side::ControlPlane
    }
}

const STATUS: Column = col("STATUS", Width::Fit { min: 18, max: 32 }, 0, status);
const MESSAGE: Column = col("MESSAGE", Width::Flex(4), 140, message);
const AGE: Column = col("AGE", Width::Fixed(6), 0, created);

/// The cockpit's views, in tab order.
pub const VIEWS: &[View] = &[
    View {
        id: ViewId("claims"),
        tab: "Claims",
        heading: "Claims",
        scope: "both clusters",
        names: &["claims", "c"],
        command: "view-claims",
        key: "1",
        description: "Claims of both clusters",
        empty: "No claims yet — n makes one (B binds the APIs first when none are bound; headless: klutch-tui apply -f claim.yaml).",
        shows: ObjectClass::Claim,
        grouped: true,
        rank: None,
        columns: &[
            col("KIND", Width::Fixed(20), 0, kind),
            col("NAME", Width::Primary(3), 0, name),
            col("CL", Width::Fixed(4), 0, cluster),
            STATUS,
            col("DETAIL", Width::Fit { min: 8, max: 44 }, 100, claim_detail),
            MESSAGE,
            AGE,
        ],
        pane: None,
    },
    View {
        id: ViewId("templates"),
        tab: "Templates",
        heading: "Export templates",
        scope: "Control Plane",
        names: &["templates", "tpl"],
        command: "view-templates",
        key: "2",
        description: "Control Plane: export templates",
        empty: "No export templates yet — the Control Plane's operator installs them (APIServiceExportTemplate).",
        shows: ObjectClass::ExportTemplate,
        grouped: true,
        rank: None,
        columns: &[
            col("NAME", Width::Primary(2), 0, name),
            col("EXPORTS", Width::Flex(3), 0, template_exports),
            AGE,
        ],
        pane: None,
    },
    View {
        id: ViewId("requests"),
        tab: "Requests",
        heading: "Export requests",
        scope: "Control Plane",
        names: &["requests", "apiserviceexportrequests"],
        command: "view-requests",
        key: "3",
        description: "Control Plane: export requests",
        empty: "No export requests yet — one appears for every API an App Cluster binds (klutch-tui bind URL).",
        shows: ObjectClass::ExportRequest,
        grouped: true,
        rank: None,
        columns: &[
            col("NAME", Width::Primary(2), 0, name),
            col("RESOURCES", Width::Flex(3), 0, request_resources),
            STATUS,
            MESSAGE,
            AGE,
        ],
        pane: None,
    },
    View {
        id: ViewId("exports"),
        tab: "Exports",
        heading: "Exports",
        scope: "Control Plane",
        names: &["exports", "apiserviceexports"],
        command: "view-exports",
        key: "4",
        description: "Control Plane: exports",
        empty: "No exports yet — the klutch-bind backend makes one for every export request it accepts.",
        shows: ObjectClass::Export,
        grouped: true,
        rank: None,
        columns: &[
            col("NAME", Width::Primary(2), 0, name),
            col("RESOURCE", Width::Flex(3), 0, export_resource),
            STATUS,
            MESSAGE,
            AGE,
        ],
        pane: None,
    },
    View {
        id: ViewId("clusterbindings"),
        tab: "App clusters",
        heading: "App clusters (cluster bindings)",
        scope: "Control Plane",
        names: &["clusterbindings", "cb", "operator", "appclusters"],
        command: "view-cluster-bindings",
        key: "5",
        description: "Control Plane: every App Cluster bound to it, its konnector and what fails",
        empty: "No cluster bindings yet — every App Cluster that binds gets one.",
        shows: ObjectClass::ClusterBinding,
        grouped: false,
        rank: Some(operator::rank),
        columns: &[
            col(
                "CLUSTER NAMESPACE",
                Width::Primary(1),
                0,
                operator::cluster_namespace,
            ),
            col("PROVIDER", Width::Fit { min: 8, max: 20 }, 130, provider),
            col(
                "KONNECTOR",
                Width::Fit { min: 9, max: 16 },
                90,
                operator::konnector,
            ),
            col("HEARTBEAT", Width::Fixed(9), 55, operator::heartbeat_age),
            col(
                "HEALTH",
                Width::Fit { min: 8, max: 18 },
                0,
                operator::health,
            ),
            col("EXPORTS", Width::Fixed(7), 65, operator::exports),
            col("REQUESTS", Width::Fixed(9), 75, operator::requests),
            col("PROBLEM", Width::Flex(5), 110, operator::problem),
            AGE,
        ],
        pane: None,
    },
    View {
        id: ViewId("bindings"),
        tab: "Bindings",
        heading: "API service bindings",
        scope: "App",
        names: &["bindings", "apiservicebindings"],
        command: "view-bindings",
        key: "6",
        description: "App: API service bindings",
        empty: "No API service bindings yet — bind first: klutch-tui bind URL.",
        shows: ObjectClass::ApiServiceBinding,
        grouped: true,
        rank: None,
        columns: &[
            col("NAME", Width::Primary(3), 0, name),
            col("PROVIDER", Width::Flex(2), 0, provider),
            col("SECRET", Width::Flex(2), 90, secret),
            STATUS,
            MESSAGE,
            AGE,
        ],
        pane: None,
    },
    View {
        id: ViewId("konnector"),
        tab: "Konnector",
        heading: "Konnector",
        scope: "App",
        names: &["konnector", "kn"],
        command: "view-konnector",
        key: "7",
        description: "The konnector: running here or installed, heartbeats, what it synced, errors, lags",
        empty: "The konnector is off — press K to run it in this process.",
        shows: ObjectClass::ApiServiceBinding,
        grouped: false,
        rank: None,
        columns: &[],
        pane: Some(crate::tui::panes::konnector::draw),
    },
];

/// The views the cockpit runs with: the built-in table, or another one (tests).
#[derive(Clone, Copy, Debug)]
pub struct Views(pub &'static [View]);

impl Default for Views {
    fn default() -> Self {
        Views(VIEWS)
    }
}

impl PartialEq for Views {
    /// The same table (not merely equal entries).
    fn eq(&self, other: &Views) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl Views {
    /// Every view, in tab order.
    pub fn all(self) -> &'static [View] {
        self.0
    }

    /// The first view.
    pub fn first(self) -> &'static View {
        &self.0[0]
    }

    /// The position of a view in the table.
    pub fn index(self, id: ViewId) -> usize {
        self.0.iter().position(|v| v.id == id).unwrap_or(0)
    }

    /// A view by id (the first view for an id not in the table).
    pub fn get(self, id: ViewId) -> &'static View {
        &self.0[self.index(id)]
    }

    /// The view `offset` tabs after `id`, wrapping around.
    pub fn after(self, id: ViewId, offset: usize) -> ViewId {
        self.0[(self.index(id) + offset) % self.0.len()].id
    }

    /// The view a `:` name opens.
    pub fn by_name(self, name: &str) -> Option<ViewId> {
        self.0
            .iter()
            .find(|v| v.names.contains(&name))
            .map(|v| v.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::action::{Action, Edit};
    use crate::tui::keymap::{Command, Key, KeyMap};
    use crate::tui::layout;
    use crate::tui::panes::help::help_lines;
    use crate::tui::state::update::update;
    use crate::tui::state::{Access, AppState};
    use crate::tui::testing;

    const FAKE_COLUMNS: &[Column] = &[col("NAME", Width::Primary(1), 0, name)];

    /// The built-in views plus one more, as a new view would be added.
    fn with_fake_view() -> Views {
        let mut all = VIEWS.to_vec();
        all.push(View {
            id: ViewId("fakes"),
            tab: "Fakes",
            heading: "Fake objects",
            scope: "App",
            names: &["fakes", "fk"],
            command: "view-fakes",
            key: "8",
            description: "Fake objects for the test",
            empty: "No fakes yet.",
            shows: ObjectClass::ApiServiceBinding,
            grouped: true,
            rank: None,
            columns: FAKE_COLUMNS,
            pane: None,
        });
        Views(Box::leak(all.into_boxed_slice()))
    }

    #[test]
    fn one_table_entry_makes_a_tab_a_command_a_key_and_help() {
        let views = with_fake_view();
        let tabs = layout::tabs(views, 0);
        assert_eq!(tabs.len(), VIEWS.len() + 1);
        assert_eq!(tabs.last().map(|t| t.1.as_str()), Some(" 8 Fakes "));

        let store = testing::store();
        let data = store.read();
        let mut state = AppState::with_views(views, (160, 48), Access::ReadWrite);
        update(&mut state, Action::StoreChanged, &data);
        update(&mut state, Action::Command(Command::CommandLine), &data);
        for c in "fk".chars() {
            update(&mut state, Action::Edit(Edit::Char(c)), &data);
        }
        update(&mut state, Action::Edit(Edit::Submit), &data);
        assert_eq!(state.view, ViewId("fakes"));
        assert_eq!(state.def().heading, "Fake objects");

        let keymap = KeyMap::new(views);
        let eight = Key::parse("8").unwrap();
        assert_eq!(keymap.command(eight), Some(Command::View(ViewId("fakes"))));
        assert_eq!(keymap.name(Command::View(ViewId("fakes"))), "view-fakes");
        let help = help_lines(&keymap, views, false);
        assert!(
            help.iter()
                .any(|(k, d)| k == "8" && d == "Fake objects for the test"),
            "{help:?}"
        );
        assert!(
            help.iter().any(|(_, d)| d.contains(":fakes  :fk")),
            "{help:?}"
        );
        // The key map's overrides know the new command by its name.
        let mut keymap = keymap;
        let problems = keymap.apply(&[("view-fakes".to_string(), vec!["f".to_string()])].into());
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            keymap.command(Key::parse("f").unwrap()),
            Some(Command::View(ViewId("fakes")))
        );
    }
}
