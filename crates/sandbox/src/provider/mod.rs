//! The simulated anynines provider on the Control Plane: one kube-runtime controller per claim
//! kind of group `anynines.com` (the eight data service instance kinds, ServiceBinding, Backup,
//! Restore), discovered from what the Control Plane serves. Each drives its claims through the
//! lifecycles of `reference/claims.md` §7 — the conditions Crossplane puts on a claim and the
//! `status.managed` fields the compositions patch from provider-anynines' managed resources —
//! writing status through the status subresource and cleaning up behind a finalizer.
//!
//! Time passes only where time is the point: a step that is not due yet is a requeue at the
//! moment it becomes due; everything else is driven by watch events.

mod backup;
mod binding;
mod claim;
mod context;
mod credentials;
mod crossplane;
mod faults;
mod instance;
mod restore;
mod run;
mod status;

use context::Shared;
use klutch::claims::{ClaimKind, GROUP};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use faults::FAIL_NEXT_ANNOTATION;

/// How long provisioning takes unless configured otherwise.
pub const DEFAULT_PROVISION_DELAY: Duration = Duration::from_secs(3);

/// The finalizer the provider keeps on every claim until it has cleaned up (Crossplane's
/// claim finalizer, as a claim on a real Control Plane carries it).
pub const FINALIZER: &str = "finalizer.apiextensions.crossplane.io";

/// Annotations the sandbox keeps on claims for its own bookkeeping (not upstream).
pub const APPLIED_SPEC_ANNOTATION: &str = "sandbox.klutch.anynines.com/applied-spec";
/// On a Backup: what the backup captured (JSON: instance, service, plan, parameters, size).
pub const CAPTURED_ANNOTATION: &str = "sandbox.klutch.anynines.com/captured";
/// On a Restore: what was restored (the captured JSON of the backup, with its id).
pub const RESTORED_ANNOTATION: &str = "sandbox.klutch.anynines.com/restored";

/// The field manager of everything the provider writes.
pub const MANAGER: &str = "klutch-sandbox-provider";

/// How the provider behaves.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    /// How long provisioning an instance takes; bindings, backups and restores take a share
    /// of it. Zero: every step happens as soon as it is observed.
    pub provision_delay: Duration,
    /// The share (0.0–1.0) of fallible steps (provision, update, bind, backup, restore) that
    /// fail.
    pub fail_rate: f64,
    /// Seed of the random numbers (failures, ids, credentials); `None`: from the OS.
    pub seed: Option<u64>,
}

impl Default for ProviderConfig {
    fn default() -> Self {
        Self {
            provision_delay: DEFAULT_PROVISION_DELAY,
            fail_rate: 0.0,
            seed: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error(
        "discovering the claim kinds of group {group} on the Control Plane failed: {0}",
        group = GROUP
    )]
    Discovery(#[source] Box<kube::Error>),
    #[error(
        "the Control Plane serves no claim kinds of group {group} (are the claim CRDs installed?)",
        group = GROUP
    )]
    NoKinds,
    #[error("fail rate {0} is outside 0.0–1.0")]
    FailRate(f64),
    #[error("generating the simulated service CA failed: {0}")]
    Ca(String),
    #[error("{action} {kind} {namespace}/{name} failed: {source}")]
    Api {
        action: &'static str,
        kind: String,
        namespace: String,
        name: String,
        #[source]
        source: Box<kube::Error>,
    },
    #[error("{kind} {namespace}/{name} changed while it was being reconciled")]
    Conflict {
        kind: String,
        namespace: String,
        name: String,
    },
    /// Not an error: the reconciliation must wait (cleanup that is not finished); requeue
    /// after the duration, or on the next watch event.
    #[error("waiting for the next step")]
    Pending(Option<Duration>),
    #[error("{kind} {name}: the object has no namespace (claims are namespaced)")]
    NoNamespace { kind: String, name: String },
    #[error("finalizer of {kind}: {source}")]
    Finalizer {
        kind: String,
        #[source]
        source: Box<kube::runtime::finalizer::Error<ProviderError>>,
    },
}

impl ProviderError {
    /// A write lost against a newer version of the object: its watch event reconciles again.
    pub(crate) fn is_conflict(&self) -> bool {
        matches!(self, ProviderError::Conflict { .. })
    }
}

pub(crate) type Result<T, E = ProviderError> = std::result::Result<T, E>;

/// The running provider; stop it with [`Provider::shutdown`].
pub struct Provider {
    shutdown: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
    kinds: Vec<ClaimKind>,
}

impl Provider {
    /// The claim kinds it reconciles.
    pub fn kinds(&self) -> &[ClaimKind] {
        &self.kinds
    }

    /// Stop every controller and wait for reconciliations in flight to finish.
    pub async fn shutdown(self) {
        self.shutdown.cancel();
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

fn service_ca() -> Result<String> {
    let key = rcgen::KeyPair::generate().map_err(|e| ProviderError::Ca(e.to_string()))?;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new())
        .map_err(|e| ProviderError::Ca(e.to_string()))?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "a9s sandbox service CA");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let cert = params
        .self_signed(&key)
        .map_err(|e| ProviderError::Ca(e.to_string()))?;
    Ok(cert.pem())
}

/// Discover the claim kinds the Control Plane behind `client` serves and start one
/// controller per kind. Stops when `shutdown` is cancelled.
pub async fn spawn(
    client: kube::Client,
    config: ProviderConfig,
    shutdown: CancellationToken,
) -> Result<Provider> {
    if !(0.0..=1.0).contains(&config.fail_rate) {
        return Err(ProviderError::FailRate(config.fail_rate));
    }
    let group = kube::discovery::group(&client, GROUP)
        .await
        .map_err(|e| ProviderError::Discovery(Box::new(e)))?;
    let mut resources = HashMap::new();
    for (ar, _caps) in group.recommended_resources() {
        if let Some(kind) = ClaimKind::from_kind(&ar.kind) {
            resources.insert(kind, ar);
        }
    }
    if resources.is_empty() {
        return Err(ProviderError::NoKinds);
    }
    let shared = Arc::new(Shared {
        client,
        delay: config.provision_delay,
        faults: faults::Faults::new(config.fail_rate, config.seed),
        service_ca: service_ca()?,
        resources,
    });
    let mut kinds: Vec<ClaimKind> = shared.resources.keys().copied().collect();
    kinds.sort();
    let tasks = kinds
        .iter()
        .filter_map(|kind| {
            let ar = shared.resource(*kind)?.clone();
            Some(run::spawn(shared.clone(), *kind, ar, shutdown.clone()))
        })
        .collect();
    tracing::info!(
        kinds = kinds.len(),
        delay_ms = config.provision_delay.as_millis() as u64,
        fail_rate = config.fail_rate,
        "simulated anynines provider started"
    );
    Ok(Provider {
        shutdown,
        tasks,
        kinds,
    })
}
