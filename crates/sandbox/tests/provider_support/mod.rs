//! Support for the provider tests: a sandbox with a chosen provisioning delay and fail rate,
//! typed access to claims on its Control Plane, waiting for a claim to reach a state (by
//! watching it), and recording every version of a claim a watch delivers.
#![allow(dead_code)]

use crate::common::Env;
use futures::StreamExt;
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use kube::runtime::wait::await_condition;
use kube::runtime::watcher;
use parking_lot::Mutex;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// How long any single wait in these tests may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(20);

pub async fn start(delay: Duration, fail_rate: f64) -> Env {
    // RUST_LOG=sandbox::provider=debug shows what the provider does.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    Env::start_with(|c| {
        c.provision_delay = delay;
        c.fail_rate = fail_rate;
        c.provider_seed = Some(7);
    })
    .await
}

pub async fn cp(env: &Env) -> kube::Client {
    env.client(sandbox::CONTROL_PLANE_CONTEXT).await
}

pub fn resource(kind: &str) -> ApiResource {
    let (group, version, plural) = match kind {
        "Secret" => ("", "v1", "secrets".to_string()),
        "Namespace" => ("", "v1", "namespaces".to_string()),
        k => ("anynines.com", "v1", format!("{}s", k.to_lowercase())),
    };
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), &plural)
}

pub fn api(client: &kube::Client, kind: &str, ns: &str) -> Api<DynamicObject> {
    Api::namespaced_with(client.clone(), ns, &resource(kind))
}

pub async fn namespace(client: &kube::Client, ns: &str) {
    let api: Api<DynamicObject> = Api::all_with(client.clone(), &resource("Namespace"));
    let obj: DynamicObject = serde_json::from_value(
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
    )
    .unwrap();
    match api.create(&PostParams::default(), &obj).await {
        Ok(_) => {}
        Err(kube::Error::Api(s)) if s.code == 409 => {}
        Err(e) => panic!("creating namespace {ns}: {e}"),
    }
}

/// Create a claim from JSON (`apiVersion` and `kind` are filled in).
pub async fn create(client: &kube::Client, kind: &str, ns: &str, mut v: Value) -> DynamicObject {
    v["apiVersion"] = json!("anynines.com/v1");
    v["kind"] = json!(kind);
    v["metadata"]["namespace"] = json!(ns);
    let obj: DynamicObject = serde_json::from_value(v).unwrap();
    api(client, kind, ns)
        .create(&PostParams::default(), &obj)
        .await
        .unwrap()
}

pub fn instance(name: &str, service: &str, plan: &str, composition: &str) -> Value {
    json!({"metadata": {"name": name},
           "spec": {"service": service, "plan": plan, "compositionRef": {"name": composition}}})
}

/// The claim kind of most provider tests.
pub const PG: &str = "PostgresqlInstance";

/// Create a PostgreSQL 15 instance with `plan` and wait until it is Ready; the Ready object.
pub async fn ready_instance(c: &kube::Client, ns: &str, name: &str, plan: &str) -> DynamicObject {
    create(
        c,
        PG,
        ns,
        instance(name, "a9s-postgresql15", plan, "a9s-postgresql"),
    )
    .await;
    wait_for(c, PG, ns, name, "Ready", ready)
        .await
        .unwrap_or_else(|| panic!("{PG} {ns}/{name} is gone"))
}

pub fn referencing(name: &str, field: &str, target: &str, ty: &str, composition: &str) -> Value {
    json!({"metadata": {"name": name},
           "spec": {field: target, "serviceInstanceType": ty, "compositionRef": {"name": composition}}})
}

pub async fn annotate(
    client: &kube::Client,
    kind: &str,
    ns: &str,
    name: &str,
    key: &str,
    value: &str,
) {
    api(client, kind, ns)
        .patch(
            name,
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"annotations": {key: value}}})),
        )
        .await
        .unwrap();
}

pub async fn delete(client: &kube::Client, kind: &str, ns: &str, name: &str) {
    api(client, kind, ns)
        .delete(name, &DeleteParams::default())
        .await
        .unwrap();
}

/// Wait (watching) until the object satisfies `pred` (`None`: it is gone).
pub async fn wait_for(
    client: &kube::Client,
    kind: &str,
    ns: &str,
    name: &str,
    what: &str,
    pred: impl Fn(Option<&DynamicObject>) -> bool,
) -> Option<DynamicObject> {
    let api = api(client, kind, ns);
    match tokio::time::timeout(WAIT, await_condition(api.clone(), name, pred)).await {
        Ok(r) => r.unwrap(),
        Err(_) => {
            let now = api.get_opt(name).await.unwrap();
            panic!(
                "{kind} {ns}/{name} did not become {what} within {WAIT:?}; it is:\n{}",
                serde_json::to_string_pretty(&now).unwrap()
            )
        }
    }
}

/// The condition of this type in `obj`'s `status.conditions` (`managed`: in
/// `status.managed.conditions`): (status, reason, message).
pub fn cond(obj: &DynamicObject, managed: bool, type_: &str) -> Option<(String, String, String)> {
    let path = if managed {
        "/status/managed/conditions"
    } else {
        "/status/conditions"
    };
    let c = obj
        .data
        .pointer(path)?
        .as_array()?
        .iter()
        .find(|c| c["type"] == type_)?;
    let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
    Some((s("status"), s("reason"), s("message")))
}

pub fn has_cond(
    obj: Option<&DynamicObject>,
    managed: bool,
    type_: &str,
    status: &str,
    reason: &str,
) -> bool {
    obj.and_then(|o| cond(o, managed, type_))
        .is_some_and(|(s, r, _)| s == status && r == reason)
}

pub fn ready(obj: Option<&DynamicObject>) -> bool {
    has_cond(obj, false, "Ready", "True", "Available")
}

pub fn managed<'a>(obj: &'a DynamicObject, field: &str) -> &'a Value {
    obj.data["status"]["managed"]
        .get(field)
        .unwrap_or(&Value::Null)
}

/// Every version of one claim a watch delivers, from before it exists.
pub struct Recorder {
    seen: Arc<Mutex<Vec<DynamicObject>>>,
    /// Bumped on every recorded version; `deleted` once the object is gone.
    count: tokio::sync::watch::Receiver<(usize, bool)>,
    task: tokio::task::JoinHandle<()>,
}

impl Recorder {
    pub async fn start(client: &kube::Client, kind: &str, ns: &str, name: &str) -> Self {
        let api = api(client, kind, ns);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let s = seen.clone();
        let (count_tx, count) = tokio::sync::watch::channel((0, false));
        let cfg = watcher::Config::default().fields(&format!("metadata.name={name}"));
        let task = tokio::spawn(async move {
            let mut ready_tx = Some(ready_tx);
            let mut stream = watcher(api, cfg).boxed();
            while let Some(ev) = stream.next().await {
                match ev {
                    Ok(watcher::Event::InitDone) => {
                        if let Some(tx) = ready_tx.take() {
                            let _ = tx.send(());
                        }
                    }
                    Ok(watcher::Event::Apply(o)) | Ok(watcher::Event::InitApply(o)) => {
                        s.lock().push(o);
                        count_tx.send_modify(|c| c.0 += 1);
                    }
                    Ok(watcher::Event::Delete(_)) => count_tx.send_modify(|c| c.1 = true),
                    _ => {}
                }
            }
        });
        ready_rx.await.unwrap();
        Self { seen, count, task }
    }

    /// Wait until the recorder has seen `obj`'s version (or, with `None`, the deletion).
    pub async fn caught_up(&self, obj: Option<&DynamicObject>) {
        let rv: Option<u64> = obj.and_then(|o| o.metadata.resource_version.as_ref()?.parse().ok());
        let seen = self.seen.clone();
        let mut count = self.count.clone();
        let done = async move {
            count
                .wait_for(|(_, deleted)| match rv {
                    None => *deleted,
                    Some(rv) => seen.lock().iter().any(|o| {
                        o.metadata
                            .resource_version
                            .as_ref()
                            .and_then(|v| v.parse::<u64>().ok())
                            .is_some_and(|v| v >= rv)
                    }),
                })
                .await
                .map(|_| ())
        };
        tokio::time::timeout(WAIT, done)
            .await
            .expect("the recorder caught up")
            .unwrap();
    }

    pub fn versions(&self) -> Vec<DynamicObject> {
        self.seen.lock().clone()
    }

    /// The distinct values of `f` over the versions, in order.
    pub fn trail<T: PartialEq>(&self, f: impl Fn(&DynamicObject) -> T) -> Vec<T> {
        let mut out: Vec<T> = Vec::new();
        for o in self.seen.lock().iter() {
            let v = f(o);
            if out.last() != Some(&v) {
                out.push(v);
            }
        }
        out
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.task.abort();
    }
}
