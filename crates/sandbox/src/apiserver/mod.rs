//! An emulated Kubernetes API server: enough of kube-apiserver that kubectl and kube-rs
//! work against it unchanged (discovery, OpenAPI, CRDs with schemas, CRUD, watch, patch and
//! server-side apply, subresources, finalizers, tokens and RBAC).

mod admission;
mod apply;
pub mod auth;
mod builtins;
mod context;
mod controllers;
mod crd;
mod discovery;
mod dispatch;
pub mod error;
mod field_index;
mod field_selector;
mod fields;
#[cfg(any(test, feature = "fuzz"))]
pub mod fuzz_gen;
#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod fuzz_writes;
mod http;
mod limits;
mod meta;
mod objects;
mod openapi;
mod patch;
pub mod persist;
mod protobuf;
pub mod rbac;
mod read;
pub mod registry;
mod reply;
mod request;
mod reviews;
mod scale;
mod shape;
mod smp;
pub mod store;
mod stored_kinds;
mod table;
mod watch;
mod write;

use auth::{Authenticator, StaticToken};
use persist::{Persist, PersistError};
use registry::{GroupResource, Registry};
use std::path::PathBuf;
use std::sync::Arc;
use store::{ObjKey, Store, Write};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

#[cfg(feature = "fuzz")]
pub use dispatch::Incoming;
pub use http::serve;

/// How to build one API server.
pub struct ApiServerConfig {
    /// A short name for logs ("app", "control-plane").
    pub name: String,
    /// `https://127.0.0.1:PORT`, as clients reach it.
    pub url: String,
    /// Static bearer tokens (admins).
    pub tokens: Vec<StaticToken>,
    /// Signs ServiceAccount tokens.
    pub token_key: Vec<u8>,
    /// PEM of the CA that signed the serving certificate (for ServiceAccount token Secrets).
    pub ca_pem: String,
    /// The database file, or `None` for memory only.
    pub db_path: Option<PathBuf>,
    /// How many past events a watch may resume from (older: 410 Gone).
    pub watch_history: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiServerError {
    #[error(transparent)]
    Persist(#[from] PersistError),
    #[error("bootstrapping {what} failed: {message}")]
    Bootstrap { what: String, message: String },
}

/// One API server's state, shared by its connections and controllers.
pub struct ApiServer {
    pub name: String,
    pub url: String,
    pub store: Store,
    pub registry: Registry,
    pub auth: Authenticator,
    pub ca_pem: String,
    pub shutdown: CancellationToken,
    /// Every task that holds this server (connections, their HTTP/2 streams, watches,
    /// controllers): [`ApiServer::stop`] waits for them, so that the store (and the
    /// database's file lock) is released when it returns.
    pub tasks: TaskTracker,
}

const BOOT_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public", "kube-node-lease"];

impl ApiServer {
    /// Build the server: open or create its store, register built-in kinds and every stored
    /// CRD, and create what a fresh cluster has (namespaces, RBAC bootstrap policy).
    pub fn new(config: ApiServerConfig) -> Result<Arc<Self>, ApiServerError> {
        let store = match &config.db_path {
            Some(path) => Store::persistent(Persist::open(path)?)?,
            None => Store::memory(),
        }
        .with_history(config.watch_history);
        let server = Arc::new(Self {
            name: config.name,
            url: config.url,
            store,
            registry: Registry::new(builtins::builtin_types()),
            auth: Authenticator::new(config.tokens, config.token_key),
            ca_pem: config.ca_pem,
            shutdown: CancellationToken::new(),
            tasks: TaskTracker::new(),
        });
        crd::register_stored(&server);
        server.bootstrap()?;
        Ok(server)
    }

    fn bootstrap(&self) -> Result<(), ApiServerError> {
        for ns in BOOT_NAMESPACES {
            let obj = serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
            self.ensure("", "namespaces", obj)?;
        }
        for (resource, obj) in rbac::bootstrap_policy() {
            self.ensure("rbac.authorization.k8s.io", resource, obj)?;
        }
        Ok(())
    }

    /// Create an object unless one of that name exists (used at start).
    fn ensure(
        &self,
        group: &str,
        resource: &str,
        obj: serde_json::Value,
    ) -> Result<(), ApiServerError> {
        let gr = GroupResource::new(group, resource);
        let ns = obj["metadata"]["namespace"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let name = obj["metadata"]["name"].as_str().unwrap_or("").to_string();
        let key = ObjKey::new(&ns, &name);
        if self.store.get(&gr, &key).is_some() {
            return Ok(());
        }
        let rt = self
            .registry
            .get(&gr)
            .ok_or_else(|| ApiServerError::Bootstrap {
                what: gr.to_string(),
                message: "type not registered".into(),
            })?;
        let mut obj = obj;
        meta::init_create(&mut obj, "kube-apiserver");
        admission::on_create(self, &rt, &mut obj).map_err(|e| ApiServerError::Bootstrap {
            what: format!("{gr} {name}"),
            message: e.message.clone(),
        })?;
        self.store
            .mutate(&gr, &key, false, |_| Ok(Write::Put(obj)))
            .map(|_| ())
            .map_err(|e| ApiServerError::Bootstrap {
                what: format!("{gr} {name}"),
                message: e.message,
            })
    }

    /// What must follow a stored change outside the store (serving a CRD's type).
    pub(crate) fn after_commit(&self, gr: &GroupResource, committed: &store::Committed) {
        if committed.event.is_some()
            && gr.group == "apiextensions.k8s.io"
            && gr.resource == "customresourcedefinitions"
        {
            let deleted = committed.event == Some(store::EventType::Deleted);
            crd::on_committed(self, &committed.obj.value, deleted);
        }
    }

    /// Start the background controllers (namespace deletion, garbage collection, CRD
    /// cleanup, ServiceAccount token secrets). They stop with `shutdown`.
    pub fn spawn_controllers(self: &Arc<Self>) {
        controllers::spawn(self.clone());
    }

    /// Stop serving: cancel every connection, watch and controller and wait until they
    /// have ended. (The accept loop of [`serve`] ends with them.)
    pub async fn stop(&self) {
        self.shutdown.cancel();
        self.tasks.close();
        self.tasks.wait().await;
    }
}
