//! APIServiceExportRequest → APIServiceExport (one per requested resource, named
//! like the CRD, with the CRD snapshot and the template's permission claims).
//! A request whose template or CRD is missing fails at once with a condition
//! that names what is missing (upstream leaves it Pending forever, §6).
//! A request that is no longer Pending is deleted once it is [`RETENTION`] old, as
//! upstream's backend does: requests are not records.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use klutch::bind::names::ANNOTATION_SOURCE_SPEC_HASH;
use klutch::bind::{
    APIServiceExport, APIServiceExportRequest, APIServiceExportRequestStatus, Condition,
    ConditionSeverity, ExportRequestPhase, Scope, TemplateApiGroup, condition_types,
    export_spec_from_crd, set_condition,
};
use kube::api::{Api, DeleteParams, ObjectMeta, Patch, PatchParams, PostParams};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::watcher;
use kube::{Resource, ResourceExt};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::{Ctx, ReconcileError, drain, error_policy, kube_err};
use crate::backend::spec_hash;

pub async fn run(ctx: Arc<Ctx>, stop: CancellationToken) {
    let api = Api::<APIServiceExportRequest>::all(ctx.client.clone());
    let controller = Controller::new(api, watcher::Config::default());
    let store = controller.store();
    let results = controller
        .graceful_shutdown_on(stop.clone().cancelled_owned())
        .run(reconcile, error_policy, ctx);
    drain("exportrequests", results, store, stop).await;
}

/// How long a request that is no longer Pending is kept (upstream: 10 minutes).
pub const RETENTION: std::time::Duration = std::time::Duration::from_secs(600);

/// How long a finished request created at `created` is still kept at `now`; `None` when
/// its time is up.
fn retention_left(
    created: std::time::SystemTime,
    now: std::time::SystemTime,
) -> Option<std::time::Duration> {
    let age = now.duration_since(created).unwrap_or_default();
    RETENTION.checked_sub(age).filter(|left| !left.is_zero())
}

/// Why one resource of a request cannot be exported.
struct Refusal {
    reason: &'static str,
    message: String,
}

async fn reconcile(
    request: Arc<APIServiceExportRequest>,
    ctx: Arc<Ctx>,
) -> Result<Action, ReconcileError> {
    if request.meta().deletion_timestamp.is_some() {
        return Ok(Action::await_change());
    }
    let ns = request.namespace().unwrap_or_default();
    let name = request.name_any();
    if request.phase() != ExportRequestPhase::Pending {
        return expire(&ctx, &request, &ns, &name).await;
    }
    let mut refusals = Vec::new();
    for resource in &request.spec.resources {
        match export_one(&ctx, &ns, &resource.group, &resource.resource).await? {
            Ok(()) => {}
            Err(refusal) => refusals.push(refusal),
        }
    }
    let now = ctx.now();
    let mut status = request.status.clone().unwrap_or_default();
    let mut conditions = status.conditions.take().unwrap_or_default();
    if refusals.is_empty() {
        set_condition(
            &mut conditions,
            Condition::true_(condition_types::EXPORTS_READY, now.clone()),
        );
        set_condition(
            &mut conditions,
            Condition::true_(condition_types::READY, now),
        );
        status.phase = Some(ExportRequestPhase::Succeeded);
        status.terminal_message = None;
    } else {
        let message = refusals
            .iter()
            .map(|r| r.message.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        let reason = refusals[0].reason;
        for type_ in [condition_types::EXPORTS_READY, condition_types::READY] {
            set_condition(
                &mut conditions,
                Condition::false_(
                    type_,
                    ConditionSeverity::Error,
                    reason,
                    &message,
                    now.clone(),
                ),
            );
        }
        status.phase = Some(ExportRequestPhase::Failed);
        status.terminal_message = Some(message);
    }
    status.conditions = Some(conditions);
    write_status(&ctx, &ns, &name, status).await?;
    Ok(Action::requeue(RETENTION))
}

/// Delete a finished request once it is [`RETENTION`] old; until then, come back when it is.
async fn expire(
    ctx: &Ctx,
    request: &APIServiceExportRequest,
    ns: &str,
    name: &str,
) -> Result<Action, ReconcileError> {
    let created = request
        .meta()
        .creation_timestamp
        .as_ref()
        .map(|t| std::time::SystemTime::from(t.0))
        .unwrap_or(std::time::UNIX_EPOCH);
    if let Some(left) = retention_left(created, ctx.clock.now()) {
        return Ok(Action::requeue(left));
    }
    let api = Api::<APIServiceExportRequest>::namespaced(ctx.client.clone(), ns);
    match api.delete(name, &DeleteParams::default()).await {
        Ok(_) => {
            tracing::info!(namespace = %ns, request = %name, "bind backend: deleted a finished export request after its retention");
            Ok(Action::await_change())
        }
        Err(kube::Error::Api(e)) if e.code == 404 => Ok(Action::await_change()),
        Err(e) => Err(kube_err(format!(
            "deleting APIServiceExportRequest {ns}/{name}"
        ))(e)),
    }
}

async fn write_status(
    ctx: &Ctx,
    ns: &str,
    name: &str,
    status: APIServiceExportRequestStatus,
) -> Result<(), ReconcileError> {
    let api = Api::<APIServiceExportRequest>::namespaced(ctx.client.clone(), ns);
    api.patch_status(
        name,
        &PatchParams::default(),
        &Patch::Merge(json!({"status": status})),
    )
    .await
    .map_err(kube_err(format!(
        "writing the status of APIServiceExportRequest {ns}/{name}"
    )))?;
    tracing::info!(namespace = %ns, request = %name, phase = ?status.phase, "bind backend: export request handled");
    Ok(())
}

/// Make sure the export of `<resource>.<group>` exists in `ns`.
async fn export_one(
    ctx: &Ctx,
    ns: &str,
    group: &str,
    resource: &str,
) -> Result<Result<(), Refusal>, ReconcileError> {
    let crd_name = if group.is_empty() {
        resource.to_owned()
    } else {
        format!("{resource}.{group}")
    };
    let template = ctx
        .catalog
        .template_for_fresh(group, resource)
        .await
        .map_err(kube_err("listing APIServiceExportTemplates"))?;
    let Some(template) = template else {
        let looked_in = TemplateApiGroup::ALL
            .map(TemplateApiGroup::group)
            .join(" and ");
        return Ok(Err(Refusal {
            reason: "TemplateNotFound",
            message: format!(
                "no APIServiceExportTemplate selects resource {resource:?} in group {group:?} \
                 (looked in {looked_in}, all namespaces)"
            ),
        }));
    };
    let crds = Api::<CustomResourceDefinition>::all(ctx.client.clone());
    let Some(crd) = crds
        .get_opt(&crd_name)
        .await
        .map_err(kube_err(format!("reading CRD {crd_name}")))?
    else {
        return Ok(Err(Refusal {
            reason: "CRDNotFound",
            message: format!(
                "CustomResourceDefinition {crd_name} does not exist on the Control Plane"
            ),
        }));
    };
    let exports = Api::<APIServiceExport>::namespaced(ctx.client.clone(), ns);
    if exports
        .get_opt(&crd_name)
        .await
        .map_err(kube_err(format!(
            "reading APIServiceExport {ns}/{crd_name}"
        )))?
        .is_some()
    {
        return Ok(Ok(()));
    }
    let spec = match export_spec_from_crd(
        &crd,
        template.template.spec.permission_claims.clone(),
        Scope::Namespaced,
    ) {
        Ok(spec) => spec,
        Err(e) => {
            return Ok(Err(Refusal {
                reason: "CRDInvalid",
                message: e.to_string(),
            }));
        }
    };
    let export = APIServiceExport {
        metadata: ObjectMeta {
            name: Some(crd_name.clone()),
            namespace: Some(ns.to_owned()),
            annotations: Some(BTreeMap::from([(
                ANNOTATION_SOURCE_SPEC_HASH.to_owned(),
                spec_hash(&spec),
            )])),
            ..ObjectMeta::default()
        },
        spec,
        status: None,
    };
    match exports.create(&PostParams::default(), &export).await {
        Ok(_) => {
            tracing::info!(namespace = %ns, export = %crd_name, "bind backend: created an APIServiceExport");
            Ok(Ok(()))
        }
        Err(kube::Error::Api(e)) if e.code == 409 => Ok(Ok(())),
        Err(kube::Error::Api(e)) if e.code == 422 || e.code == 400 => Ok(Err(Refusal {
            reason: "CRDInvalid",
            message: format!("the export of {crd_name} was refused: {}", e.message),
        })),
        Err(e) => Err(kube_err(format!(
            "creating APIServiceExport {ns}/{crd_name}"
        ))(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn finished_requests_are_kept_ten_minutes_from_their_creation() {
        let created = UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert_eq!(retention_left(created, created), Some(RETENTION));
        assert_eq!(
            retention_left(created, created + Duration::from_secs(540)),
            Some(Duration::from_secs(60))
        );
        assert_eq!(retention_left(created, created + RETENTION), None);
        assert_eq!(
            retention_left(created, created + Duration::from_secs(3600)),
            None
        );
        // A creation time ahead of the clock (skew) counts as brand new.
        assert_eq!(
            retention_left(created + Duration::from_secs(5), created),
            Some(RETENTION)
        );
    }
}
