//! Cluster access: kubeconfig → kube clients, one watcher per resource type and cluster
//! feeding one shared store, discovery of the Klutch kinds each cluster serves, and
//! per-cluster health (connected, reconnecting, forbidden), identity and round-trip time.
//!
//! Nothing here knows the terminal; the cockpit reads the [`Store`] and is told of changes.

pub mod access;
pub mod backoff;
pub mod connect;
pub mod entry;
pub mod health;
pub mod kinds;
pub mod konnector;
pub mod kubeconfig;
pub mod messages;
pub mod store;
mod supervisor;
mod watch;

pub use connect::{ClusterSet, ClusterSpec, Connections};
pub use entry::{Condition, Entry, RowKey, Status};
pub use health::{ClusterState, Fetch, Health, Link, UserInfo};
pub use messages::{Level, Message, Messages};
pub use store::{Login, Store, StoreData};

/// Which of the two clusters an object or a connection belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClusterId {
    /// The App Cluster (developer side: claims, APIServiceBindings).
    App,
    /// The Control Plane Cluster (provider side: templates, exports, claims' copies).
    ControlPlane,
}

impl ClusterId {
    /// Both clusters, App first.
    pub const ALL: [ClusterId; 2] = [ClusterId::App, ClusterId::ControlPlane];

    /// A short tag for table columns.
    pub fn short(self) -> &'static str {
        match self {
            ClusterId::App => "app",
            ClusterId::ControlPlane => "cp",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            ClusterId::App => "App",
            ClusterId::ControlPlane => "Control Plane",
        }
    }

    /// Index into per-cluster arrays.
    pub fn index(self) -> usize {
        match self {
            ClusterId::App => 0,
            ClusterId::ControlPlane => 1,
        }
    }
}
