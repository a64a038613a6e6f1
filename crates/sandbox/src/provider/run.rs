//! One kube-runtime controller per claim kind: its own watch, the watches that wake it for
//! other objects (bindings and backups for their instance, restores for their backup, bindings
//! for the Secrets they own), the finalizer around every reconciliation, and the error policy.

use super::claim::{Claim, crossplane_spec};
use super::context::{KindCtx, Shared};
use super::{
    APPLIED_SPEC_ANNOTATION, FINALIZER, ProviderError, Result, backup, binding, instance, restore,
};
use k8s_openapi::api::core::v1::Secret;
use klutch::claims::{ClaimKind, DataService, GROUP};
use klutch::runtime::{DEFAULT_GRACE, run_controller};
use kube::ResourceExt;
use kube::api::{Api, DynamicObject, PartialObjectMeta};
use kube::core::ApiResource;
use kube::runtime::controller::{Action, Controller};
use kube::runtime::finalizer::{Event, finalizer};
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::watcher;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// After an error that is not a conflict or a wait: try again this soon.
const RETRY: Duration = Duration::from_millis(500);

/// Reconciliations of one kind running at once. Each needs an HTTP/1.1 connection of its
/// own (kube's client speaks no HTTP/2): a bound keeps a burst of claims from opening
/// hundreds of TLS connections.
const CONCURRENCY: u16 = 32;

/// Claims of `ar` in `target`'s namespace whose `spec.<field>` names `target` (and, with
/// `ds`, whose `serviceInstanceType` is that data service).
fn referencing(
    store: &Store<DynamicObject>,
    ar: &ApiResource,
    target: &PartialObjectMeta<DynamicObject>,
    field: &str,
    ds: Option<DataService>,
) -> Vec<ObjectRef<DynamicObject>> {
    let ns = target.namespace();
    let name = target.name_any();
    store
        .state()
        .iter()
        .filter(|c| c.namespace() == ns)
        .filter(|c| c.data["spec"][field].as_str() == Some(name.as_str()))
        .filter(|c| {
            ds.is_none_or(|d| {
                c.data["spec"]["serviceInstanceType"].as_str() == Some(d.instance_type())
            })
        })
        .map(|c| ObjectRef::from_obj_with(c.as_ref(), ar.clone()))
        .collect()
}

pub fn spawn(
    shared: Arc<Shared>,
    kind: ClaimKind,
    ar: ApiResource,
    shutdown: CancellationToken,
) -> JoinHandle<()> {
    let client = shared.client.clone();
    let api: Api<DynamicObject> = Api::all_with(client.clone(), &ar);
    let mut controller = Controller::new_with(api, watcher::Config::default(), ar.clone())
        .with_config(kube::runtime::controller::Config::default().concurrency(CONCURRENCY));
    let store = controller.store();
    let watch_refs = |controller: Controller<DynamicObject>,
                      target: &ApiResource,
                      field: &'static str,
                      ds: Option<DataService>| {
        let store = store.clone();
        let ar = ar.clone();
        // Which object changed is all the mapping needs: a metadata watch.
        controller.watches_with(
            Api::<PartialObjectMeta<DynamicObject>>::all_with(client.clone(), target),
            target.clone(),
            watcher::Config::default(),
            move |t: PartialObjectMeta<DynamicObject>| referencing(&store, &ar, &t, field, ds),
        )
    };
    match kind {
        ClaimKind::ServiceBinding | ClaimKind::Backup => {
            for ds in DataService::ALL {
                if let Some(target) = shared.resource(ClaimKind::Instance(ds)) {
                    controller = watch_refs(controller, target, "instanceRef", Some(ds));
                }
            }
        }
        ClaimKind::Restore => {
            if let Some(target) = shared.resource(ClaimKind::Backup) {
                controller = watch_refs(controller, target, "backupRef", None);
            }
        }
        ClaimKind::Instance(_) => {}
    }
    if kind == ClaimKind::ServiceBinding {
        controller = controller.owns_with(
            Api::<Secret>::all(client.clone()),
            (),
            watcher::Config::default(),
        );
    }
    let ctx = Arc::new(KindCtx { shared, kind, ar });
    let results = controller
        .graceful_shutdown_on(shutdown.clone().cancelled_owned())
        .run(reconcile, error_policy, ctx);
    let started = async move {
        let _ = store.wait_until_ready().await;
    };
    tokio::spawn(async move {
        let name = format!("provider {}", kind.kind());
        run_controller(&name, results, shutdown, started, DEFAULT_GRACE).await;
    })
}

/// A reconciliation that has to wait: requeue after the duration, or (`None`) wait for a
/// watch event. Only cleanup uses it: an `Ok` there would remove the finalizer.
fn waiting(e: &ProviderError) -> Option<Action> {
    match e {
        ProviderError::Finalizer { source, .. } => match source.as_ref() {
            kube::runtime::finalizer::Error::CleanupFailed(ProviderError::Pending(d))
            | kube::runtime::finalizer::Error::ApplyFailed(ProviderError::Pending(d)) => {
                Some(d.map(Action::requeue).unwrap_or_else(Action::await_change))
            }
            _ => None,
        },
        _ => None,
    }
}

fn error_policy(obj: Arc<DynamicObject>, e: &ProviderError, ctx: Arc<KindCtx>) -> Action {
    if let Some(a) = waiting(e) {
        return a;
    }
    tracing::warn!(
        kind = ctx.kind.kind(),
        namespace = obj.namespace().unwrap_or_default(),
        name = obj.name_any(),
        error = %e,
        "provider reconciliation failed; retrying"
    );
    Action::requeue(RETRY)
}

/// Take a new claim on: the finalizer, and what Crossplane sets when it binds a claim, in
/// one write. (kube-runtime's finalizer helper would add the first finalizer with a JSON patch
/// that tests `/metadata/finalizers` for null; the sandbox's API server refuses a test of a
/// missing path, which kube-apiserver accepts.)
async fn adopt(ctx: &KindCtx, obj: &DynamicObject) -> Result<DynamicObject> {
    let mut claim = Claim::new(&ctx.shared, &ctx.ar, ctx.kind, obj)?;
    let mut patch = crossplane_spec(&claim).unwrap_or_else(|| json!({}));
    patch["metadata"]["finalizers"] = json!([FINALIZER]);
    if let ClaimKind::Instance(_) = ctx.kind {
        patch["metadata"]["annotations"] =
            json!({APPLIED_SPEC_ANNOTATION: instance::spec_hash(&claim)});
    }
    claim.patch(patch).await?;
    Ok(claim.obj)
}

async fn reconcile(obj: Arc<DynamicObject>, ctx: Arc<KindCtx>) -> Result<Action> {
    let Some(ns) = obj.namespace() else {
        return Err(ProviderError::NoNamespace {
            kind: ctx.kind.kind().to_string(),
            name: obj.name_any(),
        });
    };
    let obj = if obj.finalizers().is_empty() && obj.metadata.deletion_timestamp.is_none() {
        match adopt(&ctx, &obj).await {
            Ok(o) => Arc::new(o),
            Err(e) if e.is_conflict() => return Ok(Action::await_change()),
            Err(e) => return Err(e),
        }
    } else {
        obj
    };
    let api: Api<DynamicObject> = Api::namespaced_with(ctx.shared.client.clone(), &ns, &ctx.ar);
    let kind = ctx.kind;
    finalizer(&api, FINALIZER, obj, |event| async {
        match event {
            Event::Apply(o) => {
                let r = match kind {
                    ClaimKind::Instance(ds) => instance::apply(&ctx, ds, &o).await,
                    ClaimKind::ServiceBinding => binding::apply(&ctx, &o).await,
                    ClaimKind::Backup => backup::apply(&ctx, &o).await,
                    ClaimKind::Restore => restore::apply(&ctx, &o).await,
                };
                // A newer version exists; its watch event reconciles again.
                r.or_else(|e| match e.is_conflict() {
                    true => Ok(Action::await_change()),
                    false => Err(e),
                })
            }
            Event::Cleanup(o) => {
                let r = match kind {
                    ClaimKind::Instance(ds) => instance::cleanup(&ctx, ds, &o).await,
                    ClaimKind::ServiceBinding => binding::cleanup(&ctx, &o).await,
                    ClaimKind::Backup => backup::cleanup(&ctx, &o).await,
                    ClaimKind::Restore => restore::cleanup(&ctx, &o).await,
                };
                // Only a finished cleanup may return Ok: that removes the finalizer.
                r.map_err(|e| match e.is_conflict() {
                    true => ProviderError::Pending(None),
                    false => e,
                })
            }
        }
    })
    .await
    .map_err(|e| ProviderError::Finalizer {
        kind: format!("{}.{GROUP}", kind.kind()),
        source: Box::new(e),
    })
}
