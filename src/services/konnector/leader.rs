//! Leader election with a Lease (upstream: lease `klutch-bind` in the konnector's
//! namespace), so that two konnectors on one App Cluster — two replicas of the installed
//! Deployment, or a local loop beside them — never fight: only the holder syncs. Built on
//! kube-lease-manager, which renews the lease before it expires and takes an expired one
//! over; a timer is right here, a lease is about time.

use kube::Client;
use kube_lease_manager::{LeaseManagerBuilder, LeaseManagerError};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How the lease is held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaderElection {
    /// Lease name (upstream: `klutch-bind`).
    pub lease_name: String,
    /// Lease namespace (the konnector's).
    pub lease_namespace: String,
    /// Who this konnector is (the pod's name in a cluster, host and process id locally).
    pub identity: String,
    /// How long the lease holds without renewal; the holder renews a third before.
    pub lease_duration: Duration,
}

impl LeaderElection {
    /// The defaults: lease `klutch-bind` in `namespace`, 15 s, this host and process.
    pub fn new(namespace: &str) -> Self {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".into());
        Self {
            lease_name: klutch::bind::names::KONNECTOR_LEASE.to_owned(),
            lease_namespace: namespace.to_owned(),
            identity: format!("{host}-{}", std::process::id()),
            lease_duration: Duration::from_secs(15),
        }
    }
}

/// A running candidacy: `leader` says whether this one holds the lease.
pub struct Candidacy {
    pub leader: watch::Receiver<bool>,
    task: JoinHandle<Result<kube_lease_manager::LeaseManager, LeaseManagerError>>,
}

/// Stand for election.
pub async fn stand(client: Client, le: &LeaderElection) -> Result<Candidacy, LeaseManagerError> {
    let secs = le.lease_duration.as_secs().max(2);
    let manager = LeaseManagerBuilder::new(client, &le.lease_name)
        .with_namespace(&le.lease_namespace)
        .with_identity(&le.identity)
        .with_field_manager(format!(
            "{}-{}",
            klutch::bind::names::FIELD_MANAGER,
            le.identity
        ))
        .with_duration(secs)
        .with_grace((secs / 3).max(1))
        .build()
        .await?;
    let (leader, task) = manager.watch().await;
    Ok(Candidacy { leader, task })
}

impl Candidacy {
    /// Give the lease up (if held) so another replica takes over at once.
    pub async fn resign(self) {
        drop(self.leader);
        match tokio::time::timeout(Duration::from_secs(5), self.task).await {
            Ok(Ok(Ok(_))) => {}
            Ok(Ok(Err(error))) => tracing::warn!(%error, "konnector: releasing the lease failed"),
            Ok(Err(error)) => tracing::warn!(%error, "konnector: the lease task failed"),
            Err(_) => tracing::warn!("konnector: releasing the lease took too long"),
        }
    }
}
