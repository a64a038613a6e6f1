//! The claim editor's actions: a new claim from the kind's schema, an existing claim's YAML
//! (what a person owns of it), `$EDITOR` instead, checking as it is typed against the CRDs
//! the App Cluster serves, and submission — a server dry-run whose diff is confirmed before
//! anything is applied. Replies to those requests move the editor's phase on.

use super::claims::{control_plane_copy, object_ref, request, selected, target};
use super::dialog::{Dialog, Pending};
use super::editor::{EditTarget, Editor, Phase};
use super::{Access, AppState, Mode};
use crate::cluster::{ClusterId, Entry, Level, RowKey, StoreData};
use crate::services::{ClaimRequest, ObjectRef, Reply};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use klutch::claims::catalog::Catalog;
use klutch::claims::{draft, skeleton};
use klutch::objects::ObjectClass;
use serde_json::Value;

/// The claim kinds the App Cluster serves, compiled once per set of CRDs (a cheap handle).
pub fn catalog(state: &mut AppState, store: &StoreData) -> Catalog {
    let generation = store.claim_crds_generation();
    match &state.catalog {
        Some((g, c)) if *g == generation => c.clone(),
        _ => {
            let crds = store.claim_crds().values().map(|c| (**c).clone());
            let catalog = Catalog::from_crds(crds);
            state.catalog = Some((generation, catalog.clone()));
            catalog
        }
    }
}

/// `:new [KIND]`: a new claim from the kind's schema, in the editor.
pub fn new_claim(state: &mut AppState, store: &StoreData, kind: Option<&str>) {
    let picked = selected(state)
        .filter(|e| e.class == ObjectClass::Claim)
        .map(|e| (e.key.kind.clone(), e.key.namespace.clone(), e.key.cluster));
    let catalog = catalog(state, store);
    if catalog.is_empty() {
        let text = "no claim kinds in the App Cluster yet: bind an API first (:bind, or klutch-tui bind URL)";
        state.say(Level::Error, text);
        return;
    }
    let wanted = match kind {
        Some(k) => k.to_string(),
        None => picked
            .as_ref()
            .map(|p| p.0.clone())
            .filter(|k| catalog.find(k).is_some())
            .unwrap_or_else(|| "PostgresqlInstance".into()),
    };
    let served = catalog
        .find(&wanted)
        .or_else(|| kind.is_none().then(|| catalog.kinds().first()).flatten());
    let Some(served) = served else {
        let known = catalog.kind_names();
        state.say(
            Level::Error,
            format!(":new {wanted}: the App Cluster serves no such claim kind (it serves {known})"),
        );
        return;
    };
    let Some(sk) = skeleton::skeleton(served) else {
        let text = format!("{} has no schema to start a claim from", served.kind);
        state.say(Level::Error, text);
        return;
    };
    let namespace = match &picked {
        Some((_, ns, ClusterId::App)) => ns.clone(),
        _ => "default".into(),
    };
    let name = format!(
        "my-{}",
        served.kind.to_lowercase().trim_end_matches("instance")
    );
    let text = draft::yaml(&sk, name.trim_end_matches('-'), &namespace);
    let kind = served.kind.clone();
    open_editor(state, store, EditTarget::New { kind }, &text);
}

/// YAML of a claim as a person edits it: what they own (no status, no server bookkeeping).
pub fn editable_yaml(e: &Entry, cluster: ClusterId) -> String {
    let mut v = e.value();
    if let Some(map) = v.as_object_mut() {
        map.remove("status");
    }
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        for k in [
            "uid",
            "resourceVersion",
            "generation",
            "creationTimestamp",
            "managedFields",
            "finalizers",
            "ownerReferences",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ] {
            meta.remove(k);
        }
        if let Some(ann) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            ann.remove("kubectl.kubernetes.io/last-applied-configuration");
            if ann.is_empty() {
                meta.remove("annotations");
            }
        }
    }
    let body = serde_saphyr::to_string(&v).unwrap_or_default();
    let place = match cluster {
        ClusterId::App => "the App Cluster",
        ClusterId::ControlPlane => "the CONTROL PLANE copy (the konnector may put it back)",
    };
    format!(
        "# Editing {} {}/{} in {place}. ctrl-s checks it and shows the diff; esc leaves.\n{body}",
        e.key.kind, e.key.namespace, e.key.name
    )
}

pub(super) enum Where {
    Inline,
    External,
}

pub(super) fn edit(state: &mut AppState, store: &StoreData, place: Where) {
    let Some(e) = target(state, store) else {
        return;
    };
    edit_on(state, store, &e, ClusterId::App, place);
}

/// Edit `e` on `cluster`, in the inline editor or `$EDITOR`.
fn edit_on(state: &mut AppState, store: &StoreData, e: &Entry, cluster: ClusterId, place: Where) {
    let target = EditTarget::Existing {
        label: format!("{} {}/{}", e.key.kind, e.key.namespace, e.key.name),
        cluster,
        live: Box::new(e.value()),
    };
    let text = editable_yaml(e, cluster);
    match place {
        Where::Inline => open_editor(state, store, target, &text),
        Where::External => state.external = Some((target, text)),
    }
}

/// `:edit --control-plane`: ask before editing the Control Plane copy itself.
pub fn edit_control_plane(state: &mut AppState, store: &StoreData) {
    if state.access == Access::ReadOnly {
        state.say(
            Level::Error,
            "read-only: started with --readonly, so nothing is changed",
        );
        return;
    }
    let Some(e) = selected(state).filter(|e| e.class == ObjectClass::Claim) else {
        state.say(Level::Error, "select a claim first");
        return;
    };
    let copy = match e.key.cluster {
        ClusterId::ControlPlane => Some(e),
        ClusterId::App => control_plane_copy(store, &e),
    };
    match copy {
        Some(copy) => {
            state.dialog = Some(Dialog::ControlPlaneEdit {
                target: object_ref(&copy),
            });
            state.mode = Mode::Dialog;
        }
        None => state.say(Level::Error, "this claim has no Control Plane copy (yet)"),
    }
}

/// Open the inline editor on `text` and check it at once.
pub fn open_editor(state: &mut AppState, store: &StoreData, target: EditTarget, text: &str) {
    let mut editor = Editor::open(target, text);
    editor.validate(&catalog(state, store));
    state.editor = Some(editor);
    state.mode = Mode::Edit;
}

/// Check the editor's text now (the main loop asks once typing pauses).
pub fn validate(state: &mut AppState, store: &StoreData) {
    if state.editor.is_none() {
        return;
    }
    let catalog = catalog(state, store);
    if let Some(editor) = &mut state.editor {
        editor.validate(&catalog);
    }
}

fn close_editor(state: &mut AppState) {
    state.editor = None;
    state.mode = Mode::Normal;
}

/// Ctrl-S: check locally, then ask the server for its verdict and diff.
fn submit(state: &mut AppState, store: &StoreData) {
    validate(state, store);
    let Some(editor) = &mut state.editor else {
        return;
    };
    if let Some(first) = editor.problems.first().cloned() {
        let n = editor.problems.len();
        let row = first.line.saturating_sub(1) as u16;
        let col = first.column.saturating_sub(1) as u16;
        editor
            .area
            .move_cursor(ratatui_textarea::CursorMove::Jump(row, col));
        state.say(
            Level::Error,
            format!(
                "{n} problem(s), nothing was sent; first at {}:{}: {}",
                first.line, first.column, first.text
            ),
        );
        return;
    }
    let text = editor.text();
    let cluster = cluster_of(&editor.target);
    let id = request(state, Pending::Editor, ClaimRequest::Plan { text, cluster });
    if let Some(editor) = &mut state.editor {
        editor.phase = Phase::Checking(id);
    }
}

fn cluster_of(target: &EditTarget) -> ClusterId {
    match target {
        EditTarget::New { .. } => ClusterId::App,
        EditTarget::Existing { cluster, .. } => *cluster,
    }
}

/// A key while the editor is open.
pub fn editor_key(state: &mut AppState, key: KeyEvent, store: &StoreData) {
    let Some(editor) = &mut state.editor else {
        state.mode = Mode::Normal;
        return;
    };
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match editor.phase.clone() {
        Phase::Editing => match key.code {
            KeyCode::Char('s') if ctrl => submit(state, store),
            KeyCode::Esc => leave(state),
            KeyCode::Char('c') if ctrl => leave(state),
            _ => {
                if editor.area.input(key) {
                    editor.checked = false;
                }
            }
        },
        Phase::Confirm { scroll, diff, .. } => match key.code {
            KeyCode::Char('y') => {
                let text = editor.text();
                let cluster = cluster_of(&editor.target);
                let request_text = ClaimRequest::Apply {
                    text,
                    cluster,
                    force: false,
                };
                let id = request(state, Pending::Editor, request_text);
                if let Some(editor) = &mut state.editor {
                    editor.phase = Phase::Applying(id);
                }
            }
            KeyCode::Char('n') | KeyCode::Esc => editor.phase = Phase::Editing,
            KeyCode::Down | KeyCode::Char('j') => set_scroll(editor, (scroll + 1).min(diff.len())),
            KeyCode::Up | KeyCode::Char('k') => set_scroll(editor, scroll.saturating_sub(1)),
            _ => {}
        },
        Phase::Leaving => match key.code {
            KeyCode::Char('y') => close_editor(state),
            KeyCode::Char('n') | KeyCode::Esc => editor.phase = Phase::Editing,
            _ => {}
        },
        Phase::Checking(_) | Phase::Applying(_) => {
            if key.code == KeyCode::Esc {
                editor.phase = Phase::Editing;
            }
        }
    }
}

fn set_scroll(editor: &mut Editor, to: usize) {
    if let Phase::Confirm { scroll, .. } = &mut editor.phase {
        *scroll = to;
    }
}

fn leave(state: &mut AppState) {
    let Some(editor) = &mut state.editor else {
        return;
    };
    if editor.is_dirty() {
        editor.phase = Phase::Leaving;
    } else {
        close_editor(state);
    }
}

/// What `$EDITOR` left: open it in the inline editor, checked, and submit it when it is
/// clean (the diff to confirm comes next).
pub fn external_edited(state: &mut AppState, store: &StoreData, target: EditTarget, text: String) {
    open_editor(state, store, target, &text);
    if let Some(editor) = &mut state.editor {
        editor.opened_with.clear();
    }
    submit(state, store);
}

/// The person confirmed editing a Control Plane copy.
pub fn control_plane_confirmed(state: &mut AppState, store: &StoreData, target: &ObjectRef) {
    let key = RowKey {
        namespace: target.namespace.clone(),
        kind: target.kind.clone(),
        name: target.name.clone(),
        cluster: ClusterId::ControlPlane,
    };
    match store.get(ObjectClass::Claim, &key).cloned() {
        Some(e) => edit_on(state, store, &e, ClusterId::ControlPlane, Where::Inline),
        None => state.say(
            Level::Error,
            format!("{target} is gone from the Control Plane"),
        ),
    }
}

/// A reply to the editor's dry-run or apply.
pub fn editor_reply(state: &mut AppState, id: u64, reply: Reply) {
    let Some(editor) = &mut state.editor else {
        return;
    };
    let waiting = matches!(editor.phase, Phase::Checking(i) | Phase::Applying(i) if i == id);
    if !waiting {
        return;
    }
    match reply {
        Reply::Planned { summary, diff, .. } => {
            let diff: Vec<String> = diff.lines().map(str::to_string).collect();
            editor.phase = Phase::Confirm {
                summary,
                diff,
                scroll: 0,
            };
        }
        Reply::Refused { problems, .. } => {
            let n = problems.len();
            editor.refused(problems);
            state.say(
                Level::Error,
                format!(
                    "the server refused it: {n} problem(s), shown in the editor; nothing changed"
                ),
            );
        }
        Reply::Done { text, .. } => {
            close_editor(state);
            state.say(Level::Info, format!("applied: {text}"));
        }
        Reply::Failed { message, .. } => {
            editor.phase = Phase::Editing;
            state.say(Level::Error, message);
        }
        _ => {}
    }
}
