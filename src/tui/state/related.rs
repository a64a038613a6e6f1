//! What goes with the selected object: `:yaml` shows its YAML followed by the Secret it
//! points to (values masked by the service, so they never reach the cockpit) and its Events,
//! read through an effect; `:related` narrows the list to a claim's family and, pressed
//! again, jumps from the instance to its bindings, backups and restores and back.

use super::AppState;
use super::claims::{family, object_ref, request, selected};
use super::dialog::Pending;
use super::filter::Filter;
use crate::cluster::{Level, RowKey, StoreData};
use crate::services::ClaimRequest;
use crate::services::claims::related::{EventLine, Related, SecretView};
use klutch::claims::ClaimKind;
use klutch::objects::ObjectClass;

/// What the detail shows after the object's YAML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Extra {
    /// Asked for; not here yet.
    Loading,
    /// The Secret and Events.
    Loaded(Related),
    /// Why they could not be read.
    Failed(String),
}

/// `:yaml`: ask for the Secret and Events of the object the open detail shows.
pub fn describe(state: &mut AppState) {
    let Some(detail) = &state.detail else {
        return;
    };
    let Some(entry) = selected(state).filter(|e| e.key == detail.key) else {
        return;
    };
    request(
        state,
        Pending::Describe(entry.key.clone()),
        ClaimRequest::Describe(object_ref(&entry)),
    );
    if let Some(d) = &mut state.detail {
        d.set_extra(Extra::Loading);
    }
}

/// The services answered `:yaml` for `key`.
pub fn described(state: &mut AppState, key: &RowKey, extra: Extra) {
    if let Extra::Failed(message) = &extra {
        state.say(Level::Error, message.clone());
    }
    if let Some(d) = state.detail.as_mut().filter(|d| d.key == *key) {
        d.set_extra(extra);
    }
}

/// The lines the detail shows for `extra`, after the object's YAML.
pub fn lines(extra: &Extra, key: &RowKey) -> Vec<String> {
    let mut out = vec!["---".to_string()];
    match extra {
        Extra::Loading => out.push("# Secret and Events: reading…".into()),
        Extra::Failed(why) => out.push(format!("# Secret and Events could not be read: {why}")),
        Extra::Loaded(related) => {
            if let Some(secret) = &related.secret {
                secret_lines(secret, &mut out);
                out.push("---".into());
            }
            event_lines(&related.events, key, &mut out);
        }
    }
    out
}

fn secret_lines(secret: &SecretView, out: &mut Vec<String>) {
    match secret {
        SecretView::Masked {
            namespace,
            name,
            type_,
            keys,
            role,
        } => {
            out.push(format!("# Secret: {role}; values masked"));
            out.extend([
                "apiVersion: v1".into(),
                "kind: Secret".into(),
                "metadata:".into(),
                format!("  name: {name}"),
                format!("  namespace: {namespace}"),
            ]);
            if let Some(t) = type_ {
                out.push(format!("type: {t}"));
            }
            if keys.is_empty() {
                out.push("data: {}".into());
            } else {
                out.push("data:".into());
                for (k, len) in keys {
                    out.push(format!("  {k}: '•••••• ({len} bytes)'"));
                }
            }
        }
        SecretView::Missing {
            namespace,
            name,
            role,
        } => out.push(format!(
            "# Secret {namespace}/{name} ({role}) is not there yet"
        )),
        SecretView::Unreadable {
            namespace,
            name,
            error,
        } => out.push(format!(
            "# Secret {namespace}/{name} cannot be read: {error}"
        )),
    }
}

fn event_lines(events: &Result<Vec<EventLine>, String>, key: &RowKey, out: &mut Vec<String>) {
    let events = match events {
        Ok(e) => e,
        Err(why) => {
            out.push(format!("# Events: {why}"));
            return;
        }
    };
    if events.is_empty() {
        out.push(format!(
            "# Events: none about {} {} in its cluster",
            key.kind, key.name
        ));
        return;
    }
    out.push(format!("# Events ({}, oldest first)", events.len()));
    for e in events {
        out.push(format!("- type: {}", e.type_));
        out.push(format!("  reason: {}", e.reason));
        if e.count > 1 {
            out.push(format!("  count: {}", e.count));
        }
        if let Some(t) = &e.last_seen {
            out.push(format!("  lastSeen: {t}"));
        }
        if !e.source.is_empty() {
            out.push(format!("  from: {}", e.source));
        }
        let mut message = e.message.lines();
        out.push(format!("  message: {}", message.next().unwrap_or_default()));
        out.extend(message.map(|l| format!("    {l}")));
    }
}

/// Where a claim stands in its family: the instance, its bindings, backups, restores.
fn rank(kind: &str) -> u8 {
    match ClaimKind::from_kind(kind) {
        Some(ClaimKind::Instance(_)) => 0,
        Some(ClaimKind::ServiceBinding) => 1,
        Some(ClaimKind::Backup) => 2,
        Some(ClaimKind::Restore) => 3,
        None => 4,
    }
}

/// `:related`: show only the selected claim's family; when it is shown already, select the
/// next of the family (instance → bindings → backups → restores → instance).
pub fn related(state: &mut AppState, store: &StoreData) {
    let Some(e) = selected(state).filter(|e| e.class == ObjectClass::Claim) else {
        state.say(Level::Error, "select a claim first");
        return;
    };
    let members = family(store, &e);
    let shown =
        matches!(&state.current().filter, Filter::Family { members: m, .. } if *m == members);
    if !shown {
        let label = format!("family of {}/{}", e.key.namespace, e.key.name);
        let filter = Filter::Family {
            label: label.clone(),
            members,
        };
        super::update::apply_filter(state, label, filter, store);
        super::update::select_key(state, &e.key);
        state.say(
            Level::Info,
            "r jumps through the family (instance, bindings, backups, restores); esc shows all",
        );
        return;
    }
    let mut order: Vec<&RowKey> = members.iter().collect();
    order.sort_by_key(|k| (rank(&k.kind), &k.name));
    let at = order.iter().position(|k| **k == e.key).unwrap_or(0);
    if let Some(next) = order.get((at + 1) % order.len()) {
        let next = (*next).clone();
        super::update::select_key(state, &next);
    }
}
