//! ServiceBindings (claims.md §4, §7 "ServiceBinding"): the binding waits while its instance
//! is missing ("data service instance was not found") or not ready ("service instance is not
//! ready") — the instance watch wakes it — then, after provider-anynines' transient "status
//! field is unset" error, binds: the Secret `<binding>-creds` in the claim's namespace, owned
//! by the binding, with the keys of the data service; state `Created`, `Available`. A failed
//! bind is retried. Deleting the binding deletes the Secret. The a8s flavour writes
//! `<binding>-service-binding` and reports `implemented`.

use super::claim::{Claim, crossplane_spec};
use super::context::KindCtx;
use super::credentials::{self, Deployment, User};
use super::crossplane::Flavour;
use super::instance::{consume, is_ready, next, nodes};
use super::status::{self, Cond, Doc, Step};
use super::{MANAGER, ProviderError, Result};
use jiff::Timestamp;
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use klutch::claims::{API_VERSION, ClaimKind, DataService};
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams};
use kube::runtime::controller::Action;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// The share of the provisioning delay a bind takes, and the least time before a failed
/// bind is retried.
const BIND: f64 = 0.2;
const MIN_RETRY: Duration = Duration::from_secs(1);

const NOT_FOUND: &str = "data service instance was not found";
const NOT_READY: &str = "service instance is not ready";
const UNSET: &str = "servicebinding status field is unset, setting required values";

fn api_error(
    claim: &Claim,
    action: &'static str,
    what: &str,
    source: kube::Error,
) -> ProviderError {
    ProviderError::Api {
        action,
        kind: what.to_string(),
        namespace: claim.namespace().to_string(),
        name: claim.name().to_string(),
        source: Box::new(source),
    }
}

/// The instance claim a binding or backup refers to, if it exists.
pub async fn instance_of(
    ctx: &KindCtx,
    claim: &Claim,
) -> Result<Option<(DataService, DynamicObject)>> {
    let Some(ds) = claim
        .spec_str("serviceInstanceType")
        .and_then(DataService::from_instance_type)
    else {
        return Ok(None);
    };
    let (Some(ar), Some(name)) = (
        ctx.shared.resource(ClaimKind::Instance(ds)),
        claim.spec_str("instanceRef"),
    ) else {
        return Ok(None);
    };
    let api: Api<DynamicObject> =
        Api::namespaced_with(ctx.shared.client.clone(), claim.namespace(), ar);
    let found = api
        .get_opt(name)
        .await
        .map_err(|e| api_error(claim, "reading the instance of", claim.kind.kind(), e))?;
    Ok(found.map(|o| (ds, o)))
}

fn secret_name(claim: &Claim) -> String {
    match claim.flavour() {
        Flavour::A9s => format!("{}-creds", claim.name()),
        Flavour::A8s => format!("{}-service-binding", claim.name()),
    }
}

fn bound(claim: &Claim) -> bool {
    match claim.flavour() {
        Flavour::A9s => claim.managed_str("state") == Some("Created"),
        Flavour::A8s => claim.managed("implemented") == Some(&json!(true)),
    }
}

/// The MR's `Synced` condition, if it currently shows this error message.
fn synced_error_since(claim: &Claim, message: &str) -> Option<Timestamp> {
    let conds = claim.managed("conditions")?.as_array()?;
    let synced = conds.iter().find(|c| c["type"] == "Synced")?;
    let shown = synced["message"].as_str()?;
    (shown == format!("observe failed: {message}"))
        .then(|| status::parse(synced.get("lastTransitionTime")))
        .flatten()
}

fn pending(claim: &Claim, mr: Vec<Cond>) -> Doc {
    let mut managed = Map::new();
    if claim.flavour() == Flavour::A9s {
        managed.insert("state".into(), json!("Pending"));
        Doc::waiting(mr, managed)
    } else {
        managed.insert("implemented".into(), json!(false));
        Doc {
            claim: vec![Cond::synced(), Cond::available()],
            managed,
            mr: None,
        }
    }
}

pub async fn apply(ctx: &KindCtx, obj: &DynamicObject) -> Result<Action> {
    let shared = &ctx.shared;
    let mut claim = Claim::new(shared, &ctx.ar, ctx.kind, obj)?;
    if let Some(p) = crossplane_spec(&claim) {
        claim.patch(p).await?;
    }
    let now = Timestamp::now();
    let secrets: Api<Secret> = Api::namespaced(shared.client.clone(), claim.namespace());
    let secret = secret_name(&claim);
    let is_bound = bound(&claim);
    let existing = secrets.get_opt(&secret).await.map_err(|e| {
        api_error(
            &claim,
            "reading the Secret of",
            ClaimKind::ServiceBinding.kind(),
            e,
        )
    })?;
    if is_bound && existing.is_some() {
        return Ok(Action::await_change());
    }
    // Credentials this binding's Secret already holds were handed out (a reconciliation that
    // ran before our own status write reached the cache): keep them, only the status is due.
    let handed_out = existing.is_some_and(|s| {
        s.metadata
            .owner_references
            .iter()
            .flatten()
            .any(|o| o.controller == Some(true) && o.uid == claim.uid())
    });
    let instance = instance_of(ctx, &claim).await?;
    let problem = match &instance {
        None => Some(NOT_FOUND),
        Some((_, i)) if !is_ready(i) => Some(NOT_READY),
        Some(_) => None,
    };
    let (Some((ds, instance)), None) = (instance, problem) else {
        if is_bound {
            // Bound already: a later change of the instance changes nothing here.
            return Ok(Action::await_change());
        }
        let msg = problem.unwrap_or(NOT_FOUND);
        let doc = pending(&claim, vec![Cond::reconcile_error(Step::Observe, msg)]);
        claim.write_status(doc.render(claim.status(), now)).await?;
        return Ok(Action::await_change());
    };
    let a9s = claim.flavour() == Flavour::A9s;
    let takes = shared.delay_share(BIND);
    if a9s && !is_bound && !handed_out && !takes.is_zero() {
        let Some(since) = synced_error_since(&claim, UNSET) else {
            let doc = pending(&claim, vec![Cond::reconcile_error(Step::Observe, UNSET)]);
            let wrote = claim.write_status(doc.render(claim.status(), now)).await?;
            return Ok(next(wrote, takes));
        };
        if let Some(left) = status::remaining(Some(since), takes, now) {
            return Ok(Action::requeue(left));
        }
    }
    if !is_bound
        && !handed_out
        && let Some(fault) = shared.faults.draw(&claim.obj)
    {
        consume(&mut claim, &fault).await?;
        let doc = pending(
            &claim,
            vec![Cond::reconcile_error(Step::Create, &fault.message)],
        );
        claim.write_status(doc.render(claim.status(), now)).await?;
        return Ok(Action::requeue(shared.delay.max(MIN_RETRY)));
    }
    if !handed_out {
        let user = User {
            name: format!("a9s{}", shared.faults.hex(12)),
            password: format!("a9s{}", shared.faults.hex(20)),
        };
        let data = if a9s {
            let plan = instance.data["spec"]["plan"].as_str().unwrap_or_default();
            let uid = instance.metadata.uid.as_deref().unwrap_or_default();
            let dep = Deployment::of_instance(ds, uid, nodes(plan));
            credentials::secret_data(&dep, &user, &shared.service_ca)
        } else {
            let name = instance.metadata.name.as_deref().unwrap_or_default();
            credentials::a8s_secret_data(name, claim.namespace(), &user)
        };
        write_secret(&secrets, &claim, &secret, data).await?;
    }
    tracing::debug!(
        binding = claim.name(),
        namespace = claim.namespace(),
        secret,
        "bound"
    );
    let doc = if a9s {
        let mut managed = Map::new();
        managed.insert("state".into(), json!("Created"));
        Doc {
            claim: vec![Cond::synced(), Cond::available()],
            managed,
            mr: Some(vec![Cond::available(), Cond::synced()]),
        }
    } else {
        let mut managed = Map::new();
        managed.insert("implemented".into(), json!(true));
        managed.insert(
            "secret".into(),
            json!({"name": secret, "namespace": claim.namespace()}),
        );
        Doc {
            claim: vec![Cond::synced(), Cond::available()],
            managed,
            mr: None,
        }
    };
    claim.write_status(doc.render(claim.status(), now)).await?;
    Ok(Action::await_change())
}

async fn write_secret(
    secrets: &Api<Secret>,
    claim: &Claim,
    name: &str,
    data: std::collections::BTreeMap<String, String>,
) -> Result<()> {
    let secret = Secret {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            namespace: Some(claim.namespace().to_string()),
            owner_references: Some(vec![OwnerReference {
                api_version: claim
                    .obj
                    .types
                    .as_ref()
                    .map(|t| t.api_version.clone())
                    .unwrap_or_else(|| API_VERSION.into()),
                kind: ClaimKind::ServiceBinding.kind().into(),
                name: claim.name().to_string(),
                uid: claim.uid().to_string(),
                controller: Some(true),
                block_owner_deletion: Some(true),
            }]),
            ..Default::default()
        },
        type_: Some("Opaque".into()),
        data: Some(
            data.into_iter()
                .map(|(k, v)| (k, ByteString(v.into_bytes())))
                .collect(),
        ),
        ..Default::default()
    };
    secrets
        .patch(
            name,
            &PatchParams::apply(MANAGER).force(),
            &Patch::Apply(&secret),
        )
        .await
        .map_err(|e| {
            api_error(
                claim,
                "writing the Secret of",
                ClaimKind::ServiceBinding.kind(),
                e,
            )
        })?;
    Ok(())
}

/// Unbind: `Deleting` for a moment (with a delay), then the Secret goes and so does the
/// finalizer.
pub async fn cleanup(ctx: &KindCtx, obj: &DynamicObject) -> Result<Action> {
    let shared = &ctx.shared;
    let mut claim = Claim::new(shared, &ctx.ar, ctx.kind, obj)?;
    let takes = shared.delay_share(BIND);
    if !takes.is_zero() {
        let now = Timestamp::now();
        let doc = if claim.flavour() == Flavour::A9s {
            let mut managed = Map::new();
            managed.insert("state".into(), json!("Deleting"));
            Doc {
                claim: vec![Cond::synced(), Cond::deleting()],
                managed,
                mr: Some(vec![Cond::deleting(), Cond::synced()]),
            }
        } else {
            Doc {
                claim: vec![Cond::synced(), Cond::deleting()],
                managed: claim
                    .status()
                    .get("managed")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default(),
                mr: None,
            }
        };
        claim.write_status(doc.render(claim.status(), now)).await?;
        if let Some(left) = status::remaining(claim.deletion_time(), takes, now) {
            return Err(ProviderError::Pending(Some(left)));
        }
    }
    let secrets: Api<Secret> = Api::namespaced(shared.client.clone(), claim.namespace());
    match secrets
        .delete(&secret_name(&claim), &DeleteParams::default())
        .await
    {
        Ok(_) => {}
        Err(kube::Error::Api(s)) if s.code == 404 => {}
        Err(e) => {
            return Err(api_error(
                &claim,
                "deleting the Secret of",
                ClaimKind::ServiceBinding.kind(),
                e,
            ));
        }
    }
    Ok(Action::await_change())
}
