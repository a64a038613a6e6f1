//! The CRDs the konnector owns in the App Cluster: the APIServiceBinding CRD it needs to run
//! at all, one CRD per binding made from its APIServiceExport's schema snapshot (owned by the
//! binding, as upstream, so unbinding removes it), and the release of a going CRD's objects.
//!
//! Releasing is where we part from upstream: there, deleting a binding garbage-collects the
//! CRD, that deletes every claim, and the konnector's finalizer then deletes each Control
//! Plane object — every database gone. Here a CRD that is being deleted gets its objects'
//! finalizers removed without touching the Control Plane, whose objects are adopted again
//! when the API is bound again.

use super::error::{SyncError, kube_err};
use super::runner::{GRACE, run_controller};
use super::spec_sync::remove_finalizer;
use futures::StreamExt;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use klutch::bind::names::{FIELD_MANAGER, FINALIZER_SYNCER};
use klutch::bind::{APIServiceBinding, APIServiceExport, crd_spec_from_export};
use kube::api::{Api, DynamicObject, ListParams, ObjectMeta, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::watcher;
use kube::{Client, CustomResourceExt, Resource, ResourceExt};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// What became of a binding's CRD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CrdState {
    /// Served: objects can be synced.
    Established,
    /// Created or updated, not yet served.
    Pending,
    /// A CRD of that name exists that this binding does not own.
    Foreign(String),
    /// A CRD of that name is still being deleted (a rebind right after an unbind).
    Terminating,
}

/// Create the APIServiceBinding CRD if the App Cluster has none (upstream's konnector
/// installs it at start); an existing one is left as it is.
pub async fn ensure_binding_crd(app: &Client) -> Result<(), SyncError> {
    let api = Api::<CustomResourceDefinition>::all(app.clone());
    let crd = APIServiceBinding::crd();
    let name = crd.name_any();
    if api
        .get_opt(&name)
        .await
        .map_err(kube_err(format!("reading CRD {name} in the App Cluster")))?
        .is_some()
    {
        return Ok(());
    }
    match api.create(&PostParams::default(), &crd).await {
        Ok(_) => Ok(()),
        Err(e) if super::error::is_conflict(&e) => Ok(()),
        Err(e) => Err(kube_err(format!("creating CRD {name} in the App Cluster"))(
            e,
        )),
    }
}

/// Whether `crd` is owned (as controller) by an APIServiceBinding, and by which uid.
fn binding_owner(crd: &CustomResourceDefinition) -> Option<&OwnerReference> {
    crd.owner_references().iter().find(|o| {
        o.kind == APIServiceBinding::kind(&())
            && o.api_version == APIServiceBinding::api_version(&())
            && o.controller == Some(true)
    })
}

/// Create or update the CRD of `binding` from `export`.
pub async fn apply_crd(
    app: &Client,
    binding: &APIServiceBinding,
    export: &APIServiceExport,
) -> Result<CrdState, SyncError> {
    let name = binding.name_any();
    let api = Api::<CustomResourceDefinition>::all(app.clone());
    let existing = api
        .get_opt(&name)
        .await
        .map_err(kube_err(format!("reading CRD {name} in the App Cluster")))?;
    let uid = binding.uid().unwrap_or_default();
    if let Some(existing) = &existing {
        match binding_owner(existing) {
            _ if existing.metadata.deletion_timestamp.is_some() => {
                return Ok(CrdState::Terminating);
            }
            Some(o) if o.uid == uid => {}
            Some(o) => {
                return Ok(CrdState::Foreign(format!(
                    "CRD {name} belongs to another APIServiceBinding (uid {})",
                    o.uid
                )));
            }
            None => {
                return Ok(CrdState::Foreign(format!(
                    "CRD {name} exists in the App Cluster and was not made by the konnector; \
                     remove it or bind another API"
                )));
            }
        }
    }
    let spec = crd_spec_from_export(&export.spec)
        .map_err(|e| SyncError::Refused(format!("export {name} has an invalid schema: {e}")))?;
    let crd = CustomResourceDefinition {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            owner_references: Some(vec![OwnerReference {
                api_version: APIServiceBinding::api_version(&()).into_owned(),
                kind: APIServiceBinding::kind(&()).into_owned(),
                name: name.clone(),
                uid,
                controller: Some(true),
                block_owner_deletion: Some(true),
            }]),
            ..ObjectMeta::default()
        },
        spec,
        status: None,
    };
    let same = existing
        .as_ref()
        .is_some_and(|e| e.spec == crd.spec && binding_owner(e).is_some());
    let current = if same {
        existing
    } else {
        let mut value =
            serde_json::to_value(&crd).map_err(|e| SyncError::Refused(e.to_string()))?;
        value["apiVersion"] = "apiextensions.k8s.io/v1".into();
        value["kind"] = "CustomResourceDefinition".into();
        Some(
            api.patch(
                &name,
                &PatchParams::apply(FIELD_MANAGER).force(),
                &Patch::Apply(value),
            )
            .await
            .map_err(kube_err(format!("applying CRD {name} in the App Cluster")))?,
        )
    };
    let established = current
        .and_then(|c| c.status)
        .and_then(|s| s.conditions)
        .is_some_and(|c| {
            c.iter()
                .any(|c| c.type_ == "Established" && c.status == "True")
        });
    Ok(if established {
        CrdState::Established
    } else {
        CrdState::Pending
    })
}

/// The kind a CRD serves, in the version the konnector syncs (the first served one).
pub fn synced_resource(export: &APIServiceExport) -> Option<ApiResource> {
    let version = export.spec.versions.iter().find(|v| v.served)?;
    let gvk = GroupVersionKind::gvk(&export.spec.group, &version.name, &export.spec.names.kind);
    Some(ApiResource::from_gvk_with_plural(
        &gvk,
        &export.spec.names.plural,
    ))
}

/// Release the objects of every binding-owned CRD that is being deleted; runs until `stop`.
pub async fn run_release(app: Client, stop: CancellationToken) {
    let api = Api::<CustomResourceDefinition>::all(app.clone());
    let controller = Controller::new(api, watcher::Config::default())
        .graceful_shutdown_on(stop.clone().cancelled_owned());
    let results = controller.run(
        release,
        |_, error, _| {
            tracing::warn!(%error, "konnector: releasing a CRD's objects failed; retrying");
            Action::requeue(Duration::from_secs(1))
        },
        Arc::new(app),
    );
    // Releasing is idempotent: after a stop, whatever was not done is done by the next run.
    run_controller(
        "crd-release",
        results.boxed(),
        stop,
        std::future::ready(()),
        GRACE,
    )
    .await;
}

async fn release(
    crd: Arc<CustomResourceDefinition>,
    app: Arc<Client>,
) -> Result<Action, SyncError> {
    if crd.metadata.deletion_timestamp.is_none() || binding_owner(&crd).is_none() {
        return Ok(Action::await_change());
    }
    let Some(version) = crd.spec.versions.iter().find(|v| v.served) else {
        return Ok(Action::await_change());
    };
    let ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk(&crd.spec.group, &version.name, &crd.spec.names.kind),
        &crd.spec.names.plural,
    );
    let all: Api<DynamicObject> = Api::all_with((*app).clone(), &ar);
    let objects = all
        .list(&ListParams::default())
        .await
        .map_err(kube_err(format!(
            "listing {} in the App Cluster",
            crd.name_any()
        )))?;
    let mut pending = false;
    for obj in objects.items {
        if !obj.finalizers().iter().any(|f| f == FINALIZER_SYNCER) {
            continue;
        }
        pending = true;
        let ns = obj.namespace().unwrap_or_default();
        let api: Api<DynamicObject> = Api::namespaced_with((*app).clone(), &ns, &ar);
        let what = format!("{} {ns}/{}", ar.kind, obj.name_any());
        remove_finalizer(&api, &obj, &what).await?;
        tracing::info!(%what, "konnector: released (its CRD is going; the Control Plane copy stays)");
    }
    // Objects deleted after this listing come as CRD events too (its status changes).
    Ok(if pending {
        Action::requeue(Duration::from_millis(200))
    } else {
        Action::await_change()
    })
}
