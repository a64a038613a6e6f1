//! The backend's controllers on the Control Plane, each a kube-runtime
//! `Controller` (watch-driven, level-triggered, requeue with backoff):
//! export requests → exports, exports kept in sync with their CRDs, cluster
//! bindings → RBAC, API service namespaces → Control Plane namespaces.

mod cluster_binding;
mod export;
mod export_request;
mod service_namespace;

use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use klutch::bind::{Condition, ConditionStatus, condition_types};
use klutch::runtime::{DEFAULT_GRACE, run_controller};
use kube::runtime::controller::Action;
use kube::runtime::reflector::Store;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::catalog::Catalog;
use crate::oidc::Clock;

/// What every reconciler gets.
pub struct Ctx {
    pub client: kube::Client,
    pub catalog: Arc<Catalog>,
    pub clock: Arc<dyn Clock>,
}

impl Ctx {
    /// The clock's now as a Kubernetes timestamp.
    pub fn now(&self) -> Time {
        Time(jiff::Timestamp::try_from(self.clock.now()).unwrap_or(jiff::Timestamp::UNIX_EPOCH))
    }
}

/// An error of one reconcile, with the object and what was being tried.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error("{what}: {source}")]
    Kube {
        what: String,
        #[source]
        source: kube::Error,
    },
    #[error("{0}")]
    Finalizer(String),
}

pub(crate) fn kube_err(what: impl Into<String>) -> impl FnOnce(kube::Error) -> ReconcileError {
    let what = what.into();
    move |source| ReconcileError::Kube { what, source }
}

/// Requeue failed reconciles after a short pause (the controller's own
/// scheduler deduplicates).
pub(crate) fn error_policy<K>(_: Arc<K>, error: &ReconcileError, _: Arc<Ctx>) -> Action {
    tracing::warn!(%error, "bind backend: reconcile failed; retrying");
    Action::requeue(Duration::from_secs(2))
}

/// Drive one of the backend's controllers until it ends or `stop` (see
/// [`run_controller`]); it has started once its `store` is ready.
pub(crate) async fn drain<K, S, T, E>(
    name: &'static str,
    results: S,
    store: Store<K>,
    stop: CancellationToken,
) where
    K: kube::Resource + Clone + 'static,
    K::DynamicType: Eq + Hash + Clone,
    S: futures::Stream<Item = Result<T, E>>,
    E: std::fmt::Display,
{
    let started = async move {
        let _ = store.wait_until_ready().await;
    };
    let name = format!("bind backend {name}");
    run_controller(&name, results, stop, started, DEFAULT_GRACE).await;
}

/// Start every controller; they stop when `stop` is cancelled.
pub fn spawn(ctx: Arc<Ctx>, stop: &CancellationToken) -> Vec<JoinHandle<()>> {
    vec![
        tokio::spawn(export_request::run(ctx.clone(), stop.clone())),
        tokio::spawn(export::run(ctx.clone(), stop.clone())),
        tokio::spawn(cluster_binding::run(ctx.clone(), stop.clone())),
        tokio::spawn(service_namespace::run(ctx, stop.clone())),
    ]
}

/// `Ready` from the other conditions: True when all hold, else the first that
/// does not (as upstream's `SetSummary`).
pub(crate) fn summary(conditions: &[Condition], now: Time) -> Condition {
    match conditions
        .iter()
        .find(|c| c.type_ != condition_types::READY && c.status != ConditionStatus::True)
    {
        None => Condition::true_(condition_types::READY, now),
        Some(c) => Condition {
            type_: condition_types::READY.to_owned(),
            last_transition_time: now,
            ..c.clone()
        },
    }
}
