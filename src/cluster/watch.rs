//! One watcher per resource type and cluster: kube-runtime's `watcher` (list, then watch,
//! relist on expiry, backoff on errors) applied to the shared store. A (re)list is buffered
//! and swapped in at once, so 10,000 claims arrive as one change, not 10,000.

use super::Level;
use super::backoff::Backoff;
use super::entry::{Entry, RowKey};
use super::kinds::WatchedKind;
use super::{ClusterId, Store};
use futures::StreamExt;
use kube::Client;
use kube::api::{Api, DynamicObject};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use std::sync::Arc;
use tokio::sync::Notify;

/// Whether a kube error is the server refusing us (403).
pub(super) fn is_forbidden(err: &kube::Error) -> bool {
    matches!(err, kube::Error::Api(status) if status.code == 403)
}

/// Whether a kube error is the server refusing our credentials (401).
pub(super) fn is_unauthorized(err: &kube::Error) -> bool {
    matches!(err, kube::Error::Api(status) if status.code == 401)
}

/// What to tell a person whose credentials were refused.
pub(super) fn unauthorized_reason(err: &kube::Error) -> String {
    let said = match err {
        kube::Error::Api(status) if !status.message.is_empty() => status.message.clone(),
        other => other.to_string(),
    };
    format!("{said}: the server refused the credentials (expired or revoked token?)")
}

fn inner_error(err: &watcher::Error) -> Option<&kube::Error> {
    match err {
        watcher::Error::InitialListFailed(e)
        | watcher::Error::WatchStartFailed(e)
        | watcher::Error::WatchFailed(e) => Some(e),
        _ => None,
    }
}

/// Watch `kind` on `cluster` into `store` until the task is aborted. Connection errors wake
/// the cluster's heartbeat (`probe`) so health turns to reconnecting at once.
pub(super) async fn run(
    cluster: ClusterId,
    client: Client,
    kind: WatchedKind,
    store: Store,
    probe: Arc<Notify>,
) {
    let api: Api<DynamicObject> = Api::all_with(client, &kind.resource);
    let resource = kind.resource.plural.clone();
    let api_version = kind.resource.api_version.clone();
    let kind_name = kind.resource.kind.clone();
    let make =
        |obj: DynamicObject| Entry::from_object(obj, kind.class, cluster, &kind_name, &api_version);
    let stream = watcher::watcher(api, watcher::Config::default()).backoff(Backoff::reconnect());
    let mut stream = std::pin::pin!(stream);
    let mut buffer: Vec<Entry> = Vec::new();
    while let Some(event) = stream.next().await {
        match event {
            Ok(Event::Init) => buffer.clear(),
            Ok(Event::InitApply(obj)) => buffer.push(make(obj)),
            Ok(Event::InitDone) => {
                let entries = std::mem::take(&mut buffer);
                tracing::debug!(%resource, ?cluster, count = entries.len(), "listed");
                store.update(|d| {
                    d.replace_kind(cluster, kind.class, &kind_name, entries);
                    let c = d.cluster_mut(cluster);
                    c.forbidden.remove(&resource);
                    c.unauthorized = None;
                });
            }
            Ok(Event::Apply(obj)) => {
                let entry = make(obj);
                store.update(|d| d.apply(entry));
            }
            Ok(Event::Delete(obj)) => {
                let key = RowKey {
                    namespace: obj.metadata.namespace.clone().unwrap_or_default(),
                    kind: kind_name.clone(),
                    name: obj.metadata.name.clone().unwrap_or_default(),
                    cluster,
                };
                store.update(|d| d.remove(kind.class, &key));
            }
            Err(err) => match inner_error(&err) {
                Some(e) if is_unauthorized(e) => {
                    let reason = unauthorized_reason(e);
                    tracing::warn!(%resource, ?cluster, %reason, "watch unauthorized");
                    store.update_cluster(cluster, |c| {
                        let changed = c.unauthorized.as_ref() != Some(&reason);
                        c.unauthorized = Some(reason);
                        changed
                    });
                }
                Some(e) if is_forbidden(e) => {
                    let msg = match e {
                        kube::Error::Api(status) => status.message.clone(),
                        other => other.to_string(),
                    };
                    tracing::warn!(%resource, ?cluster, error = %msg, "watch forbidden");
                    let first = !store
                        .read()
                        .cluster(cluster)
                        .forbidden
                        .contains_key(&resource);
                    if first {
                        store.update(|d| {
                            let text = format!("{}: {msg}", cluster.label());
                            d.cluster_mut(cluster)
                                .forbidden
                                .insert(resource.clone(), msg);
                            d.post(Level::Error, text);
                        });
                    }
                }
                _ => {
                    tracing::debug!(%resource, ?cluster, error = %err, "watch failed; retrying");
                    probe.notify_one();
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_error(code: u16) -> kube::Error {
        let status: kube::core::Status = serde_json::from_value(serde_json::json!({
            "status": "Failure", "code": code, "reason": "Forbidden",
            "message": "backups.anynines.com is forbidden: User \"dev\" cannot list resource"
        }))
        .unwrap();
        kube::Error::Api(Box::new(status))
    }

    #[test]
    fn only_403_counts_as_forbidden() {
        assert!(is_forbidden(&api_error(403)));
        assert!(!is_forbidden(&api_error(404)));
        let wrapped = watcher::Error::InitialListFailed(api_error(403));
        assert!(inner_error(&wrapped).is_some_and(is_forbidden));
        assert!(inner_error(&watcher::Error::NoResourceVersion).is_none());
    }
}
