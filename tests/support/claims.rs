//! Support for the tests of the claim commands: the real binary run against the sandbox's
//! kubeconfig (with config and state directories of its own), the claim CRDs installed on
//! the App server as a binding would bring them, claims to create, and waiting for a claim's
//! condition by watching it.

use super::Env;
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

/// How long any single wait may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(30);

/// The Control Plane context: the claim CRDs are installed there and the provider runs.
pub const CP: &str = sandbox::CONTROL_PLANE_CONTEXT;

/// A sandbox whose provider takes `delay` per instance and fails `fail_rate` of its steps
/// (draws seeded, so repeatable).
pub async fn start(delay: Duration, fail_rate: f64) -> Env {
    Env::start_with(|c| {
        c.provision_delay = delay;
        c.fail_rate = fail_rate;
        c.provider_seed = Some(11);
    })
    .await
}

/// What one run of the binary gave.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// `program` (`klutch-tui`, or another of its names) with the sandbox's kubeconfig and
/// config, state and cache directories of its own.
pub fn command(env: &Env, program: &Path) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(program);
    let home = env.dir.path().join("home");
    c.env("KUBECONFIG", &env.kubeconfig)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env_remove("COMPLETE")
        .kill_on_drop(true);
    c
}

/// Run `klutch-tui ARGS` to its end.
pub async fn run(env: &Env, args: &[&str]) -> Run {
    run_with_input(env, args, None).await
}

/// Run `klutch-tui ARGS` with `input` on its standard input.
pub async fn run_with_input(env: &Env, args: &[&str], input: Option<&[u8]>) -> Run {
    use tokio::io::AsyncWriteExt;
    let mut c = command(env, Path::new(env!("CARGO_BIN_EXE_klutch-tui")));
    c.args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    if let Some(bytes) = input {
        stdin.write_all(bytes).await.unwrap();
    }
    drop(stdin);
    let out = tokio::time::timeout(WAIT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("klutch-tui {args:?} ran longer than {WAIT:?}"))
        .unwrap();
    out.into()
}

/// Write `text` to a file in the test's directory.
pub fn file(env: &Env, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let path = env.dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The resource of a claim kind (`Backup`) or of a few built-in and bind kinds.
pub fn resource(kind: &str) -> ApiResource {
    let (group, version, plural) = match kind {
        "Secret" => ("", "v1", "secrets".to_string()),
        "Namespace" => ("", "v1", "namespaces".to_string()),
        "CustomResourceDefinition" => (
            "apiextensions.k8s.io",
            "v1",
            "customresourcedefinitions".to_string(),
        ),
        "APIServiceBinding"
        | "APIServiceExportRequest"
        | "ClusterBinding"
        | "APIServiceNamespace" => (
            klutch::bind::GROUP,
            klutch::bind::VERSION,
            format!("{}s", kind.to_lowercase()),
        ),
        k => {
            let claim = klutch::claims::ClaimKind::from_kind(k).unwrap();
            (
                klutch::claims::GROUP,
                klutch::claims::VERSION,
                claim.plural().to_string(),
            )
        }
    };
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), &plural)
}

/// The API of `kind` in `ns` (or cluster-wide with `None`).
pub fn api(client: &kube::Client, kind: &str, ns: Option<&str>) -> Api<DynamicObject> {
    match ns {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &resource(kind)),
        None => Api::all_with(client.clone(), &resource(kind)),
    }
}

/// Create an object (JSON with apiVersion, kind, metadata).
pub async fn create(client: &kube::Client, obj: Value) -> DynamicObject {
    let kind = obj["kind"].as_str().unwrap().to_string();
    let ns = obj["metadata"]["namespace"].as_str().map(str::to_string);
    let dynamic: DynamicObject = serde_json::from_value(obj).unwrap();
    api(client, &kind, ns.as_deref())
        .create(&PostParams::default(), &dynamic)
        .await
        .unwrap_or_else(|e| panic!("creating {kind}: {e}"))
}

pub async fn namespace(client: &kube::Client, name: &str) {
    let obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
    let dynamic: DynamicObject = serde_json::from_value(obj).unwrap();
    match api(client, "Namespace", None)
        .create(&PostParams::default(), &dynamic)
        .await
    {
        Ok(_) => {}
        Err(kube::Error::Api(s)) if s.code == 409 => {}
        Err(e) => panic!("creating namespace {name}: {e}"),
    }
}

/// Install the claim CRDs (and, with `bindings`, the APIServiceBinding CRD) on a server, as
/// binding the App Cluster would.
pub async fn install_claim_crds(client: &kube::Client, bindings: bool) {
    let crds = api(client, "CustomResourceDefinition", None);
    for crd in sandbox::controlplane::crds().unwrap() {
        let group = crd["spec"]["group"].as_str().unwrap_or_default();
        let kind = crd["spec"]["names"]["kind"].as_str().unwrap_or_default();
        let wanted = group == klutch::claims::GROUP || (bindings && kind == "APIServiceBinding");
        if !wanted {
            continue;
        }
        let name = crd["metadata"]["name"].as_str().unwrap().to_string();
        crds.patch(
            &name,
            &PatchParams::apply("test").force(),
            &Patch::Apply(&crd),
        )
        .await
        .unwrap();
    }
}

/// A PostgreSQL instance claim (a9s).
pub fn pg(ns: &str, name: &str, plan: &str) -> Value {
    json!({"apiVersion": "anynines.com/v1", "kind": "PostgresqlInstance",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"service": "a9s-postgresql15", "plan": plan,
                 "compositionRef": {"name": "a9s-postgresql"}}})
}

/// Wait until the claim satisfies `done` (watching it).
pub async fn wait_for(
    client: &kube::Client,
    kind: &str,
    ns: &str,
    name: &str,
    what: &str,
    done: impl Fn(&DynamicObject) -> bool,
) -> DynamicObject {
    let api = api(client, kind, Some(ns));
    let cond = move |o: Option<&DynamicObject>| o.is_some_and(&done);
    tokio::time::timeout(WAIT, kube::runtime::wait::await_condition(api, name, cond))
        .await
        .unwrap_or_else(|_| panic!("{kind} {ns}/{name}: {what} within {WAIT:?}"))
        .unwrap()
        .unwrap()
}

/// Whether a claim's own Ready condition is True.
pub fn ready(o: &DynamicObject) -> bool {
    o.data["status"]["conditions"].as_array().is_some_and(|cs| {
        cs.iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
    })
}

/// The PostgreSQL instance `instance` and its ServiceBinding `binding` in `ns`, created on
/// `client` (where the provider runs); returns once the binding is Ready (its Secret written).
pub async fn instance_with_binding(client: &kube::Client, ns: &str, instance: &str, binding: &str) {
    namespace(client, ns).await;
    create(client, pg(ns, instance, "postgresql-single-small")).await;
    create(
        client,
        json!({"apiVersion": "anynines.com/v1", "kind": "ServiceBinding",
        "metadata": {"name": binding, "namespace": ns},
        "spec": {"instanceRef": instance, "serviceInstanceType": "postgresql",
                 "compositionRef": {"name": "a9s-servicebinding"}}}),
    )
    .await;
    wait_for(client, "ServiceBinding", ns, binding, "Ready", ready).await;
}
