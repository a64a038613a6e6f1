//! What belongs with an object when its YAML is shown (`:yaml`): the Secret it points to (a
//! service binding's credentials, an APIServiceBinding's kubeconfig) with its values masked —
//! only keys and sizes leave this module, so no value reaches the cockpit or a log — and the
//! Events about it in its own cluster (core `involvedObject` and events.k8s.io `regarding`),
//! oldest first. Read once when asked for, like `kubectl describe`.

use super::credentials::secret_name;
use crate::services::ObjectRef;
use k8s_openapi::api::core::v1::{Event as CoreEvent, Secret};
use k8s_openapi::api::events::v1::Event as EventsEvent;
use kube::Client;
use kube::api::{Api, DynamicObject, ListParams};
use serde_json::Value;
use std::collections::BTreeSet;

/// A Secret as the cockpit may show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretView {
    /// Found; values masked.
    Masked {
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
        /// Its `type`.
        type_: Option<String>,
        /// Each key and the size of its value in bytes.
        keys: Vec<(String, usize)>,
        /// What the object uses it for.
        role: String,
    },
    /// The object points to it, but it is not there (yet).
    Missing {
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
        /// What the object uses it for.
        role: String,
    },
    /// It could not be read (e.g. RBAC forbids reading Secrets).
    Unreadable {
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
        /// The server's answer.
        error: String,
    },
}

/// One event about the object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventLine {
    /// `Normal` or `Warning`.
    pub type_: String,
    /// Why, in one word.
    pub reason: String,
    /// What happened.
    pub message: String,
    /// How often it happened.
    pub count: i32,
    /// When it happened last (RFC 3339), if the event says.
    pub last_seen: Option<String>,
    /// Who reported it.
    pub source: String,
}

/// The Secret and Events of an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    /// The Secret it points to, if any.
    pub secret: Option<SecretView>,
    /// Its Events, oldest first, or why they could not be read.
    pub events: Result<Vec<EventLine>, String>,
}

/// Why nothing could be read.
#[derive(Debug, thiserror::Error)]
pub enum RelatedError {
    /// The object itself could not be read.
    #[error("reading {what}: {source}")]
    Api {
        /// The object.
        what: String,
        /// The server's answer.
        #[source]
        source: kube::Error,
    },
    /// The object is not there.
    #[error("{0} is gone")]
    Gone(String),
}

/// Events in `namespace`, or in every namespace for a cluster-scoped object.
fn api<K>(client: &Client, namespace: &str) -> Api<K>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>,
{
    if namespace.is_empty() {
        Api::all(client.clone())
    } else {
        Api::namespaced(client.clone(), namespace)
    }
}

/// The Secret `object` points to: namespace, name and what it is for.
pub fn secret_ref(target: &ObjectRef, object: &Value) -> Option<(String, String, String)> {
    let group = target.api_version.rsplit_once('/').map_or("", |(g, _)| g);
    if group == klutch::claims::GROUP && target.kind == "ServiceBinding" {
        let name = secret_name(&target.name, object);
        let role = "the binding's credentials (x reveals them)".to_string();
        return Some((target.namespace.clone(), name, role));
    }
    let r = &object["spec"]["kubeconfigSecretRef"];
    let name = r["name"].as_str()?;
    let namespace = r["namespace"].as_str().unwrap_or(&target.namespace);
    let role = "the kubeconfig the konnector uses".to_string();
    Some((namespace.to_string(), name.to_string(), role))
}

async fn secret(client: &Client, namespace: String, name: String, role: String) -> SecretView {
    let api: Api<Secret> = Api::namespaced(client.clone(), &namespace);
    match api.get_opt(&name).await {
        Ok(Some(s)) => SecretView::Masked {
            keys: s
                .data
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (k, v.0.len()))
                .chain(
                    s.string_data
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(k, v)| (k, v.len())),
                )
                .collect(),
            type_: s.type_,
            namespace,
            name,
            role,
        },
        Ok(None) => SecretView::Missing {
            namespace,
            name,
            role,
        },
        Err(e) => SecretView::Unreadable {
            namespace,
            name,
            error: e.to_string(),
        },
    }
}

fn time(t: Option<String>) -> Option<String> {
    t.filter(|s| !s.is_empty())
}

fn core_line(e: CoreEvent) -> EventLine {
    let last = e
        .last_timestamp
        .map(|t| t.0.to_string())
        .or(e.event_time.map(|t| t.0.to_string()))
        .or(e.first_timestamp.map(|t| t.0.to_string()))
        .or(e.metadata.creation_timestamp.map(|t| t.0.to_string()));
    let source = e
        .reporting_component
        .filter(|s| !s.is_empty())
        .or(e.source.and_then(|s| s.component))
        .unwrap_or_default();
    EventLine {
        type_: e.type_.unwrap_or_default(),
        reason: e.reason.unwrap_or_default(),
        message: e.message.unwrap_or_default(),
        count: e.count.unwrap_or(1),
        last_seen: time(last),
        source,
    }
}

fn events_line(e: EventsEvent) -> EventLine {
    let last = e
        .series
        .as_ref()
        .map(|s| s.last_observed_time.0.to_string())
        .or(e.event_time.map(|t| t.0.to_string()))
        .or(e.deprecated_last_timestamp.map(|t| t.0.to_string()))
        .or(e.metadata.creation_timestamp.map(|t| t.0.to_string()));
    EventLine {
        type_: e.type_.unwrap_or_default(),
        reason: e.reason.unwrap_or_default(),
        message: e.note.unwrap_or_default(),
        count: e
            .series
            .map(|s| s.count)
            .or(e.deprecated_count)
            .unwrap_or(1),
        last_seen: time(last),
        source: e.reporting_controller.unwrap_or_default(),
    }
}

/// The Events about `target` in its cluster, oldest first. Where both APIs serve the same
/// events (one storage in a real cluster), each is listed once.
async fn events(client: &Client, target: &ObjectRef) -> Result<Vec<EventLine>, String> {
    let selector = format!(
        "involvedObject.kind={},involvedObject.name={}",
        target.kind, target.name
    );
    let core: Api<CoreEvent> = api(client, &target.namespace);
    let found = core
        .list(&ListParams::default().fields(&selector))
        .await
        .map_err(|e| format!("cannot list Events: {e}"))?;
    let mut seen = BTreeSet::new();
    let mut lines = Vec::new();
    for e in found.items {
        let io = &e.involved_object;
        let ns = io.namespace.as_deref().unwrap_or_default();
        if io.name.as_deref() != Some(&target.name) || ns != target.namespace {
            continue;
        }
        seen.insert(e.metadata.uid.clone().unwrap_or_default());
        lines.push(core_line(e));
    }
    // events.k8s.io has no field selector for `regarding` everywhere: filter here.
    let newer: Api<EventsEvent> = api(client, &target.namespace);
    if let Ok(found) = newer.list(&ListParams::default()).await {
        for e in found.items {
            let r = e.regarding.clone().unwrap_or_default();
            let about = r.kind.as_deref() == Some(&target.kind)
                && r.name.as_deref() == Some(&target.name)
                && r.namespace.as_deref().unwrap_or_default() == target.namespace;
            let uid = e.metadata.uid.clone().unwrap_or_default();
            if about && (uid.is_empty() || seen.insert(uid)) {
                lines.push(events_line(e));
            }
        }
    }
    lines.sort_by(|a, b| a.last_seen.cmp(&b.last_seen));
    Ok(lines)
}

/// The Secret and Events of `target`, read from `client` (the cluster that holds it).
pub async fn related(client: &Client, target: &ObjectRef) -> Result<Related, RelatedError> {
    let resource = target.resource();
    let objects: Api<DynamicObject> = if target.namespace.is_empty() {
        Api::all_with(client.clone(), &resource)
    } else {
        Api::namespaced_with(client.clone(), &target.namespace, &resource)
    };
    let object = objects
        .get_opt(&target.name)
        .await
        .map_err(|source| RelatedError::Api {
            what: target.to_string(),
            source,
        })?
        .ok_or_else(|| RelatedError::Gone(target.to_string()))?;
    let json = serde_json::to_value(&object).unwrap_or(Value::Null);
    let secret = match secret_ref(target, &json) {
        Some((namespace, name, role)) => Some(secret(client, namespace, name, role).await),
        None => None,
    };
    Ok(Related {
        secret,
        events: events(client, target).await,
    })
}
