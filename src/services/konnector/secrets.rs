//! Claimed objects (a binding's accepted permission claims: the credentials Secrets of
//! ServiceBindings, ConfigMaps) mirrored between the sides, in the direction the claim's
//! `selector.owner` gives: Provider-owned objects (and claims that name no owner) go from the
//! mapped Control Plane namespace down into the claim's App namespace; Consumer-owned ones go
//! up. Only objects the claim's selector names are copied, and only copies marked with the
//! `resource-owner` annotation are ever changed or deleted on the receiving side.
//!
//! Fixed against upstream (bind-protocol.md §6): an App Secret is never sent up because it
//! lacks the annotation (upstream copies every unannotated Secret of a bound namespace to the
//! Control Plane); and when a source is deleted, the copy goes in the namespace it was copied
//! to (upstream deletes in the provider namespace).

use super::error::{SyncError, is_conflict, is_not_found, kube_err};
use super::events::{Direction, KonnectorEvent, ObjectKey, Reporter, SyncAction};
use super::kinds::Both;
use super::multi_ns::watch_namespaces;
use super::namespaces::NamespaceMap;
use super::ready::readiness;
use futures::StreamExt;
use klutch::bind::names::{ANNOTATION_RESOURCE_OWNER, FIELD_MANAGER};
use klutch::bind::{Owner, PermissionClaim};
use klutch::runtime::{DEFAULT_GRACE as GRACE, run_controller};
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams, PostParams, Preconditions};
use kube::core::ApiResource;
use kube::runtime::controller::{Action, Config, applier};
use kube::runtime::reflector::{ObjectRef, Store, store::Writer};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Client, ResourceExt};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_stream::wrappers::UnboundedReceiverStream;
use tokio_util::sync::CancellationToken;

/// One claimed resource and direction: what a mirror syncs.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClaimKey {
    pub group: String,
    pub version: String,
    pub resource: String,
    pub owner: Owner,
}

/// The names claimed: `None` is every name.
pub type Names = Option<BTreeSet<String>>;

/// The accepted claims of some bindings, merged per resource and direction.
pub fn merge_claims<'a>(
    claims: impl Iterator<Item = &'a PermissionClaim>,
) -> BTreeMap<ClaimKey, Names> {
    let mut out: BTreeMap<ClaimKey, Names> = BTreeMap::new();
    for c in claims {
        let key = ClaimKey {
            group: c.group.clone(),
            version: c.version.clone(),
            resource: c.resource.clone(),
            owner: c.owner().unwrap_or(Owner::Provider),
        };
        let names: Names = match c.selector.as_ref().and_then(|s| s.names.as_ref()) {
            None => None,
            Some(n) if n.iter().any(|n| n == "*") => None,
            Some(n) => Some(n.iter().cloned().collect()),
        };
        match (out.get_mut(&key), names) {
            (None, names) => {
                out.insert(key, names);
            }
            (Some(slot), None) => *slot = None,
            (Some(Some(have)), Some(more)) => have.extend(more),
            (Some(None), Some(_)) => {}
        }
    }
    out
}

/// Which side is which for one mirror.
struct Sides {
    source: Client,
    target: Client,
    direction: Direction,
}

struct MirrorCtx {
    key: ClaimKey,
    names: Names,
    ar: ApiResource,
    sides: Sides,
    namespaces: Arc<NamespaceMap>,
    source_store: Store<DynamicObject>,
    target_store: Store<DynamicObject>,
    reporter: Reporter,
    binding: String,
}

impl MirrorCtx {
    fn owner(&self) -> &'static str {
        self.key.owner.as_str()
    }

    fn claimed(&self, name: &str) -> bool {
        self.names.as_ref().is_none_or(|n| n.contains(name))
    }

    fn ours(&self, obj: &DynamicObject) -> bool {
        obj.annotations()
            .get(ANNOTATION_RESOURCE_OWNER)
            .map(String::as_str)
            == Some(self.owner())
    }

    /// The target namespace of a source namespace, and back.
    fn map_ns(&self, ns: &str, to_target: bool) -> Option<String> {
        let mapping = self.namespaces.mapping();
        let app_to_cp = (self.sides.direction == Direction::AppToControlPlane) == to_target;
        let table = if app_to_cp {
            &mapping.to_cp
        } else {
            &mapping.to_app
        };
        table.get(ns).cloned()
    }

    fn app_key(&self, source_or_target_ns: &str, name: &str, is_source: bool) -> ObjectKey {
        let app_side = (self.sides.direction == Direction::AppToControlPlane) == is_source;
        let namespace = if app_side {
            source_or_target_ns.to_owned()
        } else {
            self.map_ns(source_or_target_ns, is_source)
                .unwrap_or_else(|| source_or_target_ns.to_owned())
        };
        ObjectKey {
            resource: self.key.resource.clone(),
            namespace,
            name: name.to_owned(),
        }
    }

    fn report(&self, ns: &str, name: &str, is_source: bool, action: SyncAction) {
        self.reporter.report(KonnectorEvent::Synced {
            binding: self.binding.clone(),
            object: self.app_key(ns, name, is_source),
            direction: self.sides.direction,
            action,
            lag: std::time::Duration::ZERO,
        });
    }

    fn retry(&self, obj: &DynamicObject, error: &SyncError) -> Action {
        let key = ObjectKey {
            resource: self.key.resource.clone(),
            namespace: obj.namespace().unwrap_or_default(),
            name: obj.name_any(),
        };
        super::error::retry(&self.reporter, &self.binding, key, error)
    }
}

/// A running mirror of one claimed resource.
pub struct Mirror {
    stop: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

impl Mirror {
    /// Start mirroring `key`; `binding` names the binding events are reported under.
    pub fn start(
        key: ClaimKey,
        names: Names,
        ar: ApiResource,
        both: Both,
        binding: String,
    ) -> Mirror {
        let Both {
            app,
            cp,
            namespaces,
            reporter,
        } = both;
        let stop = CancellationToken::new();
        let (sides, source_ns, target_ns) = match key.owner {
            Owner::Consumer => (
                Sides {
                    source: app,
                    target: cp,
                    direction: Direction::AppToControlPlane,
                },
                namespaces.app_namespaces(),
                namespaces.cp_namespaces(),
            ),
            Owner::Provider => (
                Sides {
                    source: cp,
                    target: app,
                    direction: Direction::ControlPlaneToApp,
                },
                namespaces.cp_namespaces(),
                namespaces.app_namespaces(),
            ),
        };
        let source_writer = Writer::new(ar.clone());
        let target_writer = Writer::new(ar.clone());
        let ctx = Arc::new(MirrorCtx {
            key,
            names,
            ar: ar.clone(),
            namespaces,
            source_store: source_writer.as_reader(),
            target_store: target_writer.as_reader(),
            reporter,
            binding,
            sides,
        });
        let (source_tx, source_rx) = mpsc::unbounded_channel();
        let (target_tx, target_rx) = mpsc::unbounded_channel();
        let mut tasks = Vec::new();
        let (source_set, source_ready) = readiness();
        let (target_set, target_ready) = readiness();
        for (client, set, writer, is_source, ready) in [
            (
                ctx.sides.source.clone(),
                source_ns,
                source_writer,
                true,
                source_set,
            ),
            (
                ctx.sides.target.clone(),
                target_ns,
                target_writer,
                false,
                target_set,
            ),
        ] {
            let stub_kind = ar.clone();
            let events = watch_namespaces(
                client,
                ar.clone(),
                set,
                watcher::Config::default(),
                move |ns, name| DynamicObject::new(name, &stub_kind).within(ns),
            )
            .reflect(writer);
            let (ctx, stop) = (ctx.clone(), stop.clone());
            let (source_tx, target_tx) = (source_tx.clone(), target_tx.clone());
            tasks.push(tokio::spawn(async move {
                let mut events = std::pin::pin!(events.take_until(stop.cancelled_owned()));
                while let Some(event) = events.next().await {
                    let o = match event {
                        Ok(
                            watcher::Event::Apply(o)
                            | watcher::Event::InitApply(o)
                            | watcher::Event::Delete(o),
                        ) => o,
                        Ok(watcher::Event::InitDone) => {
                            ready.set();
                            continue;
                        }
                        Ok(_) => continue,
                        Err(error) => {
                            tracing::debug!(%error, "konnector: claimed objects watch");
                            continue;
                        }
                    };
                    let (ns, name) = (o.namespace().unwrap_or_default(), o.name_any());
                    let other = ctx.map_ns(&ns, is_source);
                    let here = ObjectRef::new_with(&name, ctx.ar.clone()).within(&ns);
                    let there =
                        other.map(|o| ObjectRef::new_with(&name, ctx.ar.clone()).within(&o));
                    let (mine, theirs) = if is_source {
                        (&source_tx, &target_tx)
                    } else {
                        (&target_tx, &source_tx)
                    };
                    let _ = mine.send(here);
                    if let Some(there) = there {
                        let _ = theirs.send(there);
                    }
                }
            }));
        }
        let config = Config::default().concurrency(super::kinds::CONCURRENCY);
        let source = applier(
            |obj, ctx: Arc<MirrorCtx>| Box::pin(reconcile_source(obj, ctx)),
            |obj, err, ctx| ctx.retry(&obj, err),
            ctx.clone(),
            ctx.source_store.clone(),
            UnboundedReceiverStream::new(source_rx).map(Ok::<_, Infallible>),
            config.clone(),
        );
        let target = applier(
            |obj, ctx: Arc<MirrorCtx>| Box::pin(reconcile_target(obj, ctx)),
            |obj, err, ctx| ctx.retry(&obj, err),
            ctx.clone(),
            ctx.target_store.clone(),
            UnboundedReceiverStream::new(target_rx).map(Ok::<_, Infallible>),
            config,
        );
        for (name, results) in [
            ("claimed-source", source.boxed()),
            ("claimed-target", target.boxed()),
        ] {
            let (stop, a, b) = (stop.clone(), source_ready.clone(), target_ready.clone());
            tasks.push(tokio::spawn(async move {
                let started = async move {
                    a.wait().await;
                    b.wait().await;
                };
                let _ = run_controller(name, results, stop, started, GRACE).await;
            }));
        }
        Mirror { stop, tasks }
    }

    /// Stop mirroring and wait for the tasks.
    pub async fn stop(self) {
        self.stop.cancel();
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// The copy of `source` the target side should hold.
fn copy_of(source: &DynamicObject, ns: &str, ctx: &MirrorCtx) -> Value {
    let mut value = serde_json::to_value(source).unwrap_or_default();
    if let Some(obj) = value.as_object_mut() {
        obj.remove("status");
    }
    let mut annotations: BTreeMap<String, String> = source
        .annotations()
        .iter()
        .filter(|(k, _)| super::spec_sync::copied_annotation(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    annotations.insert(ANNOTATION_RESOURCE_OWNER.to_owned(), ctx.owner().to_owned());
    value["metadata"] = json!({
        "name": source.name_any(),
        "namespace": ns,
        "annotations": annotations,
    });
    if !source.labels().is_empty() {
        value["metadata"]["labels"] = json!(source.labels());
    }
    value
}

/// Whether the target copy holds what the source has (every top-level field but metadata
/// and status, and the labels).
fn same_content(source: &DynamicObject, target: &DynamicObject) -> bool {
    let strip = |o: &DynamicObject| {
        let mut data = o.data.clone();
        if let Some(m) = data.as_object_mut() {
            m.remove("metadata");
            m.remove("status");
        }
        data
    };
    strip(source) == strip(target) && source.labels() == target.labels()
}

async fn reconcile_source(
    source: Arc<DynamicObject>,
    ctx: Arc<MirrorCtx>,
) -> Result<Action, SyncError> {
    let (ns, name) = (source.namespace().unwrap_or_default(), source.name_any());
    if !ctx.claimed(&name) {
        return Ok(Action::await_change());
    }
    // Our own copies of the other direction are not sources.
    if source.annotations().contains_key(ANNOTATION_RESOURCE_OWNER) && !ctx.ours(&source) {
        return Ok(Action::await_change());
    }
    let Some(target_ns) = ctx.map_ns(&ns, true) else {
        return Ok(Action::await_change());
    };
    let api: Api<DynamicObject> =
        Api::namespaced_with(ctx.sides.target.clone(), &target_ns, &ctx.ar);
    let current = ctx
        .target_store
        .get(&ObjectRef::new_with(&name, ctx.ar.clone()).within(&target_ns));
    let what = format!("{} {target_ns}/{name}", ctx.ar.kind);
    if source.metadata.deletion_timestamp.is_some() {
        return delete_copy(&api, &name, &what, &ctx, &ns, true).await;
    }
    match current {
        None => {
            let copy: DynamicObject = serde_json::from_value(copy_of(&source, &target_ns, &ctx))
                .map_err(|e| SyncError::Refused(e.to_string()))?;
            match api.create(&PostParams::default(), &copy).await {
                Ok(_) => ctx.report(&ns, &name, true, SyncAction::Written),
                // It exists: the target watch brings it and a retry decides.
                Err(e) if is_conflict(&e) => {
                    return Ok(Action::requeue(std::time::Duration::from_millis(200)));
                }
                Err(e) => return Err(kube_err(format!("copying {what}"))(e)),
            }
        }
        Some(current) if !ctx.ours(&current) => {
            return Err(SyncError::Refused(format!(
                "{what} exists and is not a copy made by the konnector (no {ANNOTATION_RESOURCE_OWNER}: {}); it is left alone",
                ctx.owner()
            )));
        }
        Some(current) if same_content(&source, &current) => {}
        Some(_) => {
            api.patch(
                &name,
                &PatchParams::apply(FIELD_MANAGER).force(),
                &Patch::Apply(copy_of(&source, &target_ns, &ctx)),
            )
            .await
            .map_err(kube_err(format!("updating {what}")))?;
            ctx.report(&ns, &name, true, SyncAction::Written);
        }
    }
    Ok(Action::await_change())
}

/// A copy whose source is gone (asked of the source side itself) goes too.
async fn reconcile_target(
    target: Arc<DynamicObject>,
    ctx: Arc<MirrorCtx>,
) -> Result<Action, SyncError> {
    let (ns, name) = (target.namespace().unwrap_or_default(), target.name_any());
    if !ctx.ours(&target) || target.metadata.deletion_timestamp.is_some() {
        return Ok(Action::await_change());
    }
    let Some(source_ns) = ctx.map_ns(&ns, false) else {
        return Ok(Action::await_change());
    };
    let source =
        Api::<DynamicObject>::namespaced_with(ctx.sides.source.clone(), &source_ns, &ctx.ar)
            .get_opt(&name)
            .await
            .map_err(kube_err(format!(
                "reading the source of {} {ns}/{name}",
                ctx.ar.kind
            )))?;
    match source {
        Some(s) if s.metadata.deletion_timestamp.is_none() && ctx.claimed(&name) => {
            Ok(Action::await_change())
        }
        _ => {
            let api: Api<DynamicObject> =
                Api::namespaced_with(ctx.sides.target.clone(), &ns, &ctx.ar);
            let what = format!("{} {ns}/{name}", ctx.ar.kind);
            delete_copy(&api, &name, &what, &ctx, &ns, false).await
        }
    }
}

async fn delete_copy(
    api: &Api<DynamicObject>,
    name: &str,
    what: &str,
    ctx: &MirrorCtx,
    report_ns: &str,
    is_source: bool,
) -> Result<Action, SyncError> {
    let Some(current) = api
        .get_opt(name)
        .await
        .map_err(kube_err(format!("reading {what}")))?
    else {
        return Ok(Action::await_change());
    };
    if !ctx.ours(&current) {
        return Ok(Action::await_change());
    }
    let params = DeleteParams {
        preconditions: Some(Preconditions {
            uid: current.uid(),
            resource_version: None,
        }),
        ..DeleteParams::default()
    };
    match api.delete(name, &params).await {
        Ok(_) => ctx.report(report_ns, name, is_source, SyncAction::Deleted),
        Err(e) if is_not_found(&e) => {}
        Err(e) => return Err(kube_err(format!("deleting {what}"))(e)),
    }
    Ok(Action::await_change())
}
