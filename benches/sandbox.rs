//! Sandbox API server figures (run: `cargo bench --bench sandbox`): time to `sandbox ready`,
//! LIST of 10,000 custom objects, one write delivered to 500 watchers, memory (RSS) with
//! 10,000 objects. Runs the real `klutch-tui sandbox` binary and talks HTTPS to it.
#![allow(clippy::unwrap_used)]

use futures::{StreamExt, TryStreamExt, stream};
use kube::api::{Api, DynamicObject, PostParams, WatchEvent, WatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const OBJECTS: usize = 10_000;
const WATCHERS: usize = 500;
const WRITES: usize = 40;

fn start(dir: &Path) -> (Child, Duration) {
    let t0 = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_klutch-tui"))
        .args(["sandbox", "--kubeconfig-out"])
        .arg(dir.join("kubeconfig"))
        .arg("--info-out")
        .arg(dir.join("info.json"))
        .env("XDG_STATE_HOME", dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("klutch-tui runs");
    let out = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(out).lines();
    loop {
        match lines.next() {
            Some(Ok(l)) if l == "sandbox ready" => break,
            Some(Ok(_)) => continue,
            _ => panic!("the sandbox exited before it was ready"),
        }
    }
    (child, t0.elapsed())
}

fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

const CRD: &str = r#"{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.example.com"},
"spec":{"group":"example.com","scope":"Namespaced","names":{"plural":"widgets","singular":"widget","kind":"Widget"},
"versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{}},"schema":{"openAPIV3Schema":{"type":"object","properties":{
"spec":{"type":"object","properties":{"size":{"type":"integer"},"owner":{"type":"string"},"labels":{"type":"object","additionalProperties":{"type":"string"}}}},
"status":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}}}]}}"#;

async fn make_client(kubeconfig: &Path) -> kube::Client {
    let kc = kube::config::Kubeconfig::read_from(kubeconfig).expect("kubeconfig");
    let cfg = kube::Config::from_custom_kubeconfig(kc, &Default::default())
        .await
        .expect("config");
    kube::Client::try_from(cfg).expect("client")
}

/// A bare HTTPS/1.1 client on one kept-alive connection, trusting the sandbox CA.
struct RawClient {
    sender: hyper::client::conn::http1::SendRequest<http_body_util::Empty<bytes::Bytes>>,
    token: String,
}

impl RawClient {
    async fn connect(kubeconfig: &Path) -> Self {
        use base64::Engine;
        let text = std::fs::read_to_string(kubeconfig).expect("kubeconfig");
        let kc: serde_json::Value = serde_saphyr::from_str(&text).expect("kubeconfig yaml");
        let cluster = &kc["clusters"][0]["cluster"];
        let token = kc["users"][0]["user"]["token"]
            .as_str()
            .expect("token")
            .to_string();
        let ca_pem = base64::engine::general_purpose::STANDARD
            .decode(cluster["certificate-authority-data"].as_str().expect("ca"))
            .expect("ca base64");
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls::pki_types::pem::PemObject::pem_slice_iter(&ca_pem) {
            roots.add(cert.expect("ca pem")).expect("add ca");
        }
        let cfg = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("tls versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
        let url: http::Uri = cluster["server"]
            .as_str()
            .expect("server")
            .parse()
            .expect("url");
        let addr = format!(
            "{}:{}",
            url.host().expect("host"),
            url.port_u16().expect("port")
        );
        let tcp = tokio::net::TcpStream::connect(&addr)
            .await
            .expect("connect");
        tcp.set_nodelay(true).expect("nodelay");
        let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
        let tls = tokio_rustls::TlsConnector::from(std::sync::Arc::new(cfg))
            .connect(name, tcp)
            .await
            .expect("tls");
        let (sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls))
                .await
                .expect("handshake");
        tokio::spawn(conn);
        Self { sender, token }
    }

    /// GET a path; the number of body bytes received.
    async fn get(&mut self, path: &str) -> usize {
        use http_body_util::BodyExt;
        let req = http::Request::get(path)
            .header("Host", "localhost")
            .header("Authorization", format!("Bearer {}", self.token))
            .body(http_body_util::Empty::new())
            .expect("request");
        self.sender.ready().await.expect("connection ready");
        let resp = self.sender.send_request(req).await.expect("response");
        assert!(resp.status().is_success(), "{}", resp.status());
        let mut body = resp.into_body();
        let mut n = 0;
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame.expect("frame").into_data() {
                n += data.len();
            }
        }
        n
    }
}

#[tokio::main]
async fn main() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut ready = Vec::new();
    for i in 0..5 {
        let d = tmp.path().join(format!("ready{i}"));
        std::fs::create_dir_all(&d).expect("dir");
        let (mut c, t) = start(&d);
        ready.push(t);
        let _ = c.kill();
        let _ = c.wait();
    }
    ready.sort();
    let (mut child, _) = start(tmp.path());
    let pid = child.id();
    let rss_empty = rss_mb(pid);
    let client = make_client(&tmp.path().join("kubeconfig")).await;
    let crds: Api<DynamicObject> = Api::all_with(
        client.clone(),
        &ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
            "customresourcedefinitions",
        ),
    );
    crds.create(
        &PostParams::default(),
        &serde_json::from_str(CRD).expect("crd"),
    )
    .await
    .expect("create crd");
    let ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("example.com", "v1", "Widget"),
        "widgets",
    );
    let widgets: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &ar);
    let t0 = Instant::now();
    stream::iter(0..OBJECTS)
        .map(|i| {
            let api = widgets.clone();
            async move {
                let w: DynamicObject = serde_json::from_value(json!({"apiVersion": "example.com/v1", "kind": "Widget",
                    "metadata": {"name": format!("widget-{i:05}"), "labels": {"app": "bench", "shard": (i % 10).to_string()}},
                    "spec": {"size": i, "owner": "someone", "labels": {"tier": "gold", "region": "eu-central-1"}}}))
                .expect("widget");
                api.create(&PostParams::default(), &w).await.map(|_| ())
            }
        })
        .buffer_unordered(64)
        .try_collect::<Vec<_>>()
        .await
        .expect("create widgets");
    let create_time = t0.elapsed();
    let rss_full = rss_mb(pid);

    // LIST of 10,000 objects: the whole HTTPS round trip, body read to the end, on a kept-alive
    // HTTP/1.1 connection (what the server costs), and through kube-rs (what a client sees).
    let path = "/apis/example.com/v1/namespaces/default/widgets";
    let mut raw = RawClient::connect(&tmp.path().join("kubeconfig")).await;
    let mut lists = Vec::new();
    let mut bytes = 0;
    for _ in 0..30 {
        let t = Instant::now();
        bytes = raw.get(path).await;
        lists.push(t.elapsed());
    }
    lists.sort();
    let mut kube_lists = Vec::new();
    for _ in 0..30 {
        let req = http::Request::get(path).body(Vec::new()).expect("req");
        let t = Instant::now();
        let body = client.request_text(req).await.expect("list");
        kube_lists.push(t.elapsed());
        assert_eq!(body.len(), bytes);
    }
    kube_lists.sort();

    // 500 watchers, each on its own connection; one write at a time.
    let watch_ns = "default";
    let rv = widgets
        .get("widget-00000")
        .await
        .expect("get")
        .metadata
        .resource_version
        .expect("rv");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(String, Instant)>();
    let mut tasks = Vec::new();
    for _ in 0..WATCHERS {
        let c = make_client(&tmp.path().join("kubeconfig")).await;
        let api: Api<DynamicObject> = Api::namespaced_with(c, watch_ns, &ar);
        let tx = tx.clone();
        let wp = WatchParams::default()
            .fields("metadata.name=widget-00000")
            .timeout(290);
        let mut s = api.watch(&wp, &rv).await.expect("watch").boxed();
        tasks.push(tokio::spawn(async move {
            while let Some(Ok(ev)) = s.next().await {
                if let WatchEvent::Modified(o) = ev {
                    let _ = tx.send((
                        o.metadata.resource_version.unwrap_or_default(),
                        Instant::now(),
                    ));
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut latencies = Vec::new();
    let target = Arc::new(widgets.clone());
    for i in 0..WRITES {
        let patch = json!({"spec": {"size": 100_000 + i}});
        let t = Instant::now();
        let o = target
            .patch(
                "widget-00000",
                &kube::api::PatchParams::default(),
                &kube::api::Patch::Merge(patch),
            )
            .await
            .expect("patch");
        let want = o.metadata.resource_version.expect("rv");
        let mut got = 0;
        while got < WATCHERS {
            let (rv, at) = tokio::time::timeout(Duration::from_secs(10), rx.recv())
                .await
                .expect("event in time")
                .expect("event");
            if rv == want {
                latencies.push(at.duration_since(t));
                got += 1;
            }
        }
    }
    latencies.sort();
    for t in tasks {
        t.abort();
    }
    println!(
        "klutch-tui sandbox API server ({} cores)",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    println!(
        "  sandbox ready after start          median {}  max {}   (target ≤ 500 ms)",
        ms(pct(&ready, 0.5)),
        ms(pct(&ready, 1.0))
    );
    println!(
        "  create {OBJECTS} custom objects         {:.2} s ({:.0}/s, 64 in flight)",
        create_time.as_secs_f64(),
        OBJECTS as f64 / create_time.as_secs_f64()
    );
    println!(
        "  LIST {OBJECTS} custom objects ({:.1} MB)  median {}  p99 {}   (target ≤ 30 ms)",
        bytes as f64 / 1e6,
        ms(pct(&lists, 0.5)),
        ms(pct(&lists, 0.99))
    );
    println!(
        "  the same LIST through kube-rs      median {}  p99 {}",
        ms(pct(&kube_lists, 0.5)),
        ms(pct(&kube_lists, 0.99))
    );
    println!(
        "  one write → {WATCHERS} watchers ({WRITES} writes)  p50 {}  p99 {}  max {}   (target p99 ≤ 50 ms)",
        ms(pct(&latencies, 0.5)),
        ms(pct(&latencies, 0.99)),
        ms(pct(&latencies, 1.0))
    );
    println!(
        "  RSS empty {rss_empty:.1} MB, with {OBJECTS} objects {rss_full:.1} MB   (target ≤ 150 MB)"
    );
    let _ = child.kill();
    let _ = child.wait();
}
