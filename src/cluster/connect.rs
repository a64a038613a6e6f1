//! From command-line choices to running supervisors: pick the contexts, build the clients,
//! record each cluster in the store, and keep the tasks alive as long as the cockpit runs.

use super::health::ClusterState;
use super::kubeconfig::{self, KubeconfigFailure};
use super::supervisor::{Task, supervise};
use super::{ClusterId, Store};
use kube::Client;

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
        let mut tasks = Vec::new();
        for spec in self.specs {
            store.update(|d| {
                *d.cluster_mut(spec.id) = ClusterState::configured(&spec.context, &spec.server);
            });
            tasks.push(Task::spawn(supervise(spec.id, spec.client, store.clone())));
        }
        ClusterSet { _tasks: tasks }
    }
}

/// The running supervisors; dropping it stops every watcher.
pub struct ClusterSet {
    _tasks: Vec<Task>,
}
