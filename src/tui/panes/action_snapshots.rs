//! Snapshots of the claim actions' panes: the editor with a problem marked, the server's
//! diff to confirm, the paired view wide and stacked, the deletion dialog, and credentials
//! masked and revealed — in the dark and light themes and with NO_COLOR.

use super::snapshot_tests::{render, themes};
use crate::cluster::{ClusterId, Store};
use crate::services::Reply;
use crate::services::requests::Secrets;
use crate::tui::action::Action;
use crate::tui::state::update::update;
use crate::tui::state::{Access, AppState};
use crate::tui::testing::{self, run};

fn bound() -> Store {
    let store = testing::store();
    testing::bind_claims(&store);
    store
}

/// A state of `size` after `keys`, at the fixtures' time.
pub(super) fn state(store: &Store, size: (u16, u16), keys: &str) -> AppState {
    let mut s = AppState::new(size, Access::ReadWrite);
    s.clock = testing::now;
    update(&mut s, Action::StoreChanged, &store.read());
    run(store, &mut s, keys);
    s
}

/// Snapshot the frame of `s` in every theme, named after `name` and the size.
pub(super) fn snap(name: &str, store: &Store, s: &AppState) {
    for (theme_name, theme) in themes() {
        let (w, h) = s.size;
        insta::assert_snapshot!(
            format!("{name}_{w}x{h}_{theme_name}"),
            render(store, s, &theme)
        );
    }
}

/// `jj` selects team-a's PostgresqlInstance orders-db in the App Cluster.
const PG: &str = "jj";

fn replace_plan(store: &Store, s: &mut AppState, plan: &str) {
    let editor = s.editor.as_mut().unwrap();
    let row = editor
        .area
        .lines()
        .iter()
        .position(|l| l.trim_start().starts_with("plan:"))
        .unwrap();
    editor
        .area
        .move_cursor(ratatui_textarea::CursorMove::Jump(row as u16, 0));
    editor.area.delete_line_by_end();
    editor.area.insert_str(format!("  plan: {plan}"));
    editor.checked = false;
    update(s, Action::Validate, &store.read());
}

#[test]
fn the_editor_with_a_refused_plan() {
    let store = bound();
    let mut s = state(&store, (120, 36), &format!("{PG}e"));
    replace_plan(&store, &mut s, "postgresql-single-huge");
    snap("editor_refused_plan", &store, &s);
}

#[test]
fn the_diff_to_confirm() {
    let store = bound();
    let mut s = state(&store, (120, 36), &format!("{PG}e"));
    replace_plan(&store, &mut s, "postgresql-single-big");
    run(&store, &mut s, "<c-s>");
    let id = s.pending.keys().next().copied().unwrap();
    update(
        &mut s,
        Action::Reply(Reply::Planned {
            id,
            summary: vec!["postgresqlinstance.anynines.com/orders-db configured".into()],
            diff: "--- live\n+++ applied\n@@ -3,2 +3,2 @@\n spec:\n-  plan: postgresql-single-small\n+  plan: postgresql-single-big\n".into(),
        }),
        &store.read(),
    );
    snap("editor_diff_confirm", &store, &s);
}

#[test]
fn the_paired_view_wide_and_stacked() {
    let store = bound();
    for size in [(160, 48), (100, 40)] {
        let s = state(&store, size, &format!("{PG}p"));
        assert!(s.detail.as_ref().is_some_and(|d| d.pair.is_some()));
        snap("paired", &store, &s);
    }
}

#[test]
fn the_delete_dialog() {
    let store = bound();
    let s = state(&store, (100, 30), &format!("{PG}dorders"));
    snap("delete_confirm", &store, &s);
}

#[test]
fn the_restore_dialog() {
    let store = bound();
    let s = state(&store, (100, 30), "/nightly<enter>R");
    let text = render(&store, &s, &themes()[0].1);
    assert!(
        text.contains("Backup team-a/orders-db-nightly will be restored into instance"),
        "{text}"
    );
    assert!(
        text.contains("This backup failed (Unavailable): a restore of it fails"),
        "{text}"
    );
    snap("restore_confirm", &store, &s);
}

#[test]
fn credentials_masked_then_revealed() {
    let store = bound();
    let mut s = state(&store, (100, 30), "jjjx");
    let id = s.pending.keys().next().copied().unwrap();
    let values = Secrets(
        [
            ("host".to_string(), "orders-db.team-a.svc".to_string()),
            ("password".to_string(), "s3cr3t-pa55".to_string()),
            ("username".to_string(), "a9s-user".to_string()),
        ]
        .into(),
    );
    update(
        &mut s,
        Action::Reply(Reply::Credentials {
            id,
            secret: "orders-db-creds-creds".into(),
            values,
        }),
        &store.read(),
    );
    snap("credentials_masked", &store, &s);
    let masked = render(&store, &s, &themes()[0].1);
    assert!(!masked.contains("s3cr3t-pa55"), "{masked}");
    run(&store, &mut s, "x");
    snap("credentials_revealed", &store, &s);
    assert!(render(&store, &s, &themes()[0].1).contains("s3cr3t-pa55"));
    let _ = ClusterId::App;
}
