//! A simulated kubelet for chosen workloads: the sandbox runs no containers, but a program
//! that embeds it can run some Deployments in-process — the binary runs an installed
//! konnector this way, so that the installed path and its RBAC are exercised for real. The
//! sandbox knows nothing of what runs: a [`WorkloadRunner`] says which Deployments it runs
//! (by image or labels) and runs one replica given the pod's ServiceAccount token, the API
//! server's URL and CA, and the container's arguments and environment.
//!
//! Each replica gets a token of the Deployment's ServiceAccount (revoked with it, as a legacy
//! token). A changed pod template restarts the replicas, a scale starts or stops some,
//! deleting the Deployment or its namespace stops them; the App server's stop stops all.

use crate::apiserver::ApiServer;
use crate::apiserver::auth::{SA_ISSUER, SaToken};
use crate::apiserver::registry::GroupResource;
use crate::apiserver::store::{EventType, ObjKey};
use futures::future::BoxFuture;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// One replica to run.
#[derive(Clone)]
pub struct Workload {
    /// The Deployment's namespace.
    pub namespace: String,
    /// The Deployment's name.
    pub deployment: String,
    /// The pod's name (`<deployment>-<n>`), as `metadata.name` reads in the pod.
    pub pod_name: String,
    /// The pod's ServiceAccount.
    pub service_account: String,
    /// A token of that ServiceAccount (secret: never log it).
    pub token: String,
    /// The API server's URL.
    pub server: String,
    /// The CA (PEM) the API server's certificate is signed by.
    pub ca_pem: String,
    /// The first container's image.
    pub image: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Its environment (`value`s, and `fieldRef`s to the pod's name and namespace).
    pub env: Vec<(String, String)>,
}

impl std::fmt::Debug for Workload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workload")
            .field("namespace", &self.namespace)
            .field("pod_name", &self.pod_name)
            .field("service_account", &self.service_account)
            .field("image", &self.image)
            .finish_non_exhaustive()
    }
}

/// Runs the Deployments it recognises.
pub trait WorkloadRunner: Send + Sync + 'static {
    /// Whether this Deployment (as JSON) is one to run.
    fn runs(&self, deployment: &Value) -> bool;
    /// Run one replica until `stop` is cancelled.
    fn run(&self, workload: Workload, stop: CancellationToken) -> BoxFuture<'static, ()>;
}

struct Replica {
    stop: CancellationToken,
    task: JoinHandle<()>,
}

struct Running {
    template: Value,
    replicas: Vec<Replica>,
}

fn deployments() -> GroupResource {
    GroupResource::new("apps", "deployments")
}

/// Run the recognised Deployments of `server` until it stops.
pub fn spawn(server: Arc<ApiServer>, runner: Arc<dyn WorkloadRunner>) {
    let mut events = server.store.subscribe();
    let tasks = server.tasks.clone();
    tasks.spawn(async move {
        let mut running: HashMap<(String, String), Running> = HashMap::new();
        resync(&server, runner.as_ref(), &mut running);
        loop {
            tokio::select! {
                () = server.shutdown.cancelled() => break,
                event = events.recv() => match event {
                    Ok(e) if e.gr == deployments() => {
                        let v = &e.obj.value;
                        let key = (str_at(v, "/metadata/namespace"), str_at(v, "/metadata/name"));
                        let current = (e.type_ != EventType::Deleted).then_some(v);
                        reconcile(&server, runner.as_ref(), &mut running, key, current);
                    }
                    // A ServiceAccount may have come that a Deployment was waiting for.
                    Ok(e) if e.gr == GroupResource::new("", "serviceaccounts") => {
                        resync(&server, runner.as_ref(), &mut running);
                    }
                    Ok(_) => {}
                    Err(RecvError::Lagged(_)) => resync(&server, runner.as_ref(), &mut running),
                    Err(RecvError::Closed) => break,
                },
            }
        }
        for (_, r) in running.drain() {
            stop_all(r.replicas).await;
        }
    });
}

fn str_at(v: &Value, pointer: &str) -> String {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn resync(
    server: &Arc<ApiServer>,
    runner: &dyn WorkloadRunner,
    running: &mut HashMap<(String, String), Running>,
) {
    let (items, _) = server.store.list(&deployments(), None);
    let mut seen = Vec::new();
    for d in &items {
        let key = (
            str_at(&d.value, "/metadata/namespace"),
            str_at(&d.value, "/metadata/name"),
        );
        seen.push(key.clone());
        reconcile(server, runner, running, key, Some(&d.value));
    }
    let gone: Vec<_> = running
        .keys()
        .filter(|k| !seen.contains(k))
        .cloned()
        .collect();
    for key in gone {
        reconcile(server, runner, running, key, None);
    }
}

fn reconcile(
    server: &Arc<ApiServer>,
    runner: &dyn WorkloadRunner,
    running: &mut HashMap<(String, String), Running>,
    key: (String, String),
    deployment: Option<&Value>,
) {
    let wanted = deployment
        .filter(|d| d["metadata"]["deletionTimestamp"].is_null() && runner.runs(d))
        .map(|d| {
            let replicas = d["spec"]["replicas"].as_u64().unwrap_or(1) as usize;
            (replicas, d["spec"]["template"].clone(), d)
        });
    let Some((replicas, template, d)) = wanted else {
        if let Some(r) = running.remove(&key) {
            tracing::info!(namespace = %key.0, deployment = %key.1, "sandbox: stopping a workload");
            server.tasks.spawn(stop_all(r.replicas));
        }
        return;
    };
    let entry = running.entry(key.clone()).or_insert_with(|| Running {
        template: template.clone(),
        replicas: Vec::new(),
    });
    if entry.template != template {
        let old = std::mem::take(&mut entry.replicas);
        server.tasks.spawn(stop_all(old));
        entry.template = template;
    }
    while entry.replicas.len() > replicas {
        if let Some(r) = entry.replicas.pop() {
            server.tasks.spawn(stop_all(vec![r]));
        }
    }
    while entry.replicas.len() < replicas {
        let index = entry.replicas.len();
        let Some(workload) = workload(server, d, &key, index) else {
            // No ServiceAccount yet: its creation brings us back.
            return;
        };
        tracing::info!(namespace = %key.0, pod = %workload.pod_name, "sandbox: running a workload in-process");
        let stop = CancellationToken::new();
        let task = server.tasks.spawn(runner.run(workload, stop.clone()));
        entry.replicas.push(Replica { stop, task });
    }
}

/// The replica `index` of Deployment `d`, if its ServiceAccount exists.
fn workload(
    server: &ApiServer,
    d: &Value,
    key: &(String, String),
    index: usize,
) -> Option<Workload> {
    let (ns, name) = key;
    let pod = &d["spec"]["template"]["spec"];
    let sa_name = pod["serviceAccountName"]
        .as_str()
        .filter(|s| !s.is_empty())
        .unwrap_or("default")
        .to_owned();
    let sa = server.store.get(
        &GroupResource::new("", "serviceaccounts"),
        &ObjKey::new(ns, &sa_name),
    )?;
    let uid = str_at(&sa.value, "/metadata/uid");
    let token = server
        .auth
        .mint(SaToken {
            namespace: ns,
            name: &sa_name,
            uid: &uid,
            // A projected token, as the kubelet mounts it: for this API server's audience
            // (a token naming no audience and no Secret is valid nowhere).
            audiences: vec![SA_ISSUER.to_owned()],
            expires: None,
            secret: None,
        })
        .ok()?;
    let pod_name = format!("{name}-{index}");
    let container = &pod["containers"][0];
    let env = container["env"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let key = e["name"].as_str()?.to_owned();
            let value = match e["valueFrom"]["fieldRef"]["fieldPath"].as_str() {
                Some("metadata.name") => pod_name.clone(),
                Some("metadata.namespace") => ns.clone(),
                Some(_) => return None,
                None => e["value"].as_str().unwrap_or_default().to_owned(),
            };
            Some((key, value))
        })
        .collect();
    Some(Workload {
        namespace: ns.clone(),
        deployment: name.clone(),
        pod_name,
        service_account: sa_name,
        token,
        server: server.url.clone(),
        ca_pem: server.ca_pem.clone(),
        image: container["image"].as_str().unwrap_or_default().to_owned(),
        args: container["args"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a.as_str().map(str::to_owned))
            .collect(),
        env,
    })
}

async fn stop_all(replicas: Vec<Replica>) {
    for r in &replicas {
        r.stop.cancel();
    }
    for r in replicas {
        let _ = r.task.await;
    }
}
