//! The konnector step of a bind. The walkthrough only knows this trait: install the
//! konnector into the App Cluster (apply its manifests, remembering what it made so that a
//! failed bind removes it again), or start its sync loop in this process; the binary fills
//! it in with the konnector service. Also applying and deleting manifests, which every
//! driver that installs needs.

use futures::future::BoxFuture;
use klutch::bind::ExportOffer;
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use kube::discovery::{Discovery, Scope};
use kube::{Client, ResourceExt};
use serde_json::Value;

use super::error::{BindError, kube_text};
use super::machine::Made;

/// The field manager of what a bind applies.
pub const MANAGER: &str = "klutch-tui-bind";

/// Installs or starts the konnector for the walkthrough.
pub trait KonnectorDriver: Send + Sync {
    /// Install it into the App Cluster for `exports` (with `image`, or the default); what
    /// it made, and one line saying what it did. The manifests are the same whoever runs
    /// the local loop.
    fn install<'a>(
        &'a self,
        app: &'a Client,
        image: Option<&'a str>,
        exports: &'a [ExportOffer],
    ) -> BoxFuture<'a, Result<(Vec<Made>, String), BindError>> {
        Box::pin(install_for(app, image, exports))
    }

    /// Start the sync loop in this process (it runs until [`KonnectorDriver::stop_local`]).
    fn start_local<'a>(&'a self, app: &'a Client) -> BoxFuture<'a, Result<String, BindError>>;

    /// Stop a loop [`KonnectorDriver::start_local`] started (a failed bind, or Ctrl-C).
    fn stop_local(&self) -> BoxFuture<'_, ()>;
}

/// `Kind namespace/name` of something made.
pub fn describe(made: &Made) -> String {
    match made {
        Made::Object {
            kind,
            namespace,
            name,
            ..
        } => match namespace {
            Some(ns) => format!("{kind} {ns}/{name}"),
            None => format!("{kind} {name}"),
        },
        Made::Namespace(n) => format!("Namespace {n}"),
        Made::Secret(n) => format!("Secret klutch-bind/{n}"),
        Made::Binding(n) => format!("APIServiceBinding klutch-bind/{n}"),
        Made::ExportRequest { namespace, name } => {
            format!("APIServiceExportRequest {namespace}/{name}")
        }
    }
}

fn api_for(
    discovery: &Discovery,
    app: &Client,
    api_version: &str,
    kind: &str,
    namespace: Option<&str>,
) -> Option<Api<DynamicObject>> {
    let (group, version) = match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    };
    let gvk = GroupVersionKind::gvk(group, version, kind);
    let (resource, caps) = discovery.resolve_gvk(&gvk)?;
    let ar: ApiResource = resource;
    Some(match (caps.scope, namespace) {
        (Scope::Namespaced, Some(ns)) => Api::namespaced_with(app.clone(), ns, &ar),
        _ => Api::all_with(app.clone(), &ar),
    })
}

/// Apply `manifests` (server-side apply, in order); what did not exist before counts as
/// made. On a failure what this call made is deleted again.
pub async fn apply(app: &Client, manifests: &[Value]) -> Result<Vec<Made>, BindError> {
    let discovery = Discovery::new(app.clone()).run().await.map_err(|e| {
        BindError::Konnector(format!(
            "cannot discover the App Cluster's APIs: {}",
            kube_text(&e)
        ))
    })?;
    let mut made = Vec::new();
    for manifest in manifests {
        let object: DynamicObject = match serde_json::from_value(manifest.clone()) {
            Ok(o) => o,
            Err(e) => {
                undo(app, &made).await;
                return Err(BindError::Konnector(format!(
                    "a manifest is not an object: {e}"
                )));
            }
        };
        let api_version = object
            .types
            .as_ref()
            .map(|t| t.api_version.clone())
            .unwrap_or_default();
        let kind = object
            .types
            .as_ref()
            .map(|t| t.kind.clone())
            .unwrap_or_default();
        let name = object.name_any();
        let namespace = object.namespace();
        let Some(api) = api_for(&discovery, app, &api_version, &kind, namespace.as_deref()) else {
            undo(app, &made).await;
            return Err(BindError::Konnector(format!(
                "the App Cluster does not serve {kind} ({api_version})"
            )));
        };
        let existed = match api.get_opt(&name).await {
            Ok(o) => o.is_some(),
            Err(e) => {
                undo(app, &made).await;
                return Err(install_error(&kind, &name, &e));
            }
        };
        if let Err(e) = api
            .patch(
                &name,
                &PatchParams::apply(MANAGER).force(),
                &Patch::Apply(&object),
            )
            .await
        {
            undo(app, &made).await;
            return Err(install_error(&kind, &name, &e));
        }
        if !existed {
            made.push(Made::Object {
                api_version,
                kind,
                namespace,
                name,
            });
        }
    }
    Ok(made)
}

fn install_error(kind: &str, name: &str, e: &kube::Error) -> BindError {
    match e {
        kube::Error::Api(s) if s.code == 403 => BindError::Konnector(format!(
            "installing it is forbidden: {}; ask a cluster admin to install it, or bind with --konnector local",
            s.message
        )),
        other => BindError::Konnector(format!("cannot apply {kind} {name}: {}", kube_text(other))),
    }
}

async fn undo(app: &Client, made: &[Made]) {
    for m in made.iter().rev() {
        let _ = delete_object(app, m).await;
    }
}

/// Delete one object an install made.
pub async fn delete_object(app: &Client, made: &Made) -> Result<(), kube::Error> {
    let Made::Object {
        api_version,
        kind,
        namespace,
        name,
    } = made
    else {
        return Ok(());
    };
    let discovery = Discovery::new(app.clone()).run().await?;
    match api_for(&discovery, app, api_version, kind, namespace.as_deref()) {
        Some(api) => api
            .delete(name, &DeleteParams::background())
            .await
            .map(|_| ()),
        None => Ok(()),
    }
}

/// The driver backed by the konnector service: its install manifests, or its sync loop
/// in this process (one at a time; stopped on a failed bind or when asked).
#[derive(Default)]
pub struct ServiceDriver {
    local: tokio::sync::Mutex<Option<crate::services::konnector::KonnectorHandle>>,
}

impl ServiceDriver {
    /// A driver with no loop running.
    pub fn new() -> ServiceDriver {
        ServiceDriver::default()
    }

    /// The events of the loop running here, if one runs (for a view of what it syncs).
    pub async fn subscribe(
        &self,
    ) -> Option<tokio::sync::broadcast::Receiver<crate::services::konnector::KonnectorEvent>> {
        self.local.lock().await.as_ref().map(|h| h.subscribe())
    }

    /// What the loop running here knows now, if one runs.
    pub async fn snapshot(&self) -> Option<crate::services::konnector::Snapshot> {
        self.local.lock().await.as_ref().map(|h| h.snapshot())
    }
}

/// Apply the konnector's manifests for `exports` (with `image`, or the default): what was
/// made, and one line saying what was done.
async fn install_for(
    app: &Client,
    image: Option<&str>,
    exports: &[ExportOffer],
) -> Result<(Vec<Made>, String), BindError> {
    use crate::services::konnector::install::{BoundResource, InstallSpec, manifests};
    let mut spec = InstallSpec::new(
        exports
            .iter()
            .map(|o| BoundResource {
                group: o.group.clone(),
                resource: o.resource.clone(),
                claims: o.permission_claims.clone(),
            })
            .collect(),
    );
    if let Some(image) = image {
        spec.image = image.to_owned();
    }
    let made = apply(app, &manifests(&spec)).await?;
    let text = format!(
        "installed {} ({} replicas) in {}",
        spec.image, spec.replicas, spec.namespace
    );
    Ok((made, text))
}

impl KonnectorDriver for ServiceDriver {
    fn start_local<'a>(&'a self, app: &'a Client) -> BoxFuture<'a, Result<String, BindError>> {
        use crate::services::konnector::{Konnector, KonnectorOptions};
        Box::pin(async move {
            let mut local = self.local.lock().await;
            if local.is_none() {
                *local = Some(Konnector::start(app.clone(), KonnectorOptions::default()));
            }
            Ok("running here".to_owned())
        })
    }

    fn stop_local(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if let Some(handle) = self.local.lock().await.take() {
                handle.stop().await;
            }
        })
    }
}

/// In the cockpit: the loop a bind starts is the cockpit's own (the Konnector view shows it,
/// `K` stops it), so a wizard or a bound sandbox hands this to the walkthrough.
impl KonnectorDriver for crate::services::konnector::local::Local {
    fn start_local<'a>(&'a self, app: &'a Client) -> BoxFuture<'a, Result<String, BindError>> {
        Box::pin(async move {
            let options = crate::services::konnector::KonnectorOptions::default();
            self.start(app.clone(), options).await;
            Ok("running here (the Konnector view shows it)".to_owned())
        })
    }

    fn stop_local(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            self.stop().await;
        })
    }
}
