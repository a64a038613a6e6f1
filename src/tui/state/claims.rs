//! What the cockpit does with claims: a new claim or an edit in the inline editor (checked as
//! it is typed, dry-run by the server, its diff confirmed, then applied), `$EDITOR` instead,
//! backups and restores followed to their end, deletion behind a confirmation, a service
//! binding's credentials. Every change in a cluster is an effect; replies
//! move the editor and dialogs on. An action on a claim acts on its App Cluster object, the
//! source the konnector syncs, whichever copy is selected; `--readonly` refuses them all.

use super::dialog::{Dialog, Pending};
use super::edit;
use super::related::Extra;
use super::{Access, AppState, Mode};
use crate::cluster::{ClusterId, Entry, Level, RowKey, StoreData};
use crate::services::{ClaimRequest, Effect, ObjectRef, Reply};
use crate::tui::keymap::Command;
use klutch::claims::ClaimKind;
use klutch::objects::ObjectClass;
use klutch::status::{Facts, StatusKind};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Handle a claim command; `false` when `c` is not one.
pub fn command(state: &mut AppState, c: Command, store: &StoreData) -> bool {
    let claim_command = matches!(
        c,
        Command::New
            | Command::Edit
            | Command::EditExternal
            | Command::Backup
            | Command::Restore
            | Command::Delete
            | Command::Reveal
            | Command::Related
    );
    if !claim_command {
        return false;
    }
    if c.mutates() && state.access == Access::ReadOnly {
        state.say(
            Level::Error,
            "read-only: started with --readonly, so nothing is changed (start without it to act on claims)",
        );
        return true;
    }
    match c {
        Command::New => edit::new_claim(state, store, None),
        Command::Edit => edit::edit(state, store, edit::Where::Inline),
        Command::EditExternal => edit::edit(state, store, edit::Where::External),
        Command::Backup => backup(state, store),
        Command::Restore => restore(state, store),
        Command::Delete => delete(state, store),
        Command::Reveal => reveal(state, store),
        Command::Related => super::related::related(state, store),
        _ => {}
    }
    true
}

pub(super) fn selected(state: &AppState) -> Option<Arc<Entry>> {
    state.rows.item(state.current().selected).cloned()
}

/// The App Cluster object of a claim: itself, or the App object its Control Plane copy was
/// made from (through the APIServiceNamespace that maps the namespaces).
pub fn app_object(store: &StoreData, e: &Entry) -> Option<Arc<Entry>> {
    if e.class != ObjectClass::Claim {
        return None;
    }
    if e.key.cluster == ClusterId::App {
        return store.get(ObjectClass::Claim, &e.key).cloned();
    }
    store
        .list(ObjectClass::ApiServiceNamespace)
        .values()
        .find_map(|m| match &m.facts {
            Facts::ApiServiceNamespace { app, control_plane }
                if *control_plane == e.key.namespace =>
            {
                let key = RowKey {
                    namespace: app.clone(),
                    cluster: ClusterId::App,
                    ..e.key.clone()
                };
                store.get(ObjectClass::Claim, &key).cloned()
            }
            _ => None,
        })
}

/// The Control Plane copy of an App claim.
pub fn control_plane_copy(store: &StoreData, e: &Entry) -> Option<Arc<Entry>> {
    store
        .list(ObjectClass::ApiServiceNamespace)
        .values()
        .find_map(|m| match &m.facts {
            Facts::ApiServiceNamespace { app, control_plane } if *app == e.key.namespace => {
                let key = RowKey {
                    namespace: control_plane.clone(),
                    cluster: ClusterId::ControlPlane,
                    ..e.key.clone()
                };
                store.get(ObjectClass::Claim, &key).cloned()
            }
            _ => None,
        })
}

/// The selected claim's App Cluster object, or why there is none (said to the user).
pub(super) fn target(state: &mut AppState, store: &StoreData) -> Option<Arc<Entry>> {
    let Some(e) = selected(state) else {
        state.say(Level::Error, "select a claim first");
        return None;
    };
    if e.class != ObjectClass::Claim {
        state.say(Level::Error, format!("{} is not a claim", e.key.kind));
        return None;
    }
    match app_object(store, &e) {
        Some(app) => Some(app),
        None => {
            state.say(
                Level::Error,
                format!(
                    "{} {}/{} is a Control Plane copy without an App owner; edit it there with :edit --control-plane",
                    e.key.kind, e.key.namespace, e.key.name
                ),
            );
            None
        }
    }
}

/// Ask the services for something; its reply will be routed by `pending`.
pub(super) fn request(state: &mut AppState, pending: Pending, request: ClaimRequest) -> u64 {
    let id = state.request_id();
    state.pending.insert(id, pending);
    state.effects.push(Effect::Claims { id, request });
    id
}

/// The object as `ObjectRef`.
pub fn object_ref(e: &Entry) -> ObjectRef {
    let plural = ClaimKind::from_kind(&e.key.kind)
        .map(|k| k.plural().to_string())
        .unwrap_or_else(|| format!("{}s", e.key.kind.to_lowercase()));
    ObjectRef {
        api_version: e.api_version.clone(),
        kind: e.key.kind.clone(),
        plural,
        namespace: e.key.namespace.clone(),
        name: e.key.name.clone(),
        cluster: e.key.cluster,
    }
}

fn backup(state: &mut AppState, store: &StoreData) {
    let Some(e) = target(state, store) else {
        return;
    };
    if !matches!(
        ClaimKind::from_kind(&e.key.kind),
        Some(ClaimKind::Instance(_))
    ) {
        state.say(
            Level::Error,
            format!(
                "b backs up a data service instance; {} is a {}",
                e.key.name, e.key.kind
            ),
        );
        return;
    }
    let label = format!("backup of {}/{}", e.key.namespace, e.key.name);
    state.say(Level::Info, format!("{label}: starting"));
    request(
        state,
        Pending::Progress(label),
        ClaimRequest::Backup {
            namespace: e.key.namespace.clone(),
            instance: format!("{}/{}", e.key.kind.to_lowercase(), e.key.name),
        },
    );
}

fn restore(state: &mut AppState, store: &StoreData) {
    let Some(e) = target(state, store) else {
        return;
    };
    if e.key.kind != ClaimKind::Backup.kind() {
        state.say(
            Level::Error,
            format!("R restores a Backup; {} is a {}", e.key.name, e.key.kind),
        );
        return;
    }
    // A restore replaces the instance's data: asked first, as a deletion is.
    let instance = match &e.facts {
        Facts::Claim { instance_ref, .. } => instance_ref.clone(),
        _ => None,
    };
    let note = match e.status.kind {
        StatusKind::Failed => Some(format!(
            "This backup failed ({}): a restore of it fails too.",
            e.status.text
        )),
        StatusKind::Progressing => Some(format!(
            "This backup is not done yet ({}): the restore waits for it.",
            e.status.text
        )),
        _ => None,
    };
    state.dialog = Some(Dialog::Restore {
        namespace: e.key.namespace.clone(),
        backup: e.key.name.clone(),
        instance,
        note,
    });
    state.mode = Mode::Dialog;
}

/// The restore was confirmed: create the Restore and follow it.
pub(super) fn confirmed_restore(state: &mut AppState, namespace: String, backup: String) {
    let label = format!("restore of {namespace}/{backup}");
    state.say(Level::Info, format!("{label}: starting"));
    request(
        state,
        Pending::Progress(label),
        ClaimRequest::Restore { namespace, backup },
    );
}

fn delete(state: &mut AppState, store: &StoreData) {
    let Some(e) = target(state, store) else {
        return;
    };
    let instance = matches!(
        ClaimKind::from_kind(&e.key.kind),
        Some(ClaimKind::Instance(_))
    );
    let consequence = match ClaimKind::from_kind(&e.key.kind) {
        Some(ClaimKind::Instance(_)) => {
            "Its Control Plane copy goes too, and the data service with ALL ITS DATA."
        }
        Some(ClaimKind::ServiceBinding) => {
            "Its credentials Secret goes too; applications using them lose access."
        }
        Some(ClaimKind::Backup) => "The backup goes too; it cannot be restored afterwards.",
        _ => "Its Control Plane copy goes too.",
    };
    state.dialog = Some(Dialog::Delete {
        target: object_ref(&e),
        consequence: consequence.into(),
        needs_name: instance,
        typed: String::new(),
    });
    state.mode = Mode::Dialog;
}

fn reveal(state: &mut AppState, store: &StoreData) {
    let Some(e) = target(state, store) else {
        return;
    };
    if e.key.kind != ClaimKind::ServiceBinding.kind() {
        state.say(
            Level::Error,
            format!(
                "x shows a ServiceBinding's credentials; {} is a {}",
                e.key.name, e.key.kind
            ),
        );
        return;
    }
    request(
        state,
        Pending::Credentials(e.key.name.clone()),
        ClaimRequest::Credentials {
            namespace: e.key.namespace.clone(),
            binding: e.key.name.clone(),
        },
    );
}

/// The claims that belong together with `e`: its instance, the instance's bindings and
/// backups, and the restores of those backups (in `e`'s namespace and cluster).
pub fn family(store: &StoreData, e: &Entry) -> BTreeSet<RowKey> {
    let claims: Vec<&Arc<Entry>> = store
        .list(ObjectClass::Claim)
        .values()
        .filter(|c| c.key.namespace == e.key.namespace && c.key.cluster == e.key.cluster)
        .collect();
    let refs = |c: &Entry| match &c.facts {
        Facts::Claim {
            instance_ref,
            backup_ref,
            ..
        } => (instance_ref.clone(), backup_ref.clone()),
        _ => (None, None),
    };
    let instance = match refs(e) {
        (Some(i), _) => Some(i),
        (None, Some(b)) => claims
            .iter()
            .find(|c| c.key.name == b && c.key.kind == ClaimKind::Backup.kind())
            .and_then(|c| refs(c).0),
        (None, None) => Some(e.key.name.clone()),
    };
    let Some(instance) = instance else {
        return BTreeSet::from([e.key.clone()]);
    };
    let backups: BTreeSet<String> = claims
        .iter()
        .filter(|c| {
            c.key.kind == ClaimKind::Backup.kind() && refs(c).0.as_deref() == Some(&instance)
        })
        .map(|c| c.key.name.clone())
        .collect();
    claims
        .iter()
        .filter(|c| {
            let (i, b) = refs(c);
            (c.key.name == instance
                && matches!(
                    ClaimKind::from_kind(&c.key.kind),
                    Some(ClaimKind::Instance(_))
                ))
                || i.as_deref() == Some(&instance)
                || b.is_some_and(|b| backups.contains(&b))
        })
        .map(|c| c.key.clone())
        .chain(std::iter::once(e.key.clone()))
        .collect()
}

/// A reply from the services.
pub fn reply(state: &mut AppState, reply: Reply) {
    let id = reply.id();
    let Some(pending) = state.pending.get(&id).cloned() else {
        return;
    };
    let finished = !matches!(reply, Reply::Progress { .. });
    if finished {
        state.pending.remove(&id);
    }
    match (pending, reply) {
        (Pending::Editor, reply) => edit::editor_reply(state, id, reply),
        (Pending::Credentials(binding), Reply::Credentials { secret, values, .. }) => {
            state.dialog = Some(Dialog::Credentials {
                binding,
                secret,
                values,
                revealed: false,
            });
            state.mode = Mode::Dialog;
        }
        (Pending::Describe(key), Reply::Described { related, .. }) => {
            super::related::described(state, &key, Extra::Loaded(related))
        }
        (Pending::Describe(key), Reply::Failed { message, .. }) => {
            super::related::described(state, &key, Extra::Failed(message))
        }
        (_, Reply::Failed { message, .. }) => state.say(Level::Error, message),
        (_, Reply::Done { text, .. } | Reply::Progress { text, .. }) => {
            state.say(Level::Info, text)
        }
        _ => {}
    }
}
