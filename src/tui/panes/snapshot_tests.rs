//! Snapshot tests of every view: TestBackend buffers (text and styles) at 80×24 and 160×48,
//! in the dark and light themes and with NO_COLOR.

use super::{Ctx, draw};
use crate::cluster::health::Link;
use crate::cluster::{ClusterId, ClusterState, Store};
use crate::tui::action::{Action, Edit};
use crate::tui::keymap::{Command, KeyMap};
use crate::tui::state::update::update;
use crate::tui::state::{Access, AppState};
use crate::tui::testing;
use crate::tui::theme::Theme;
use crate::tui::views::{VIEWS, ViewId};
use klutch::objects::ObjectClass;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::Duration;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

pub(super) fn themes() -> [(&'static str, Theme); 3] {
    let dark = Theme::default_theme();
    [
        ("nocolor", dark.without_color()),
        ("dark", dark),
        ("light", Theme::load("light", None).unwrap()),
    ]
}

pub(super) fn render(store: &Store, state: &AppState, theme: &Theme) -> String {
    let (w, h) = state.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    let keymap = KeyMap::default();
    let data = store.read();
    terminal
        .draw(|f| {
            let ctx = Ctx {
                state,
                store: &data,
                theme,
                keymap: &keymap,
                now: testing::now(),
            };
            draw(&ctx, f.area(), f.buffer_mut());
        })
        .unwrap();
    format!("{:?}", terminal.backend().buffer())
}

fn state_for(store: &Store, size: (u16, u16), actions: &[Action]) -> AppState {
    let mut state = AppState::new(size, Access::ReadWrite);
    state.clock = testing::now;
    let data = store.read();
    update(&mut state, Action::StoreChanged, &data);
    for a in actions {
        update(&mut state, a.clone(), &data);
    }
    state
}

#[test]
fn every_view_in_every_size_and_theme() {
    let store = testing::store();
    for view in VIEWS {
        for size in SIZES {
            let state = state_for(&store, size, &[Action::Command(Command::View(view.id))]);
            for (theme_name, theme) in themes() {
                let name = format!("{}_{}x{}_{theme_name}", view.id.0, size.0, size.1);
                insta::assert_snapshot!(name, render(&store, &state, &theme));
            }
        }
    }
}

#[test]
fn detail_pane_in_every_size_and_theme() {
    let store = testing::store();
    let open = [
        Action::Command(Command::Down),
        Action::Command(Command::OpenDetail),
    ];
    for size in SIZES {
        let state = state_for(&store, size, &open);
        assert!(state.detail.is_some());
        for (theme_name, theme) in themes() {
            let name = format!("detail_{}x{}_{theme_name}", size.0, size.1);
            insta::assert_snapshot!(name, render(&store, &state, &theme));
        }
    }
}

#[test]
fn help_filter_and_command_line() {
    let store = testing::store();
    let dark = Theme::default_theme();
    let help = state_for(&store, (80, 24), &[Action::Command(Command::Help)]);
    insta::assert_snapshot!("help_80x24_dark", render(&store, &help, &dark));
    let help = state_for(&store, (160, 48), &[Action::Command(Command::Help)]);
    insta::assert_snapshot!("help_160x48_dark", render(&store, &help, &dark));
    let mut typing = vec![Action::Command(Command::Filter)];
    typing.extend("orders".chars().map(|c| Action::Edit(Edit::Char(c))));
    let filter = state_for(&store, (80, 24), &typing);
    insta::assert_snapshot!("filter_typing_80x24_dark", render(&store, &filter, &dark));
    let mut bad = vec![Action::Command(Command::Filter)];
    bad.extend("app in x".chars().map(|c| Action::Edit(Edit::Char(c))));
    let bad = state_for(&store, (80, 24), &bad);
    insta::assert_snapshot!("filter_error_80x24_dark", render(&store, &bad, &dark));
}

#[test]
fn header_shows_reconnecting_and_missing_control_plane() {
    let store = testing::store();
    store.update(|d| {
        d.cluster_mut(ClusterId::App).link = Link::Down {
            since: testing::now(),
            attempts: 3,
            last_error: "Connection refused (os error 111)".into(),
            retry_in: Duration::from_secs(2),
        };
        *d.cluster_mut(ClusterId::ControlPlane) = ClusterState::default();
        for class in [ObjectClass::ExportTemplate, ObjectClass::Export] {
            for key in d.list(class).keys().cloned().collect::<Vec<_>>() {
                d.remove(class, &key);
            }
        }
    });
    let state = state_for(
        &store,
        (80, 24),
        &[Action::Command(Command::View(ViewId("exports")))],
    );
    let mut state = state;
    state.access = Access::ReadOnly;
    insta::assert_snapshot!(
        "header_states_80x24_dark",
        render(&store, &state, &Theme::default_theme())
    );
}

#[test]
fn long_reasons_and_failed_requests_read_in_full_at_160_columns() {
    let store = testing::store();
    let bind = "klutch.anynines.com/v1alpha1";
    store.update(|d| {
        d.apply(testing::object(
            serde_json::json!({"apiVersion": bind, "kind": "ClusterBinding",
                "metadata": {"name": "cluster", "namespace": "cluster-zz9",
                             "creationTimestamp": "2026-06-10T11:00:00Z"},
                "spec": {"providerPrettyName": "anynines"},
                "status": {"conditions": [{"type": "Ready", "status": "False",
                    "reason": "FirstHeartbeatPending",
                    "message": "waiting for the first heartbeat of the konnector"}]}}),
            ClusterId::ControlPlane,
        ));
        d.apply(testing::object(
            serde_json::json!({"apiVersion": bind, "kind": "APIServiceExportRequest",
                "metadata": {"name": "searchinstances.anynines.com", "namespace": "cluster-zz9",
                             "creationTimestamp": "2026-06-10T11:00:00Z"},
                "spec": {"resources": [{"group": "anynines.com", "resource": "searchinstances"}]},
                "status": {"phase": "Failed",
                    "terminalMessage": "no export template selects searchinstances.anynines.com",
                    "conditions": [{"type": "Ready", "status": "False", "reason": "TemplateNotFound"}]}}),
            ClusterId::ControlPlane,
        ));
    });
    let theme = Theme::default_theme().without_color();
    let cb = state_for(
        &store,
        (160, 48),
        &[Action::Command(Command::View(ViewId("clusterbindings")))],
    );
    let text = render(&store, &cb, &theme);
    // The operator view judges the heartbeat itself (never the backend's conditions).
    assert!(text.contains("◷ NoHeartbeatYet "), "{text}");
    assert!(
        text.contains("no heartbeat yet: no konnector has reached the Control Plane"),
        "{text}"
    );
    let requests = state_for(
        &store,
        (160, 48),
        &[Action::Command(Command::View(ViewId("requests")))],
    );
    let text = render(&store, &requests, &theme);
    assert!(text.contains("✗ Failed "), "{text}");
    assert!(!text.contains("TemplateNotFound"), "{text}");
    assert!(
        text.contains("no export template selects searchinstances.anynines.com"),
        "{text}"
    );
}

#[test]
fn a_long_list_shows_where_the_selection_is() {
    let store = Store::new();
    testing::many_claims(&store, 200);
    let theme = Theme::default_theme().without_color();
    let top = state_for(&store, (80, 24), &[]);
    let text = render(&store, &top, &theme);
    assert!(text.contains(" 1/200 "), "{text}");
    let bottom = state_for(&store, (80, 24), &[Action::Command(Command::Bottom)]);
    let text = render(&store, &bottom, &theme);
    assert!(text.contains(" 200/200 "), "{text}");
    // A short list has no indicator.
    let short = testing::store();
    let state = state_for(&short, (80, 24), &[]);
    assert!(!render(&short, &state, &theme).contains("/5 "));
}

#[test]
fn at_60_columns_tabs_follow_the_active_view_and_help_wraps() {
    let store = testing::store();
    let theme = Theme::default_theme().without_color();
    let state = state_for(
        &store,
        (60, 30),
        &[Action::Command(Command::View(ViewId("bindings")))],
    );
    let text = render(&store, &state, &theme);
    let tabs = text.lines().nth(5).unwrap_or_default();
    assert!(tabs.contains("6 Bindings") && tabs.contains('‹'), "{tabs}");
    let help = state_for(&store, (60, 40), &[Action::Command(Command::Help)]);
    let mut help = help;
    for _ in 0..60 {
        update(&mut help, Action::Command(Command::Down), &store.read());
    }
    let text = render(&store, &help, &theme);
    // The view names wrap onto more lines instead of being cut (":apiser…").
    assert!(text.contains(":apiserviceexportrequests"), "{text}");
    assert!(text.contains(":apiservicebindings"), "{text}");
    assert!(!text.contains("…│"), "{text}");
}

#[test]
fn empty_views_say_what_to_do_next() {
    let store = Store::new();
    let theme = Theme::default_theme().without_color();
    let state = state_for(&store, (120, 30), &[]);
    let text = render(&store, &state, &theme);
    assert!(
        text.contains("No claims yet — n makes one (B binds the APIs first when none are bound"),
        "{text}"
    );
    let state = state_for(
        &store,
        (120, 30),
        &[Action::Command(Command::View(ViewId("bindings")))],
    );
    let text = render(&store, &state, &theme);
    assert!(text.contains("bind first: klutch-tui bind URL"), "{text}");
}

#[test]
fn the_operator_view_puts_trouble_first() {
    let store = testing::store();
    let bind = "klutch.anynines.com/v1alpha1";
    let cluster = |ns: &str, last: &str| {
        testing::object(
            serde_json::json!({"apiVersion": bind, "kind": "ClusterBinding",
                "metadata": {"name": "cluster", "namespace": ns,
                             "creationTimestamp": "2026-06-10T08:00:00Z"},
                "spec": {"providerPrettyName": "anynines"},
                "status": {"lastHeartbeatTime": last, "heartbeatInterval": "5m0s",
                           "konnectorVersion": "v0.1.0",
                           // The backend's own view, which must not decide health.
                           "conditions": [{"type": "Ready", "status": "False",
                                           "reason": "HeartbeatTimeDrift"}]}}),
            ClusterId::ControlPlane,
        )
    };
    store.update(|d| {
        d.apply(cluster("cluster-aaa", "2026-06-10T11:59:30Z"));
        d.apply(cluster("cluster-zzz", "2026-06-10T11:00:00Z"));
    });
    let theme = Theme::default_theme().without_color();
    let state = state_for(
        &store,
        (160, 30),
        &[Action::Command(Command::View(ViewId("clusterbindings")))],
    );
    let order: Vec<String> = (0..state.rows.items.len())
        .filter_map(|i| state.rows.item(i).map(|e| e.key.namespace.clone()))
        .collect();
    assert_eq!(order, ["cluster-zzz", "cluster-8xk2p", "cluster-aaa"]);
    let text = render(&store, &state, &theme);
    assert!(text.contains("✗ HeartbeatLate"), "{text}");
    assert!(
        text.contains("konnector silent for 60m (heartbeat every 5m0s)"),
        "{text}"
    );
    assert!(!text.contains("HeartbeatTimeDrift"), "{text}");
    assert!(text.contains("v0.1.0"), "{text}");
}
