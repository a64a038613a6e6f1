//! Comparing both clusters object by object: every App claim has exactly one Control Plane
//! copy with its spec and the same status, no Control Plane claim lacks an App owner, and
//! nothing is stuck terminating — 0 lost, 0 duplicated, 0 stuck.

use super::Env;
use klutch::bind::names::FINALIZER_SYNCER;
use klutch_tui::services::konnector::spec_in_sync;
use kube::ResourceExt;
use kube::api::{Api, DynamicObject, ListParams};
use kube::core::{ApiResource, GroupVersionKind};
use std::collections::BTreeMap;
use std::time::Duration;

/// The claim kinds the tests bind.
pub const KINDS: [&str; 4] = ["PostgresqlInstance", "ServiceBinding", "Backup", "Restore"];

pub fn claim(kind: &str) -> ApiResource {
    let plural = format!("{}s", kind.to_lowercase());
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk("anynines.com", "v1", kind), &plural)
}

/// Every object of `kind` in the cluster, by (namespace, name).
async fn all(client: &kube::Client, kind: &str) -> BTreeMap<(String, String), DynamicObject> {
    match Api::<DynamicObject>::all_with(client.clone(), &claim(kind))
        .list(&ListParams::default())
        .await
    {
        Ok(list) => list
            .items
            .into_iter()
            .map(|o| ((o.namespace().unwrap_or_default(), o.name_any()), o))
            .collect(),
        // The kind is not served (not bound): nothing there.
        Err(_) => BTreeMap::new(),
    }
}

/// What differs between the two clusters for the claims of cluster namespace `cluster_ns`
/// (empty: in sync).
pub async fn differences(env: &Env, cluster_ns: &str) -> Vec<String> {
    let prefix = format!("{cluster_ns}-");
    let mut out = Vec::new();
    for kind in KINDS {
        let app = all(&env.app, kind).await;
        let cp: BTreeMap<(String, String), DynamicObject> = all(&env.cp, kind)
            .await
            .into_iter()
            .filter_map(|((ns, name), o)| Some(((ns.strip_prefix(&prefix)?.to_owned(), name), o)))
            .collect();
        for (key, a) in &app {
            if a.metadata.deletion_timestamp.is_some() {
                out.push(format!(
                    "{kind} {key:?} stuck terminating in the App Cluster"
                ));
                continue;
            }
            if !a.finalizers().iter().any(|f| f == FINALIZER_SYNCER) {
                out.push(format!("{kind} {key:?} has no syncer finalizer"));
            }
            let Some(c) = cp.get(key) else {
                out.push(format!("{kind} {key:?} lost: not on the Control Plane"));
                continue;
            };
            if !spec_in_sync(&c.data["spec"], &a.data["spec"]) {
                out.push(format!(
                    "{kind} {key:?} spec differs: {} vs {}",
                    a.data["spec"], c.data["spec"]
                ));
            }
            if a.data.get("status") != c.data.get("status") {
                out.push(format!("{kind} {key:?} status differs"));
            }
        }
        for (key, c) in &cp {
            if !app.contains_key(key) {
                let state = if c.metadata.deletion_timestamp.is_some() {
                    "stuck terminating"
                } else {
                    "without App owner"
                };
                out.push(format!("{kind} {key:?} on the Control Plane {state}"));
            }
        }
    }
    out
}

/// Wait until both clusters agree, or fail listing what differs.
pub async fn until_in_sync(env: &Env, cluster_ns: &str, limit: Duration) {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let diff = differences(env, cluster_ns).await;
        if diff.is_empty() {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not in sync after {limit:?}:\n{}",
            diff.join("\n")
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How many claims of every kind each cluster holds for `cluster_ns`.
pub async fn count(env: &Env, cluster_ns: &str) -> (usize, usize) {
    let prefix = format!("{cluster_ns}-");
    let (mut app, mut cp) = (0, 0);
    for kind in KINDS {
        app += all(&env.app, kind).await.len();
        cp += all(&env.cp, kind)
            .await
            .keys()
            .filter(|(ns, _)| ns.starts_with(&prefix))
            .count();
    }
    (app, cp)
}
