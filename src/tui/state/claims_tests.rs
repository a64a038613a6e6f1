//! The cockpit's claim actions as key strings: the editor (checked as typed, refused plans
//! never sent, dry-run diff confirmed before applying, leaving with unsaved changes asks),
//! new claims, backups and restores, deletion behind a typed name, credentials masked until
//! revealed, a claim's family, the paired view, and `--readonly` refusing every change.

use super::dialog::Dialog;
use super::editor::{EditTarget, Phase};
use super::update::update;
use super::{Access, AppState, Mode};
use crate::cluster::{ClusterId, Store};
use crate::services::requests::Secrets;
use crate::services::{ClaimRequest, Effect, Reply};
use crate::tui::action::Action;
use crate::tui::testing::{self, run};

pub(super) fn fresh(access: Access) -> (Store, AppState) {
    let store = testing::store();
    testing::bind_claims(&store);
    let mut state = AppState::new((160, 48), access);
    state.clock = testing::now;
    update(&mut state, Action::StoreChanged, &store.read());
    (store, state)
}

/// Select the row whose name (and cluster) match.
pub(super) fn select(store: &Store, state: &mut AppState, name: &str, cluster: ClusterId) {
    run(store, state, "g");
    for _ in 0..state.rows.items.len() {
        let e = state.rows.item(state.current().selected).cloned();
        if e.is_some_and(|e| e.key.name == name && e.key.cluster == cluster) {
            return;
        }
        run(store, state, "j");
    }
    panic!("no row {name} on {cluster:?}");
}

pub(super) fn text_of(state: &AppState) -> String {
    state.editor.as_ref().map(|e| e.text()).unwrap_or_default()
}

/// Replace the editor's line that starts with `prefix` (after indentation) by `line`.
pub(super) fn set_line(store: &Store, state: &mut AppState, prefix: &str, line: &str) {
    let editor = state.editor.as_mut().unwrap();
    let row = editor
        .area
        .lines()
        .iter()
        .position(|l| l.trim_start().starts_with(prefix))
        .unwrap_or_else(|| panic!("no line {prefix}"));
    editor
        .area
        .move_cursor(ratatui_textarea::CursorMove::Jump(row as u16, 0));
    editor.area.delete_line_by_end();
    editor.area.insert_str(line);
    editor.checked = false;
    update(state, Action::Validate, &store.read());
}

pub(super) fn take_effects(state: &mut AppState) -> Vec<Effect> {
    std::mem::take(&mut state.effects)
}

pub(super) fn reply(store: &Store, state: &mut AppState, r: Reply) {
    update(state, Action::Reply(r), &store.read());
}

#[test]
fn a_plan_the_rules_refuse_is_shown_at_its_line_and_never_sent() {
    let (store, mut s) = fresh(Access::ReadWrite);
    select(&store, &mut s, "orders-db", ClusterId::App);
    run(&store, &mut s, "e");
    assert_eq!(s.mode, Mode::Edit);
    assert!(
        text_of(&s).contains("plan: postgresql-single-small"),
        "{}",
        text_of(&s)
    );
    let editor = s.editor.as_ref().unwrap();
    assert!(editor.problems.is_empty(), "{:?}", editor.problems);
    set_line(&store, &mut s, "plan:", "  plan: postgresql-single-huge");
    let editor = s.editor.as_ref().unwrap();
    let line = editor
        .area
        .lines()
        .iter()
        .position(|l| l.contains("single-huge"))
        .unwrap() as u32
        + 1;
    let p = editor
        .problem_on(line)
        .expect("a problem on the plan's line");
    assert!(
        p.text.contains("Unsupported plan used for postgresql"),
        "{p:?}"
    );
    assert!(p.text.contains("valid plans for a9s-postgresql15"), "{p:?}");
    run(&store, &mut s, "<c-s>");
    assert!(take_effects(&mut s).is_empty(), "nothing is sent");
    let said = &s.message.as_ref().unwrap().text;
    assert!(said.contains("nothing was sent"), "{said}");
    assert_eq!(s.editor.as_ref().unwrap().phase, Phase::Editing);
    // Leaving with unsaved changes asks; n edits on, y leaves.
    run(&store, &mut s, "<esc>");
    assert_eq!(s.editor.as_ref().unwrap().phase, Phase::Leaving);
    run(&store, &mut s, "n");
    assert_eq!(s.editor.as_ref().unwrap().phase, Phase::Editing);
    run(&store, &mut s, "<esc>y");
    assert!(s.editor.is_none());
    assert_eq!(s.mode, Mode::Normal);
}

#[test]
fn a_valid_edit_is_dry_run_shown_as_a_diff_and_applied_on_y() {
    let (store, mut s) = fresh(Access::ReadWrite);
    select(&store, &mut s, "orders-db", ClusterId::App);
    run(&store, &mut s, "e");
    set_line(&store, &mut s, "plan:", "  plan: postgresql-single-big");
    assert!(s.editor.as_ref().unwrap().problems.is_empty());
    run(&store, &mut s, "<c-s>");
    let effects = take_effects(&mut s);
    let [
        Effect::Claims {
            id,
            request: ClaimRequest::Plan { text, cluster },
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(*cluster, ClusterId::App);
    assert!(text.contains("postgresql-single-big"));
    reply(
        &store,
        &mut s,
        Reply::Planned {
            id: *id,
            summary: vec!["postgresqlinstance.anynines.com/orders-db configured".into()],
            diff: "-  plan: postgresql-single-small\n+  plan: postgresql-single-big\n".into(),
        },
    );
    let Phase::Confirm { diff, .. } = &s.editor.as_ref().unwrap().phase else {
        panic!("{:?}", s.editor)
    };
    assert_eq!(diff.len(), 2);
    run(&store, &mut s, "y");
    let effects = take_effects(&mut s);
    let [
        Effect::Claims {
            id,
            request: ClaimRequest::Apply { force: false, .. },
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    reply(
        &store,
        &mut s,
        Reply::Done {
            id: *id,
            text: "postgresqlinstance.anynines.com/orders-db configured".into(),
        },
    );
    assert!(s.editor.is_none());
    assert!(s.message.as_ref().unwrap().text.starts_with("applied:"));
}

#[test]
fn a_server_refusal_comes_back_into_the_editor() {
    let (store, mut s) = fresh(Access::ReadWrite);
    select(&store, &mut s, "orders-db", ClusterId::App);
    run(&store, &mut s, "e<c-s>");
    let effects = take_effects(&mut s);
    let [Effect::Claims { id, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    reply(
        &store,
        &mut s,
        Reply::Refused {
            id: *id,
            problems: vec![(9, 3, "spec.plan: Unsupported plan".into())],
        },
    );
    let editor = s.editor.as_ref().unwrap();
    assert_eq!(editor.phase, Phase::Editing);
    assert_eq!(editor.problem_on(9).map(|p| p.column), Some(3));
}

#[test]
fn a_new_claim_starts_valid_from_the_schema() {
    let (store, mut s) = fresh(Access::ReadWrite);
    select(&store, &mut s, "sessions", ClusterId::App);
    run(&store, &mut s, "n");
    let editor = s.editor.as_ref().expect("the editor opens");
    assert!(matches!(&editor.target, EditTarget::New { kind } if kind == "KeyvalueInstance"));
    assert!(
        editor.text().contains("# one of: a9s-keyvalue8"),
        "{}",
        editor.text()
    );
    assert!(editor.problems.is_empty(), "{:?}", editor.problems);
    run(&store, &mut s, "<esc>");
    assert!(s.editor.is_none(), "unchanged: leaving does not ask");
    run(&store, &mut s, ":new mongodbinstance<enter>");
    assert!(
        matches!(&s.editor.as_ref().unwrap().target, EditTarget::New { kind } if kind == "MongodbInstance")
    );
}

#[test]
fn readonly_refuses_every_change_and_says_why() {
    let (store, mut s) = fresh(Access::ReadOnly);
    select(&store, &mut s, "orders-db", ClusterId::App);
    for keys in ["e", "E", "n", "b", "d", ":new<enter>", ":delete<enter>"] {
        run(&store, &mut s, keys);
        assert_eq!(s.mode, Mode::Normal, "{keys}");
        assert!(s.editor.is_none() && s.dialog.is_none(), "{keys}");
        assert!(take_effects(&mut s).is_empty(), "{keys}");
        assert!(
            s.message.as_ref().unwrap().text.contains("read-only"),
            "{keys}"
        );
    }
    // Reading is fine.
    select(&store, &mut s, "orders-db-creds", ClusterId::App);
    run(&store, &mut s, "x");
    assert_eq!(take_effects(&mut s).len(), 1);
}

#[test]
fn backup_on_an_instance_and_restore_on_a_backup() {
    let (store, mut s) = fresh(Access::ReadWrite);
    select(&store, &mut s, "orders-db", ClusterId::App);
    run(&store, &mut s, "b");
    let effects = take_effects(&mut s);
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Claims { request: ClaimRequest::Backup { namespace, instance }, .. }]
                if namespace == "team-a" && instance == "postgresqlinstance/orders-db"
        ),
        "{effects:?}"
    );
    select(&store, &mut s, "orders-db-nightly", ClusterId::App);
    run(&store, &mut s, "b");
    assert!(take_effects(&mut s).is_empty());
    assert!(
        s.message
            .as_ref()
            .unwrap()
            .text
            .contains("backs up a data service instance")
    );
    // A restore replaces the instance's data: it is asked first; n and esc keep the data.
    run(&store, &mut s, "R");
    assert_eq!(s.mode, Mode::Dialog);
    assert!(
        matches!(&s.dialog, Some(Dialog::Restore { backup, instance, .. })
            if backup == "orders-db-nightly" && instance.as_deref() == Some("orders-db")),
        "{:?}",
        s.dialog
    );
    run(&store, &mut s, "n");
    run(&store, &mut s, "R<esc>");
    assert!(take_effects(&mut s).is_empty());
    assert_eq!((s.mode, &s.dialog), (Mode::Normal, &None));
    run(&store, &mut s, "Ry");
    let effects = take_effects(&mut s);
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Claims { request: ClaimRequest::Restore { backup, .. }, .. }] if backup == "orders-db-nightly"
        ),
        "{effects:?}"
    );
}

#[test]
fn deleting_an_instance_needs_its_name_and_nothing_else_confirms() {
    let (store, mut s) = fresh(Access::ReadWrite);
    select(&store, &mut s, "orders-db", ClusterId::App);
    run(&store, &mut s, "d");
    assert_eq!(s.mode, Mode::Dialog);
    run(&store, &mut s, "y<enter>orders<enter>");
    assert!(
        take_effects(&mut s).is_empty(),
        "a wrong name deletes nothing"
    );
    assert_eq!(s.mode, Mode::Dialog, "and stays in the dialog");
    assert!(
        s.message
            .as_ref()
            .unwrap()
            .text
            .contains("type orders-db exactly")
    );
    run(&store, &mut s, "<esc>");
    assert!(s.dialog.is_none());
    run(&store, &mut s, "dorders-db<enter>");
    let effects = take_effects(&mut s);
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Claims { request: ClaimRequest::Delete(t), .. }]
                if t.name == "orders-db" && t.cluster == ClusterId::App && t.plural == "postgresqlinstances"
        ),
        "{effects:?}"
    );
    // A binding asks yes or no.
    select(&store, &mut s, "orders-db-creds", ClusterId::App);
    run(&store, &mut s, "<c-d>n");
    assert!(take_effects(&mut s).is_empty());
    run(&store, &mut s, "dy");
    assert_eq!(take_effects(&mut s).len(), 1);
}

#[test]
fn credentials_are_masked_until_revealed_and_copied_on_c() {
    let (store, mut s) = fresh(Access::ReadWrite);
    select(&store, &mut s, "orders-db-creds", ClusterId::App);
    run(&store, &mut s, "x");
    let effects = take_effects(&mut s);
    let [
        Effect::Claims {
            id,
            request: ClaimRequest::Credentials { binding, .. },
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(binding, "orders-db-creds");
    let values = Secrets([("password".to_string(), "s3cret".to_string())].into());
    assert_eq!(
        format!("{values:?}"),
        "[\"password\"]",
        "Debug shows keys only"
    );
    reply(
        &store,
        &mut s,
        Reply::Credentials {
            id: *id,
            secret: "orders-db-creds-creds".into(),
            values,
        },
    );
    assert!(matches!(
        s.dialog,
        Some(Dialog::Credentials {
            revealed: false,
            ..
        })
    ));
    run(&store, &mut s, "x");
    assert!(matches!(
        s.dialog,
        Some(Dialog::Credentials { revealed: true, .. })
    ));
    run(&store, &mut s, "c");
    assert_eq!(s.clipboard.as_deref(), Some("password=s3cret"));
    run(&store, &mut s, "<esc>");
    assert_eq!(s.mode, Mode::Normal);
}

#[test]
fn related_shows_the_family_and_actions_on_a_copy_act_on_the_app_object() {
    let (store, mut s) = fresh(Access::ReadWrite);
    select(&store, &mut s, "orders-db-creds", ClusterId::App);
    run(&store, &mut s, "r");
    let names: Vec<String> = (0..s.rows.items.len())
        .filter_map(|i| s.rows.item(i).map(|e| e.key.name.clone()))
        .collect();
    assert_eq!(names, ["orders-db-nightly", "orders-db", "orders-db-creds"]);
    run(&store, &mut s, "<esc>");
    // The Control Plane copy: editing goes to the App object.
    select(&store, &mut s, "orders-db", ClusterId::ControlPlane);
    run(&store, &mut s, "e");
    let said = s.message.as_ref().map(|m| m.text.clone());
    match &s
        .editor
        .as_ref()
        .unwrap_or_else(|| panic!("{said:?}"))
        .target
    {
        EditTarget::Existing { label, cluster, .. } => {
            assert_eq!(label, "PostgresqlInstance team-a/orders-db");
            assert_eq!(*cluster, ClusterId::App);
        }
        other => panic!("{other:?}"),
    }
    run(&store, &mut s, "<esc>");
    // The paired view finds both sides.
    run(&store, &mut s, "p");
    let pair = s
        .detail
        .as_ref()
        .and_then(|d| d.pair.as_ref())
        .expect("paired");
    assert!(pair.app.is_some() && pair.control_plane.is_some());
    assert!(pair.missing().is_none());
}
