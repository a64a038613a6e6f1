//! More of the cockpit's actions as key strings: `:yaml` with its Secret and Events, jumping
//! through a claim's family, `$EDITOR` round trips, editing a Control Plane copy on purpose,
//! progress and failures of backups and restores, refusals on the wrong kind of object,
//! leaving the editor and its confirm without applying, and `--readonly` refusing every
//! mutating key and command (and leaving them out of the help) while reading stays possible.

use super::claims_tests::{fresh, reply, select, set_line, take_effects, text_of};
use super::dialog::Dialog;
use super::editor::{EditTarget, Phase};
use super::related::Extra;
use super::update::update;
use super::update_tests::selected_name;
use super::{Access, AppState, Mode};
use crate::cluster::{ClusterId, Store};
use crate::services::claims::related::{EventLine, Related, SecretView};
use crate::services::{ClaimRequest, Effect, Reply};
use crate::tui::action::Action;
use crate::tui::testing::run;

fn said(state: &AppState) -> String {
    state
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

fn one_request(state: &mut AppState) -> (u64, ClaimRequest) {
    match take_effects(state).as_slice() {
        [Effect::Claims { id, request }] => (*id, request.clone()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn yaml_shows_the_object_then_its_masked_secret_and_events() {
    let (store, mut s) = fresh(Access::ReadOnly);
    select(&store, &mut s, "orders-db-creds", ClusterId::App);
    run(&store, &mut s, "y");
    let (id, request) = one_request(&mut s);
    let ClaimRequest::Describe(target) = request else {
        panic!("{request:?}")
    };
    assert_eq!(target.name, "orders-db-creds");
    assert_eq!(target.plural, "servicebindings");
    assert_eq!(target.cluster, ClusterId::App);
    let detail = s.detail.as_ref().expect("the detail opens at once");
    assert_eq!(detail.extra, Some(Extra::Loading));
    assert!(detail.yaml.iter().any(|l| l == "kind: ServiceBinding"));
    assert!(detail.yaml.iter().any(|l| l.contains("reading…")));
    let related = Related {
        secret: Some(SecretView::Masked {
            namespace: "team-a".into(),
            name: "orders-db-creds-creds".into(),
            type_: Some("Opaque".into()),
            keys: vec![("password".into(), 6), ("username".into(), 5)],
            role: "the binding's credentials (x reveals them)".into(),
        }),
        events: Ok(vec![EventLine {
            type_: "Warning".into(),
            reason: "ReconcileError".into(),
            message: "data service instance was not found".into(),
            count: 3,
            last_seen: Some("2026-06-10T11:59:30Z".into()),
            source: "konnector".into(),
        }]),
    };
    reply(&store, &mut s, Reply::Described { id, related });
    let yaml = &s.detail.as_ref().unwrap().yaml;
    let object_end = yaml
        .iter()
        .position(|l| l == "---")
        .expect("a second document");
    assert!(
        yaml[..object_end]
            .iter()
            .any(|l| l.contains("orders-db-creds"))
    );
    let rest = yaml[object_end..].join("\n");
    assert!(rest.contains("kind: Secret\nmetadata:\n  name: orders-db-creds-creds"));
    assert!(rest.contains("  password: '•••••• (6 bytes)'"), "{rest}");
    assert!(rest.contains("- type: Warning\n  reason: ReconcileError\n  count: 3"));
    assert!(rest.contains("message: data service instance was not found"));
    // A reply for an object no longer shown changes nothing; a failure is said.
    run(&store, &mut s, "<esc>");
    select(&store, &mut s, "orders-db", ClusterId::ControlPlane);
    run(&store, &mut s, ":yaml<enter>");
    let (id, request) = one_request(&mut s);
    assert!(
        matches!(&request, ClaimRequest::Describe(t) if t.cluster == ClusterId::ControlPlane && t.namespace == "cluster-8xk2p"),
        "{request:?}"
    );
    let message = "PostgresqlInstance cluster-8xk2p/orders-db is gone".to_string();
    reply(&store, &mut s, Reply::Failed { id, message });
    assert!(said(&s).contains("is gone"));
    let extra = s.detail.as_ref().unwrap().extra.clone();
    assert!(matches!(extra, Some(Extra::Failed(m)) if m.contains("is gone")));
}

#[test]
fn yaml_without_a_secret_says_there_are_no_events() {
    let (store, mut s) = fresh(Access::ReadWrite);
    select(&store, &mut s, "sessions", ClusterId::App);
    run(&store, &mut s, "y");
    let (id, _) = one_request(&mut s);
    let related = Related {
        secret: None,
        events: Ok(vec![]),
    };
    reply(&store, &mut s, Reply::Described { id, related });
    let yaml = s.detail.as_ref().unwrap().yaml.join("\n");
    assert!(!yaml.contains("kind: Secret"));
    assert!(yaml.ends_with("---\n# Events: none about KeyvalueInstance sessions in its cluster"));
}

#[test]
fn related_narrows_to_the_family_then_jumps_through_it() {
    let (store, mut s) = fresh(Access::ReadOnly);
    select(&store, &mut s, "orders-db", ClusterId::App);
    run(&store, &mut s, "r");
    assert_eq!(s.rows.items.len(), 3, "instance, binding, backup");
    assert_eq!(selected_name(&s), "orders-db", "the selection stays");
    let mut seen = Vec::new();
    for _ in 0..3 {
        run(&store, &mut s, "r");
        seen.push(selected_name(&s));
    }
    assert_eq!(seen, ["orders-db-creds", "orders-db-nightly", "orders-db"]);
    // With the detail open, it follows the jump.
    run(&store, &mut s, "<enter>:related<enter>");
    assert_eq!(s.detail.as_ref().unwrap().key.name, "orders-db-creds");
    run(&store, &mut s, "<esc><esc>");
    assert!(s.rows.items.len() > 3, "esc shows all again");
    // Nothing selected: nothing to relate.
    run(&store, &mut s, "/no-such-object<enter>r");
    assert!(said(&s).contains("select a claim first"));
}

#[test]
fn external_editor_round_trip_validates_and_submits() {
    let (store, mut s) = fresh(Access::ReadWrite);
    select(&store, &mut s, "orders-db", ClusterId::App);
    run(&store, &mut s, "E");
    let (target, text) = s.external.clone().expect("handed to $EDITOR");
    assert!(matches!(
        &target,
        EditTarget::Existing {
            cluster: ClusterId::App,
            ..
        }
    ));
    assert!(text.contains("plan: postgresql-single-small"));
    // The editor saved a plan the rules refuse: shown inline, nothing sent.
    let bad = text.replace("postgresql-single-small", "postgresql-single-huge");
    update(&mut s, Action::ExternalEdited(Ok(bad)), &store.read());
    assert_eq!(s.mode, Mode::Edit);
    assert!(take_effects(&mut s).is_empty(), "nothing is sent");
    assert!(said(&s).contains("nothing was sent"), "{}", said(&s));
    run(&store, &mut s, "<esc>y");
    // A good one is submitted for the dry-run at once.
    run(&store, &mut s, ":edit!<enter>");
    let (_, text) = s.external.clone().unwrap();
    let good = text.replace("postgresql-single-small", "postgresql-single-big");
    update(&mut s, Action::ExternalEdited(Ok(good)), &store.read());
    let (_, request) = one_request(&mut s);
    assert!(matches!(&request, ClaimRequest::Plan { text, .. } if text.contains("single-big")));
    assert!(matches!(
        s.editor.as_ref().unwrap().phase,
        Phase::Checking(_)
    ));
    run(&store, &mut s, "<esc><esc>y");
    assert!(s.editor.is_none());
    // An editor that fails leaves everything as it was.
    run(&store, &mut s, "E");
    let why = "vi ended with exit status: 1; nothing changed".to_string();
    update(&mut s, Action::ExternalEdited(Err(why)), &store.read());
    assert!(s.external.is_none() && s.editor.is_none());
    assert!(said(&s).contains("nothing changed"));
}

#[test]
fn leaving_the_editor_or_its_confirm_applies_nothing() {
    let (store, mut s) = fresh(Access::ReadWrite);
    select(&store, &mut s, "orders-db", ClusterId::App);
    run(&store, &mut s, "e");
    set_line(&store, &mut s, "plan:", "  plan: postgresql-single-big");
    run(&store, &mut s, "<c-s>");
    let (id, _) = one_request(&mut s);
    let planned = Reply::Planned {
        id,
        summary: vec!["postgresqlinstance.anynines.com/orders-db configured".into()],
        diff: "-  plan: postgresql-single-small\n+  plan: postgresql-single-big\n".into(),
    };
    reply(&store, &mut s, planned);
    // n and esc go back to editing; keys other than y do nothing.
    run(&store, &mut s, "qx<enter>");
    assert!(matches!(
        s.editor.as_ref().unwrap().phase,
        Phase::Confirm { .. }
    ));
    run(&store, &mut s, "<esc>");
    assert_eq!(s.editor.as_ref().unwrap().phase, Phase::Editing);
    assert!(take_effects(&mut s).is_empty(), "nothing applied");
    assert!(text_of(&s).contains("single-big"), "the edit is kept");
    // Ctrl-C with unsaved changes asks too; n keeps editing, esc as well.
    run(&store, &mut s, "<c-c>");
    assert_eq!(s.editor.as_ref().unwrap().phase, Phase::Leaving);
    run(&store, &mut s, "<esc>");
    assert_eq!(s.editor.as_ref().unwrap().phase, Phase::Editing);
    run(&store, &mut s, "<c-c>y");
    assert!(s.editor.is_none() && take_effects(&mut s).is_empty());
}

#[test]
fn editing_the_control_plane_copy_is_asked_for_and_goes_there() {
    let (store, mut s) = fresh(Access::ReadWrite);
    select(&store, &mut s, "orders-db", ClusterId::App);
    run(&store, &mut s, ":edit --control-plane<enter>");
    assert!(
        matches!(&s.dialog, Some(Dialog::ControlPlaneEdit { target }) if target.namespace == "cluster-8xk2p")
    );
    run(&store, &mut s, "n");
    assert!(s.dialog.is_none() && s.editor.is_none());
    run(&store, &mut s, ":edit --control-plane<enter>y");
    let editor = s.editor.as_ref().expect("the editor opens");
    assert!(matches!(
        &editor.target,
        EditTarget::Existing {
            cluster: ClusterId::ControlPlane,
            ..
        }
    ));
    assert!(text_of(&s).contains("CONTROL PLANE copy"));
    // The copy lacks the compositionRef the rules need: said, and nothing goes anywhere.
    let problem = &s.editor.as_ref().unwrap().problems[0].text;
    assert!(
        problem.contains("compositionRef.name is not set"),
        "{problem}"
    );
    run(&store, &mut s, "<c-s>");
    assert!(take_effects(&mut s).is_empty());
    let fixed = "  plan: postgresql-single-small\n  compositionRef:\n    name: a9s-postgresql";
    set_line(&store, &mut s, "plan:", fixed);
    assert_eq!(s.editor.as_ref().unwrap().problems, [], "{}", text_of(&s));
    run(&store, &mut s, "<c-s>");
    let (_, request) = one_request(&mut s);
    assert!(matches!(
        request,
        ClaimRequest::Plan {
            cluster: ClusterId::ControlPlane,
            ..
        }
    ));
}

#[test]
fn backup_and_restore_progress_and_failure_reach_the_message_line() {
    let (store, mut s) = fresh(Access::ReadWrite);
    select(&store, &mut s, "orders-db", ClusterId::ControlPlane);
    run(&store, &mut s, ":backup<enter>");
    let (id, request) = one_request(&mut s);
    assert!(
        matches!(&request, ClaimRequest::Backup { namespace, .. } if namespace == "team-a"),
        "a Control Plane copy is backed up through its App object: {request:?}"
    );
    assert!(said(&s).contains("backup of team-a/orders-db: starting"));
    let text = "backup team-a/orders-db-1: Running".to_string();
    reply(&store, &mut s, Reply::Progress { id, text });
    assert_eq!(said(&s), "backup team-a/orders-db-1: Running");
    assert!(s.pending.contains_key(&id), "still followed");
    let message = "backup team-a/orders-db-1 failed (Failed): the broker is down".to_string();
    reply(&store, &mut s, Reply::Failed { id, message });
    assert!(said(&s).contains("the broker is down"));
    assert!(s.pending.is_empty());
    select(&store, &mut s, "orders-db-nightly", ClusterId::App);
    run(&store, &mut s, ":restore<enter>y");
    let (id, _) = one_request(&mut s);
    let text = "restore team-a/orders-db-nightly-1: done".to_string();
    reply(&store, &mut s, Reply::Done { id, text });
    assert!(said(&s).ends_with(": done"));
    // On the wrong kind of object each says what it works on.
    select(&store, &mut s, "orders-db", ClusterId::App);
    run(&store, &mut s, "R");
    assert!(said(&s).contains("R restores a Backup"));
    run(&store, &mut s, "x");
    assert!(said(&s).contains("x shows a ServiceBinding's credentials"));
    assert!(take_effects(&mut s).is_empty());
}

#[test]
fn readonly_refuses_every_mutating_key_and_command() {
    let (store, mut s) = fresh(Access::ReadOnly);
    let refused = |store: &Store, s: &mut AppState, keys: &str| {
        run(store, s, keys);
        assert_eq!(s.mode, Mode::Normal, "{keys}");
        assert!(s.editor.is_none() && s.dialog.is_none(), "{keys}");
        assert!(s.external.is_none(), "{keys}");
        assert!(take_effects(s).is_empty(), "{keys}");
        assert!(said(s).contains("read-only"), "{keys}: {}", said(s));
        s.message = None;
    };
    select(&store, &mut s, "orders-db", ClusterId::App);
    for keys in [
        "e",
        "E",
        "n",
        "b",
        "d",
        "<c-d>",
        ":edit<enter>",
        ":edit!<enter>",
        ":edit --control-plane<enter>",
        ":new postgresqlinstance<enter>",
        ":backup<enter>",
        ":delete<enter>",
    ] {
        refused(&store, &mut s, keys);
    }
    select(&store, &mut s, "orders-db-nightly", ClusterId::App);
    refused(&store, &mut s, "R");
    refused(&store, &mut s, ":restore<enter>");
    // The Control Plane copy is no way around it.
    select(&store, &mut s, "orders-db", ClusterId::ControlPlane);
    refused(&store, &mut s, "e");
    refused(&store, &mut s, "d");
    // Reading still works: yaml, pair, related.
    run(&store, &mut s, "y");
    assert_eq!(take_effects(&mut s).len(), 1);
    run(&store, &mut s, "<esc>p");
    assert!(s.detail.as_ref().is_some_and(|d| d.pair.is_some()));
    run(&store, &mut s, "<esc>r");
    assert_eq!(s.rows.items.len(), 1, "the copy's family on its cluster");
    // The help leaves the refused keys out and says why.
    let keymap = crate::tui::keymap::KeyMap::default();
    let help = crate::tui::panes::help::help_lines(&keymap, s.table, true);
    let described = |text: &str| help.iter().any(|(_, d)| d.contains(text));
    assert!(described("keys that change claims are off"));
    assert!(!described("Edit the selected claim") && !described("Back up"));
    assert!(!described("Delete the selected claim") && !described("New claim"));
    assert!(described("credentials") && described("YAML of the selected object"));
}
