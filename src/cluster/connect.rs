//! From command-line choices to running supervisors: pick the contexts, build the clients,
//! record each cluster in the store, and keep the tasks alive as long as the cockpit runs.

use super::health::ClusterState;
use super::kubeconfig::{self, KubeconfigFailure};
use super::supervisor::{Task, supervise};
use super::{ClusterId, Store};
use kube::Client;
use std::sync::Arc;
use tokio::sync::Notify;

/// One cluster to connect.
pub struct ClusterSpec {
    /// Its role.
    pub id: ClusterId,
    /// Kubeconfig context.
    pub context: String,
    /// Server URL.
    pub server: String,
    /// The client.
    pub client: Client,
}

/// Which clusters to connect, from the kubeconfig and the chosen contexts.
pub struct Connections {
    /// The clusters (App first); the Control Plane is absent when no context was given.
    pub specs: Vec<ClusterSpec>,
}

impl Connections {
    /// Resolve the App context (named, else current-context) and the Control Plane context
    /// (only when named) from the kubeconfig file(s).
    pub async fn resolve(
        kubeconfig: Option<&str>,
        app_context: Option<&str>,
        cp_context: Option<&str>,
    ) -> Result<Connections, KubeconfigFailure> {
        let kc = kubeconfig::load(kubeconfig)?;
        let mut specs = Vec::new();
        let app = kubeconfig::pick_context(&kc, app_context)?;
        let (client, server) = kubeconfig::client(&kc, &app).await?;
        specs.push(ClusterSpec {
            id: ClusterId::App,
            context: app,
            server,
            client,
        });
        if let Some(cp) = cp_context {
            let cp = kubeconfig::pick_context(&kc, Some(cp))?;
            if cp == specs[0].context {
                return Err(KubeconfigFailure::SameContext(cp));
            }
            let (client, server) = kubeconfig::client(&kc, &cp).await?;
            specs.push(ClusterSpec {
                id: ClusterId::ControlPlane,
                context: cp,
                server,
                client,
            });
        }
        Ok(Connections { specs })
    }

    /// Record the clusters in the store and start supervising them.
    pub fn start(self, store: &Store) -> ClusterSet {
        let mut running = Vec::new();
        for spec in self.specs {
            store.update(|d| {
                *d.cluster_mut(spec.id) = ClusterState::configured(&spec.context, &spec.server);
            });
            let retry = Arc::new(Notify::new());
            let task = Task::spawn(supervise(
                spec.id,
                spec.client.clone(),
                store.clone(),
                retry.clone(),
            ));
            running.push(Running {
                id: spec.id,
                client: spec.client,
                retry,
                _task: task,
            });
        }
        ClusterSet { running }
    }
}

struct Running {
    id: ClusterId,
    client: Client,
    retry: Arc<Notify>,
    _task: Task,
}

/// The running supervisors; dropping it stops every watcher.
pub struct ClusterSet {
    running: Vec<Running>,
}

impl ClusterSet {
    /// The client of a connected cluster (`None`: not configured).
    pub fn client(&self, id: ClusterId) -> Option<&Client> {
        self.running.iter().find(|r| r.id == id).map(|r| &r.client)
    }

    /// Try to reach a cluster now instead of after the backoff. Returns whether it is
    /// configured.
    pub fn retry_now(&self, id: ClusterId) -> bool {
        match self.running.iter().find(|r| r.id == id) {
            Some(r) => {
                r.retry.notify_one();
                true
            }
            None => false,
        }
    }
}
