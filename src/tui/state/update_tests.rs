//! Update logic as plain tests: keys (as a string, like helix's tests) → actions → state.

use super::update::update;
use super::{Access, AppState, Mode, RunState};
use crate::cluster::{ClusterId, Store};
use crate::tui::action::Action;
use crate::tui::testing;
use crate::tui::views::ViewId;

use crate::tui::testing::run;

fn fresh(store: &Store) -> AppState {
    let mut state = AppState::new((80, 24), Access::ReadWrite);
    state.clock = testing::now;
    update(&mut state, Action::StoreChanged, &store.read());
    state
}

pub(super) fn selected_name(state: &AppState) -> String {
    state
        .rows
        .item(state.current().selected)
        .map(|e| e.key.name.clone())
        .unwrap_or_default()
}

#[test]
fn number_keys_tab_and_commands_switch_views() {
    let store = testing::store();
    let mut s = fresh(&store);
    run(&store, &mut s, "4");
    assert_eq!(s.view, ViewId("exports"));
    run(&store, &mut s, "<tab>");
    assert_eq!(s.view, ViewId("clusterbindings"));
    run(&store, &mut s, ":bindings<enter>");
    assert_eq!((s.view, s.mode), (ViewId("bindings"), Mode::Normal));
    run(&store, &mut s, ":nope<enter>");
    assert!(
        s.message
            .as_ref()
            .unwrap()
            .text
            .contains("unknown command :nope")
    );
    assert_eq!(s.view, ViewId("bindings"));
}

#[test]
fn moving_skips_group_headings_and_stays_in_bounds() {
    let store = testing::store();
    let mut s = fresh(&store);
    assert_eq!(selected_name(&s), "orders-db");
    run(&store, &mut s, "j");
    assert_eq!(selected_name(&s), "orders-db-nightly");
    run(&store, &mut s, "G");
    assert_eq!(selected_name(&s), "sessions");
    run(&store, &mut s, "jjj");
    assert_eq!(selected_name(&s), "sessions");
    run(&store, &mut s, "gk");
    assert_eq!(s.current().selected, 0);
}

#[test]
fn filter_is_live_kept_on_enter_and_cleared_on_esc() {
    let store = testing::store();
    let mut s = fresh(&store);
    let widths = s.rows.fit.clone();
    run(&store, &mut s, "/sess");
    assert_eq!(s.mode, Mode::Filter);
    assert_eq!(s.rows.items.len(), 1);
    // The fitted columns keep the width of the whole list while a filter is typed (the
    // rows left would fit narrower ones), and typing does not measure the list again.
    assert_eq!(s.rows.fit, widths);
    let ctx = crate::tui::views::CellCtx {
        now: testing::now(),
        store: &store.read(),
    };
    let left = (0..s.rows.items.len()).filter_map(|i| s.rows.item(i));
    assert_ne!(
        super::rows::ListModel::measure(s.def().columns, left, &ctx),
        widths
    );
    run(&store, &mut s, "<enter>");
    assert_eq!(
        (s.mode, s.current().filter_text.as_str()),
        (Mode::Normal, "sess")
    );
    assert_eq!(selected_name(&s), "sessions");
    run(&store, &mut s, "/<bs><bs><bs><bs>app=orders<enter>");
    assert_eq!(
        s.rows.items.len(),
        2,
        "label selector app=orders (synthetic claims only)"
    );
    run(&store, &mut s, "<esc>");
    assert_eq!(s.rows.items.len(), 5);
    assert!(s.current().filter_text.is_empty());
}

#[test]
fn a_bad_selector_keeps_the_last_good_filter_and_says_why() {
    let store = testing::store();
    let mut s = fresh(&store);
    run(&store, &mut s, "/app in x");
    assert!(
        s.input_error
            .as_ref()
            .unwrap()
            .contains("expected a parenthesised list of values, e.g. (a,b)")
    );
    run(&store, &mut s, "<enter>");
    assert!(
        s.message
            .as_ref()
            .unwrap()
            .text
            .contains("filter not applied")
    );
}

#[test]
fn detail_opens_scrolls_and_closes() {
    let store = testing::store();
    let mut s = fresh(&store);
    run(&store, &mut s, "j<enter>");
    let d = s.detail.as_ref().unwrap();
    assert_eq!(d.key.name, "orders-db-nightly");
    run(&store, &mut s, "jjj");
    assert_eq!(s.detail.as_ref().unwrap().scroll, 3);
    assert_eq!(
        selected_name(&s),
        "orders-db-nightly",
        "keys scroll the detail, not the list"
    );
    run(&store, &mut s, "<esc>");
    assert!(s.detail.is_none());
}

#[test]
fn selection_follows_the_object_when_rows_arrive() {
    let store = testing::store();
    let mut s = fresh(&store);
    run(&store, &mut s, "G");
    assert_eq!(selected_name(&s), "sessions");
    store.update(|d| {
        d.apply(crate::cluster::entry::tests_support::sample(
            ClusterId::App,
            "aaa",
            "Backup",
            "first",
        ))
    });
    update(&mut s, Action::StoreChanged, &store.read());
    assert_eq!(selected_name(&s), "sessions");
    assert_eq!(s.rows.items.len(), 6);
}

#[test]
fn help_toggles_and_quit_quits() {
    let store = testing::store();
    let mut s = fresh(&store);
    run(&store, &mut s, "?");
    assert_eq!(s.mode, Mode::Help);
    run(&store, &mut s, "<esc>");
    assert_eq!(s.mode, Mode::Normal);
    run(&store, &mut s, "q");
    assert_eq!(s.run, RunState::Quitting);
    let mut s = fresh(&store);
    run(&store, &mut s, "/abc<c-c>");
    assert_eq!(s.run, RunState::Quitting);
}

#[test]
fn mouse_clicks_tabs_and_rows() {
    let store = testing::store();
    let mut s = fresh(&store);
    let data = store.read();
    let (_, _, x, _) = crate::tui::layout::tabs(s.table, 0)[2].clone();
    update(&mut s, Action::Click(x + 1, 2), &data);
    assert_eq!(s.view, ViewId("requests"));
    update(
        &mut s,
        Action::Command(crate::tui::keymap::Command::View(ViewId("claims"))),
        &data,
    );
    // Row 3 is the list border, 4 the column titles, 5 the first group, 6 the first item.
    update(&mut s, Action::Click(10, 8), &data);
    assert_eq!(selected_name(&s), "orders-db-nightly");
    update(&mut s, Action::Click(10, 8), &data);
    assert!(s.detail.is_some(), "a second click opens the detail");
    update(&mut s, Action::ScrollDown(10, 12), &data);
    assert_eq!(s.detail.as_ref().unwrap().scroll, 3);
}

#[test]
fn store_notices_reach_the_message_line_once() {
    let store = testing::store();
    let mut s = fresh(&store);
    store.update(|d| d.post(crate::cluster::Level::Error, "CP: discovery failed"));
    update(&mut s, Action::StoreChanged, &store.read());
    assert_eq!(s.message.as_ref().unwrap().text, "CP: discovery failed");
    run(&store, &mut s, "<esc>");
    update(&mut s, Action::StoreChanged, &store.read());
    assert!(s.message.is_none());
}

#[test]
fn big_lists_keep_the_selection_on_screen() {
    let store = testing::store();
    testing::many_claims(&store, 2000);
    let mut s = fresh(&store);
    run(&store, &mut s, "G");
    let page = 16;
    let line = s.rows.items[s.current().selected];
    assert!(line >= s.current().offset && line < s.current().offset + page);
    update(&mut s, Action::Resize(80, 12), &store.read());
    let line = s.rows.items[s.current().selected];
    assert!(
        line < s.current().offset + 4,
        "still visible after shrinking"
    );
}

#[test]
fn the_first_row_stays_selected_while_the_first_lists_arrive() {
    let store = Store::new();
    let mut s = fresh(&store);
    // The kinds list one after another; later ones sort before earlier ones.
    for (ns, kind, name) in [
        ("team-b", "Restore", "late-restore"),
        ("team-a", "ServiceBinding", "creds"),
        ("team-a", "Backup", "nightly"),
    ] {
        store.update(|d| {
            d.apply(crate::cluster::entry::tests_support::sample(
                ClusterId::App,
                ns,
                kind,
                name,
            ))
        });
        update(&mut s, Action::StoreChanged, &store.read());
        assert_eq!(s.current().selected, 0, "after {name}");
    }
    assert_eq!(selected_name(&s), "nightly");
    // Once the person moves, the selection follows the object.
    run(&store, &mut s, "j");
    assert_eq!(selected_name(&s), "creds");
    store.update(|d| {
        d.apply(crate::cluster::entry::tests_support::sample(
            ClusterId::App,
            "team-a",
            "Backup",
            "another",
        ))
    });
    update(&mut s, Action::StoreChanged, &store.read());
    assert_eq!(selected_name(&s), "creds");
}

fn names(state: &AppState) -> Vec<String> {
    (0..state.rows.items.len())
        .map(|i| {
            state
                .rows
                .item(i)
                .map_or_else(|| "[group]".into(), |e| e.key.name.clone())
        })
        .collect()
}

#[test]
fn s_sorts_by_name_age_status_and_back() {
    let store = testing::store();
    let mut s = fresh(&store);
    let stored = names(&s);
    assert_eq!(
        stored,
        [
            "orders-db",
            "orders-db-nightly",
            "orders-db",
            "orders-db-creds",
            "sessions"
        ]
    );
    run(&store, &mut s, "s");
    assert_eq!(s.rows.sort.column(), Some("NAME"));
    assert_eq!(
        names(&s),
        [
            "orders-db",
            "orders-db",
            "orders-db-creds",
            "orders-db-nightly",
            "sessions"
        ]
    );
    run(&store, &mut s, "s");
    assert_eq!(s.rows.sort.column(), Some("AGE"));
    // Newest first within team-a: creds (11:59), nightly (10:00), orders-db (09:00).
    assert_eq!(
        names(&s),
        [
            "orders-db",
            "orders-db-creds",
            "orders-db-nightly",
            "orders-db",
            "sessions"
        ]
    );
    run(&store, &mut s, "s");
    assert_eq!(s.rows.sort.column(), Some("STATUS"));
    // Trouble first: the failed backup and binding, then the ready instance.
    assert_eq!(
        names(&s),
        [
            "orders-db",
            "orders-db-creds",
            "orders-db-nightly",
            "orders-db",
            "sessions"
        ]
    );
    assert!(
        s.message
            .as_ref()
            .unwrap()
            .text
            .contains("sorted by STATUS")
    );
    run(&store, &mut s, "s");
    assert_eq!(s.rows.sort.column(), None);
    assert_eq!(names(&s), stored);
}

#[test]
fn space_folds_a_namespace_group_and_unfolds_it_again() {
    let store = testing::store();
    let mut s = fresh(&store);
    run(&store, &mut s, "jj");
    assert_eq!(selected_name(&s), "orders-db");
    assert_eq!(s.rows.namespace_of(s.current().selected), Some("team-a"));
    run(&store, &mut s, " ");
    assert_eq!(names(&s), ["orders-db", "[group]", "sessions"]);
    assert_eq!(s.current().selected, 1, "the folded group's heading");
    assert_eq!(s.rows.matching, 5, "folded rows still count");
    run(&store, &mut s, "<enter>");
    assert!(s.detail.is_none(), "Enter on a folded group unfolds it");
    assert_eq!(names(&s).len(), 5);
    assert_eq!(selected_name(&s), "orders-db-nightly");
    run(&store, &mut s, " ");
    run(&store, &mut s, " ");
    assert_eq!(names(&s).len(), 5);
    assert_eq!(selected_name(&s), "orders-db-nightly");
}

#[test]
fn f_puts_the_detail_full_screen_and_back() {
    let store = testing::store();
    let mut s = AppState::new((160, 48), Access::ReadWrite);
    update(&mut s, Action::StoreChanged, &store.read());
    run(&store, &mut s, "f");
    assert!(s.detail.is_none(), "f without a detail does nothing");
    run(&store, &mut s, "<enter>f");
    let d = s.detail.as_ref().unwrap();
    assert_eq!(d.size, super::detail::DetailSize::Full);
    let a = crate::tui::layout::areas(ratatui::layout::Rect::new(0, 0, 160, 48), Some(d.size));
    assert_eq!(a.list.height, 0);
    run(&store, &mut s, "f");
    assert_eq!(
        s.detail.as_ref().unwrap().size,
        super::detail::DetailSize::Beside
    );
}
