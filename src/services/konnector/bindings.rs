//! The APIServiceBinding controller: for each binding, its kubeconfig Secret (`SecretValid`),
//! the Control Plane connection of that kubeconfig (`Connected`: reachable, cluster namespace
//! readable, export present), the CRD from the export (`SchemaInSync`: created, not foreign,
//! served), the kind's sync (`InformersSynced`), the heartbeat (`Heartbeating`) and the
//! summary `Ready`. It is the only writer of a binding's status; the other parts wake it.

use super::cluster::{Env, Link, Session};
use super::crds::{CrdState, apply_crd};
use super::error::{SyncError, kube_err};
use super::events::{BindingState, KonnectorEvent};
use super::heartbeat::Beat;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use klutch::bind::{
    APIServiceBinding, APIServiceExport, Condition, ConditionSeverity, ConditionStatus,
    condition_types as types, set_condition,
};
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::runtime::reflector::Store;
use kube::{Client, ResourceExt};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// What the binding controller holds.
pub struct Ctx {
    pub env: Env,
    pub secrets: Store<Secret>,
    /// Sessions by kubeconfig content, and the session of each binding.
    pub sessions: tokio::sync::Mutex<Registry>,
}

#[derive(Default)]
pub struct Registry {
    by_kubeconfig: HashMap<String, Arc<Session>>,
    of_binding: HashMap<String, String>,
}

/// How many conditions a binding has when every step was reached (`Ready` aside).
const CHECKED: usize = 5;

/// The conditions of one reconcile, in the order they are checked.
struct Conds(Vec<Condition>, Time);

impl Conds {
    fn ok(&mut self, t: &str) {
        self.0.push(Condition::true_(t, self.1.clone()));
    }
    fn fail(&mut self, t: &str, reason: &str, message: impl Into<String>) {
        self.0.push(Condition::false_(
            t,
            ConditionSeverity::Error,
            reason,
            message,
            self.1.clone(),
        ));
    }
    fn pending(&mut self, t: &str, reason: &str, message: impl Into<String>) {
        self.0.push(Condition::false_(
            t,
            ConditionSeverity::Info,
            reason,
            message,
            self.1.clone(),
        ));
    }
}

fn now() -> Time {
    Time(jiff::Timestamp::now())
}

pub async fn reconcile(
    binding: Arc<APIServiceBinding>,
    ctx: Arc<Ctx>,
) -> Result<Action, SyncError> {
    let name = binding.name_any();
    let mut conds = Conds(Vec::new(), now());
    let mut pretty = None;
    let kubeconfig = match kubeconfig_of(&binding, &ctx).await {
        Ok(k) => {
            conds.ok(types::SECRET_VALID);
            Some(k)
        }
        Err((reason, message)) => {
            conds.fail(types::SECRET_VALID, reason, message);
            None
        }
    };
    if let Some(kubeconfig) = kubeconfig {
        match ctx.session_for(&name, &kubeconfig).await {
            Err(message) => conds.fail(types::SECRET_VALID, "KubeconfigSecretInvalid", message),
            Ok(session) => {
                session.attach(&binding).await;
                pretty = session.pretty_name();
                sync(&binding, &session, &ctx, &mut conds).await?;
            }
        }
    } else {
        ctx.detach(&name).await;
    }
    write_status(&binding, &ctx.env.app, conds, pretty, &ctx).await?;
    Ok(Action::await_change())
}

/// Connected, SchemaInSync, InformersSynced, Heartbeating.
async fn sync(
    binding: &APIServiceBinding,
    session: &Session,
    ctx: &Ctx,
    conds: &mut Conds,
) -> Result<(), SyncError> {
    let name = binding.name_any();
    match session.link() {
        Link::Connecting => {
            conds.pending(
                types::CONNECTED,
                "Connecting",
                "connecting to the Control Plane",
            );
            return Ok(());
        }
        Link::Down { reason, message } => {
            conds.fail(types::CONNECTED, reason, message);
            return Ok(());
        }
        Link::Up => {}
    }
    let Some(export) = session.export(&name) else {
        conds.fail(
            types::CONNECTED,
            "APIServiceExportNotFound",
            format!(
                "APIServiceExport {name} is not in the cluster namespace {} on the Control Plane; \
                 bind the API again (klutch-tui bind)",
                session.cluster_ns
            ),
        );
        return Ok(());
    };
    conds.ok(types::CONNECTED);
    let crd = match apply_crd(&ctx.env.app, binding, &export).await {
        Ok(state) => state,
        Err(e) => {
            conds.fail(
                types::SCHEMA_IN_SYNC,
                "CustomResourceDefinitionUpdateFailed",
                e.to_string(),
            );
            return Ok(());
        }
    };
    let established = crd == CrdState::Established;
    let synced = match crd {
        CrdState::Established => {
            conds.ok(types::SCHEMA_IN_SYNC);
            session.ensure_kind(&name, &export).await
        }
        CrdState::Pending => {
            conds.pending(
                types::SCHEMA_IN_SYNC,
                "Pending",
                format!("CRD {name} is not served yet"),
            );
            false
        }
        CrdState::Terminating => {
            conds.pending(
                types::SCHEMA_IN_SYNC,
                "CustomResourceDefinitionTerminating",
                format!("the previous CRD {name} is still being deleted"),
            );
            false
        }
        CrdState::Foreign(message) => {
            conds.fail(
                types::SCHEMA_IN_SYNC,
                "ForeignCustomResourceDefinition",
                message,
            );
            false
        }
    };
    if synced {
        conds.ok(types::INFORMERS_SYNCED);
    } else {
        conds.pending(
            types::INFORMERS_SYNCED,
            "Listing",
            "listing the objects on both sides",
        );
    }
    match session.beat() {
        Beat::Beating(_) => conds.ok(types::HEARTBEATING),
        Beat::Pending => conds.pending(types::HEARTBEATING, "Pending", "no heartbeat yet"),
        Beat::Failing { reason, message } => conds.fail(types::HEARTBEATING, reason, message),
    }
    write_export_status(session, &export, synced && established).await
}

/// The export's `Connected` and `ConsumerInSync`, from what the loop knows.
async fn write_export_status(
    session: &Session,
    export: &APIServiceExport,
    in_sync: bool,
) -> Result<(), SyncError> {
    let mut conditions = export
        .status
        .as_ref()
        .and_then(|s| s.conditions.clone())
        .unwrap_or_default();
    let at = now();
    let mut changed = set_condition(
        &mut conditions,
        Condition::true_(types::CONNECTED, at.clone()),
    );
    let consumer = if in_sync {
        Condition::true_(types::CONSUMER_IN_SYNC, at)
    } else {
        Condition::false_(
            types::CONSUMER_IN_SYNC,
            ConditionSeverity::Info,
            "Syncing",
            "the konnector is creating the CRD or listing objects",
            at,
        )
    };
    changed |= set_condition(&mut conditions, consumer);
    if !changed {
        return Ok(());
    }
    let name = export.name_any();
    Api::<APIServiceExport>::namespaced(session.cp.clone(), &session.cluster_ns)
        .patch_status(
            &name,
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"conditions": conditions}})),
        )
        .await
        .map(|_| ())
        .map_err(kube_err(format!(
            "writing the status of APIServiceExport {}/{name} on the Control Plane",
            session.cluster_ns
        )))
}

/// The kubeconfig text of the binding's Secret, or the condition's reason and message.
async fn kubeconfig_of(
    binding: &APIServiceBinding,
    ctx: &Ctx,
) -> Result<String, (&'static str, String)> {
    let r = &binding.spec.kubeconfig_secret_ref;
    let secret = if r.namespace == ctx.env.binding_namespace {
        ctx.secrets
            .get(&kube::runtime::reflector::ObjectRef::new(&r.name).within(&r.namespace))
            .map(|s| (*s).clone())
    } else {
        read_secret(&ctx.env.app, binding).await?
    };
    kubeconfig_in(binding, secret.as_ref())
}

/// Read the kubeconfig Secret a binding names (`None`: it does not exist).
pub async fn read_secret(
    app: &Client,
    binding: &APIServiceBinding,
) -> Result<Option<Secret>, (&'static str, String)> {
    let r = &binding.spec.kubeconfig_secret_ref;
    Api::<Secret>::namespaced(app.clone(), &r.namespace)
        .get_opt(&r.name)
        .await
        .map_err(|e| {
            (
                "KubeconfigSecretNotFound",
                format!("reading Secret {}/{}: {e}", r.namespace, r.name),
            )
        })
}

/// The kubeconfig text in a binding's Secret (`secret`, as read), or the reason and message
/// the binding's `SecretValid` condition gives when there is none.
pub fn kubeconfig_in(
    binding: &APIServiceBinding,
    secret: Option<&Secret>,
) -> Result<String, (&'static str, String)> {
    let r = &binding.spec.kubeconfig_secret_ref;
    let Some(secret) = secret else {
        return Err((
            "KubeconfigSecretNotFound",
            format!(
                "the kubeconfig Secret {}/{} does not exist; rerun klutch-tui bind for repair",
                r.namespace, r.name
            ),
        ));
    };
    let data = secret
        .data
        .as_ref()
        .and_then(|d| d.get(klutch::bind::names::KUBECONFIG_SECRET_KEY))
        .map(|b| String::from_utf8_lossy(&b.0).into_owned())
        .filter(|s| !s.trim().is_empty());
    data.ok_or_else(|| {
        (
            "KubeconfigSecretInvalid",
            format!(
                "the Secret {}/{} has no key `kubeconfig`; rerun klutch-tui bind for repair",
                r.namespace, r.name
            ),
        )
    })
}

/// A client for the kubeconfig's current context, and that context's namespace (the
/// cluster namespace on the Control Plane).
pub async fn client_of(kubeconfig: &str) -> Result<(Client, String), String> {
    let kc = kube::config::Kubeconfig::from_yaml(kubeconfig)
        .map_err(|e| format!("the kubeconfig is not valid: {e}"))?;
    let ns = kc
        .current_context
        .as_ref()
        .and_then(|c| kc.contexts.iter().find(|n| &n.name == c))
        .and_then(|c| c.context.as_ref())
        .and_then(|c| c.namespace.clone())
        .ok_or("the kubeconfig's current context names no namespace (the cluster namespace)")?;
    let config = kube::Config::from_custom_kubeconfig(kc, &Default::default())
        .await
        .map_err(|e| format!("the kubeconfig is not usable: {e}"))?;
    let client =
        Client::try_from(config).map_err(|e| format!("no client for the kubeconfig: {e}"))?;
    Ok((client, ns))
}

impl Ctx {
    /// The session of `kubeconfig`, started if new; the binding moves to it.
    async fn session_for(&self, binding: &str, kubeconfig: &str) -> Result<Arc<Session>, String> {
        let mut registry = self.sessions.lock().await;
        if registry
            .of_binding
            .get(binding)
            .is_some_and(|k| k != kubeconfig)
        {
            drop(registry);
            self.detach(binding).await;
            registry = self.sessions.lock().await;
        }
        if let Some(s) = registry.by_kubeconfig.get(kubeconfig) {
            let s = s.clone();
            registry
                .of_binding
                .insert(binding.to_owned(), kubeconfig.to_owned());
            return Ok(s);
        }
        let (cp, ns) = client_of(kubeconfig).await?;
        tracing::info!(cluster_namespace = %ns, "konnector: connecting to a Control Plane");
        let session = Session::start(cp, ns, self.env.clone());
        registry
            .by_kubeconfig
            .insert(kubeconfig.to_owned(), session.clone());
        registry
            .of_binding
            .insert(binding.to_owned(), kubeconfig.to_owned());
        Ok(session)
    }

    /// Stop syncing `binding`; a session left without bindings stops.
    pub async fn detach(&self, binding: &str) {
        let mut registry = self.sessions.lock().await;
        let Some(key) = registry.of_binding.remove(binding) else {
            return;
        };
        let Some(session) = registry.by_kubeconfig.get(&key).cloned() else {
            return;
        };
        if !session.detach(binding).await {
            registry.by_kubeconfig.remove(&key);
            drop(registry);
            session.stop().await;
        }
    }

    /// Detach every binding that no longer exists.
    pub async fn prune(&self, store: &Store<APIServiceBinding>) {
        let gone: Vec<String> = {
            let registry = self.sessions.lock().await;
            registry
                .of_binding
                .keys()
                .filter(|b| {
                    store
                        .get(
                            &kube::runtime::reflector::ObjectRef::new(b)
                                .within(&self.env.binding_namespace),
                        )
                        .is_none()
                })
                .cloned()
                .collect()
        };
        for b in gone {
            tracing::info!(binding = %b, "konnector: binding gone; its kind stops syncing");
            self.detach(&b).await;
            self.env.reporter.forget(&b);
        }
    }

    /// Stop every session.
    pub async fn stop_all(&self) {
        let sessions: Vec<Arc<Session>> = {
            let mut registry = self.sessions.lock().await;
            registry.of_binding.clear();
            registry.by_kubeconfig.drain().map(|(_, s)| s).collect()
        };
        for s in sessions {
            s.stop().await;
        }
    }
}

/// Merge the new conditions into the binding's, derive `Ready`, write if anything changed,
/// and report the binding's state.
async fn write_status(
    binding: &APIServiceBinding,
    app: &Client,
    conds: Conds,
    pretty: Option<String>,
    ctx: &Ctx,
) -> Result<(), SyncError> {
    let old = binding.status.clone().unwrap_or_default();
    let mut conditions = old.conditions.clone().unwrap_or_default();
    conditions.retain(|c| conds.0.iter().any(|n| n.type_ == c.type_) || c.type_ == types::READY);
    let mut changed = conditions.len() != old.conditions.as_ref().map_or(0, Vec::len);
    for c in &conds.0 {
        changed |= set_condition(&mut conditions, c.clone());
    }
    let ready = match conds.0.iter().find(|c| c.status != ConditionStatus::True) {
        None if conds.0.len() == CHECKED => Condition::true_(types::READY, conds.1.clone()),
        None => Condition::false_(
            types::READY,
            ConditionSeverity::Info,
            "Pending",
            "starting",
            conds.1.clone(),
        ),
        Some(c) => Condition {
            type_: types::READY.to_owned(),
            ..c.clone()
        },
    };
    let state = match ready.status {
        ConditionStatus::True => BindingState::Ready,
        _ if ready.severity == Some(ConditionSeverity::Info) => BindingState::Starting,
        _ => BindingState::Failing {
            reason: ready.reason.clone().unwrap_or_default(),
            message: ready.message.clone().unwrap_or_default(),
        },
    };
    changed |= set_condition(&mut conditions, ready);
    let pretty = pretty.or(old.provider_pretty_name.clone());
    changed |= pretty != old.provider_pretty_name;
    let name = binding.name_any();
    let reported = ctx
        .env
        .reporter
        .snapshot()
        .bindings
        .get(&name)
        .map(|b| b.state.clone());
    if reported.as_ref() != Some(&state) {
        ctx.env.reporter.report(KonnectorEvent::Binding {
            binding: name.clone(),
            state,
        });
    }
    if !changed {
        return Ok(());
    }
    let ns = binding.namespace().unwrap_or_default();
    Api::<APIServiceBinding>::namespaced(app.clone(), &ns)
        .patch_status(
            &name,
            &PatchParams::default(),
            &Patch::Merge(
                json!({"status": {"conditions": conditions, "providerPrettyName": pretty}}),
            ),
        )
        .await
        .map(|_| ())
        .map_err(kube_err(format!(
            "writing the status of APIServiceBinding {ns}/{name}"
        )))
}

/// Retry a failed binding reconcile.
pub fn retry(binding: Arc<APIServiceBinding>, error: &SyncError, ctx: Arc<Ctx>) -> Action {
    ctx.env.reporter.error(
        Some(&binding.name_any()),
        None,
        error.reason(),
        error.to_string(),
    );
    Action::requeue(error.retry_in().max(Duration::from_millis(500)))
}
