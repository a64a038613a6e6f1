//! Whether a konnector is installed in the App Cluster: a watch of the Deployments labelled
//! `app: konnector` in `klutch-bind` (what `bind --konnector install` and upstream's CLI
//! make), with the image and its version, kept in the store for the Konnector view and the
//! header.

use crate::cluster::ClusterId;
use crate::cluster::Store;
use crate::cluster::backoff::Backoff;
use crate::cluster::konnector::{InstallState, Installed};
use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use klutch::bind::names::{KONNECTOR_NAME, KONNECTOR_NAMESPACE, LABEL_APP};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use kube::{Api, Client, ResourceExt};
use std::collections::BTreeMap;

/// The tag of an image reference (`ghcr.io/x/konnector:v0.3.0@sha256:…` → `v0.3.0`), or `-`.
pub fn image_version(image: &str) -> String {
    let image = image.split('@').next().unwrap_or(image);
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        Some((_, tag)) if !tag.is_empty() => tag.to_owned(),
        _ => "-".to_owned(),
    }
}

fn installed(d: &Deployment) -> Installed {
    let image = d
        .spec
        .template
        .spec
        .as_ref()
        .and_then(|p| p.containers.first())
        .and_then(|c| c.image.clone())
        .unwrap_or_else(|| "-".into());
    Installed {
        name: format!("{}/{}", d.namespace().unwrap_or_default(), d.name_any()),
        version: image_version(&image),
        image,
        ready: d
            .status
            .as_ref()
            .and_then(|s| s.ready_replicas)
            .unwrap_or(0),
        replicas: d.spec.replicas.unwrap_or(1),
    }
}

fn publish(store: &Store, found: &BTreeMap<String, Installed>) {
    let state = match found.values().next() {
        Some(i) => InstallState::Present(i.clone()),
        None => InstallState::Absent,
    };
    if store.read().konnector().installed != state {
        store.update(|d| d.konnector_mut().installed = state);
    }
}

/// Watch the App Cluster behind `app` until the task is aborted.
pub async fn watch(app: Client, store: Store) {
    let api: Api<Deployment> = Api::namespaced(app, KONNECTOR_NAMESPACE);
    let config = watcher::Config::default().labels(&format!("{LABEL_APP}={KONNECTOR_NAME}"));
    let stream = watcher::watcher(api, config).backoff(Backoff::reconnect());
    let mut stream = std::pin::pin!(stream);
    let mut found: BTreeMap<String, Installed> = BTreeMap::new();
    let mut listing: BTreeMap<String, Installed> = BTreeMap::new();
    while let Some(event) = stream.next().await {
        match event {
            Ok(Event::Init) => listing.clear(),
            Ok(Event::InitApply(d)) => {
                listing.insert(d.name_any(), installed(&d));
            }
            Ok(Event::InitDone) => {
                found = std::mem::take(&mut listing);
                publish(&store, &found);
            }
            Ok(Event::Apply(d)) => {
                found.insert(d.name_any(), installed(&d));
                publish(&store, &found);
            }
            Ok(Event::Delete(d)) => {
                found.remove(&d.name_any());
                publish(&store, &found);
            }
            Err(e) => {
                let why = match &e {
                    watcher::Error::InitialListFailed(kube::Error::Api(s))
                    | watcher::Error::WatchStartFailed(kube::Error::Api(s))
                        if s.code == 403 =>
                    {
                        format!(
                            "may not list Deployments in {KONNECTOR_NAMESPACE}: {}",
                            s.message
                        )
                    }
                    other => {
                        tracing::debug!(error = %other, cluster = ?ClusterId::App, "konnector Deployment watch failed; retrying");
                        continue;
                    }
                };
                let state = InstallState::Unreadable(why);
                if store.read().konnector().installed != state {
                    store.update(|d| d.konnector_mut().installed = state);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_from_the_tag() {
        assert_eq!(image_version("klutch-tui:v0.1.0"), "v0.1.0");
        assert_eq!(
            image_version("ghcr.io/anynines/konnector:v1.2.3@sha256:abc"),
            "v1.2.3"
        );
        assert_eq!(image_version("localhost:5000/konnector"), "-");
        assert_eq!(image_version("konnector"), "-");
    }
}
