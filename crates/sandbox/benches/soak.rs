//! Soak of one in-process sandbox: 500 watchers, 50 writers and the fuzz test's generator
//! at once on the App Cluster API server. Afterwards every watcher must have seen every
//! write in order (per object: resourceVersions increasing, the same count, last and sum
//! as the writer got back), nothing may have panicked (handler panics the server catches
//! count too), no fuzz request may have got a 5xx, and the resident memory after the load
//! and a settling pause must be within 20 % of what it was after the warm-up.
//!
//! The warm-up runs the same load until the store's bounded watch history is full (it is
//! memory the server keeps by design, not growth) and at least `SOAK_WARMUP_SECS`.
//!
//! `cargo bench -p sandbox --bench soak`; `SOAK_SECS` (60), `SOAK_WATCHERS` (500),
//! `SOAK_WRITERS` (50), `SOAK_WRITES_PER_SEC` (all writers together, 100),
//! `SOAK_WARMUP_SECS` (10), `SOAK_HISTORY` (the sandbox's watch history),
//! `SOAK_SEED` (the fuzzer's) change the defaults.
#![allow(clippy::unwrap_used)]

mod support;

use futures::TryStreamExt;
use http_body_util::BodyExt;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use rand::{Rng, SeedableRng};
use sandbox::apiserver::fuzz_gen;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::{cpu_time, env_u64};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

const NS: &str = "soak";
const PATH: &str = "/api/v1/namespaces/soak/configmaps";
/// Largest allowed growth of resident memory, after the load, over after the warm-up.
const RSS_GROWTH_TARGET: f64 = 0.20;
/// How long the watchers may take to catch up once the writers stop.
const CATCH_UP: Duration = Duration::from_secs(120);
/// The pause after the load before memory is measured (the allocator's moment).
const SETTLE: Duration = Duration::from_secs(5);

/// VmRSS and VmHWM (peak) of this process, in KiB (Linux; zero elsewhere).
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// The machine's load averages (1, 5, 15 minutes), as /proc/loadavg has them.
fn loadavg() -> String {
    let l = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    l.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// What one side knows of one object's writes: how many, the newest resourceVersion and
/// the sum of all of them (a check that the same ones were seen).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Tally {
    count: u64,
    last: u64,
    sum: u64,
}

impl Tally {
    /// Count one more resourceVersion; false when it is not newer than the last.
    fn add(&mut self, rv: u64) -> bool {
        let in_order = rv > self.last;
        self.count += 1;
        self.last = self.last.max(rv);
        self.sum = self.sum.wrapping_add(rv);
        in_order
    }
}

/// All a watcher decodes of an event's object.
#[derive(Clone, Deserialize)]
struct Slim {
    metadata: SlimMeta,
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SlimMeta {
    name: String,
    resource_version: String,
}

fn writer_index(name: &str) -> Option<usize> {
    name.strip_prefix("w-")?.parse().ok()
}

#[derive(Default)]
struct Counters {
    events: AtomicU64,
    watch_restarts: AtomicU64,
    expired: AtomicU64,
}

struct Watched {
    tallies: Vec<Tally>,
    out_of_order: u64,
    unexpected: u64,
    caught_up: bool,
}

/// One watcher: a plain watch of the writers' ConfigMaps from `from`, resumed from the
/// last resourceVersion it saw whenever the stream ends, until it has seen the writers'
/// newest resourceVersion (sent on `target` when they stop).
async fn watcher(
    client: kube::Client,
    writers: usize,
    from: u64,
    connected: mpsc::Sender<()>,
    mut target: watch::Receiver<Option<u64>>,
    counters: Arc<Counters>,
) -> Watched {
    let mut w = Watched {
        tallies: vec![Tally::default(); writers],
        out_of_order: 0,
        unexpected: 0,
        caught_up: false,
    };
    let mut at = from;
    let mut first = true;
    loop {
        let req = kube::core::Request::new(PATH)
            .watch(&WatchParams::default().timeout(290), &at.to_string())
            .unwrap();
        let stream = match client.request_events::<Slim>(req).await {
            Ok(s) => s,
            Err(_) => {
                counters.watch_restarts.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        if first {
            first = false;
            let _ = connected.send(()).await;
        }
        let mut stream = std::pin::pin!(stream);
        loop {
            let done = |w: &Watched, target: &watch::Receiver<Option<u64>>| {
                target.borrow().is_some_and(|t| at >= t) || w.caught_up
            };
            if done(&w, &target) {
                w.caught_up = true;
                return w;
            }
            tokio::select! {
                ev = stream.try_next() => match ev {
                    Ok(Some(WatchEvent::Added(o) | WatchEvent::Modified(o))) => {
                        counters.events.fetch_add(1, Ordering::Relaxed);
                        let rv: u64 = o.metadata.resource_version.parse().unwrap_or(0);
                        match writer_index(&o.metadata.name).and_then(|i| w.tallies.get_mut(i)) {
                            Some(t) => {
                                if !t.add(rv) {
                                    w.out_of_order += 1;
                                }
                            }
                            None => w.unexpected += 1,
                        }
                        at = at.max(rv);
                    }
                    Ok(Some(WatchEvent::Deleted(_))) => w.unexpected += 1,
                    Ok(Some(WatchEvent::Bookmark(b))) => {
                        at = at.max(b.metadata.resource_version.parse().unwrap_or(0));
                    }
                    Ok(Some(WatchEvent::Error(_))) => {
                        // 410 Gone: the history no longer reaches back to `at`; the
                        // writes in between are lost to this watcher.
                        counters.expired.fetch_add(1, Ordering::Relaxed);
                        return w;
                    }
                    Ok(None) | Err(_) => {
                        counters.watch_restarts.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                },
                _ = target.changed() => {}
            }
        }
    }
}

/// One writer: merge patches of its own ConfigMap at `per_sec`, each changing it; the
/// resourceVersions the server answered.
async fn writer(
    api: Api<ConfigMap>,
    i: usize,
    per_sec: f64,
    stop: CancellationToken,
    newest: Arc<AtomicU64>,
) -> (Tally, u64) {
    let mut tally = Tally::default();
    let mut failed = 0;
    let name = format!("w-{i}");
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / per_sec));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    for n in 0u64.. {
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tick.tick() => {}
        }
        let patch = json!({"data": {"n": n.to_string(), "writer": name}});
        match api
            .patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
        {
            Ok(cm) => {
                let rv = cm.metadata.resource_version.unwrap_or_default();
                let rv: u64 = rv.parse().unwrap_or(0);
                tally.add(rv);
                newest.fetch_max(rv, Ordering::Relaxed);
            }
            Err(_) => failed += 1,
        }
    }
    (tally, failed)
}

/// A request over HTTPS through kube-rs (which adds the admin token); its status code.
async fn send(client: &kube::Client, req: sandbox::apiserver::Incoming) -> u16 {
    let uri = match &req.query {
        Some(q) => format!("{}?{q}", req.path),
        None => req.path.clone(),
    };
    let mut b = http::Request::builder().method(req.method).uri(uri);
    if let Some(ct) = &req.content_type {
        b = b.header(http::header::CONTENT_TYPE, ct);
    }
    if let Some(a) = &req.accept {
        b = b.header(http::header::ACCEPT, a);
    }
    let req = b.body(kube::client::Body::from(req.body.to_vec())).unwrap();
    match client.send(req).await {
        Ok(resp) => {
            let code = resp.status().as_u16();
            let _ = resp.into_body().collect().await;
            code
        }
        Err(_) => 0,
    }
}

fn post(path: &str, v: &serde_json::Value) -> sandbox::apiserver::Incoming {
    sandbox::apiserver::Incoming {
        method: http::Method::POST,
        path: path.into(),
        query: None,
        authorization: None,
        accept: Some("application/json".into()),
        content_type: Some("application/json".into()),
        user_agent: "soak/1".into(),
        body: serde_json::to_vec(v).unwrap().into(),
    }
}

/// The fuzzer: the fuzz test's hostile requests, one after another; answers by status.
async fn fuzzer(
    client: kube::Client,
    app: Arc<sandbox::apiserver::ApiServer>,
    seed: u64,
    stop: CancellationToken,
) -> BTreeMap<u16, u64> {
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": fuzz_gen::NS}});
    assert_eq!(send(&client, post("/api/v1/namespaces", &ns)).await, 201);
    for crd in fuzz_gen::crds() {
        let path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
        assert_eq!(send(&client, post(path, &crd)).await, 201);
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut answers = BTreeMap::new();
    while !stop.is_cancelled() {
        let seeds: Vec<u32> = (0..24).map(|_| rng.random()).collect();
        let (_, req) = fuzz_gen::next(&app, &seeds);
        *answers.entry(send(&client, req).await).or_default() += 1;
    }
    answers
}

async fn client_of(kubeconfig: &std::path::Path) -> kube::Client {
    let kc = kube::config::Kubeconfig::read_from(kubeconfig).unwrap();
    let opts = kube::config::KubeConfigOptions {
        context: Some(sandbox::APP_CONTEXT.to_string()),
        ..Default::default()
    };
    let cfg = kube::Config::from_custom_kubeconfig(kc, &opts)
        .await
        .unwrap();
    kube::Client::try_from(cfg).unwrap()
}

fn main() {
    let secs = env_u64("SOAK_SECS", 60);
    let watchers = env_u64("SOAK_WATCHERS", 500) as usize;
    let writers = env_u64("SOAK_WRITERS", 50) as usize;
    let rate = env_u64("SOAK_WRITES_PER_SEC", 100) as f64;
    let warmup = Duration::from_secs(env_u64("SOAK_WARMUP_SECS", 10));
    let history = env_u64(
        "SOAK_HISTORY",
        sandbox::apiserver::store::DEFAULT_HISTORY as u64,
    );
    let seed = env_u64("SOAK_SEED", 16);

    // Every panic counts, the ones the server catches (it answers 500) included.
    let panics = Arc::new(AtomicUsize::new(0));
    let earlier = std::panic::take_hook();
    std::panic::set_hook({
        let panics = panics.clone();
        Box::new(move |info| {
            panics.fetch_add(1, Ordering::SeqCst);
            earlier(info)
        })
    });

    let rt = tokio::runtime::Runtime::new().unwrap();
    let pass = rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let sb = sandbox::start(sandbox::SandboxConfig {
            kubeconfig_out: dir.path().join("kubeconfig"),
            info_out: dir.path().join("info.json"),
            watch_history: history as usize,
            ..Default::default()
        })
        .await
        .unwrap();
        let client = client_of(&dir.path().join("kubeconfig")).await;
        let ns: Namespace = serde_json::from_value(json!({"metadata": {"name": NS}})).unwrap();
        Api::<Namespace>::all(client.clone())
            .create(&PostParams::default(), &ns)
            .await
            .unwrap();
        let cms: Api<ConfigMap> = Api::namespaced(client.clone(), NS);
        for i in 0..writers {
            let cm: ConfigMap =
                serde_json::from_value(json!({"metadata": {"name": format!("w-{i}")}})).unwrap();
            cms.create(&PostParams::default(), &cm).await.unwrap();
        }
        let from: u64 = cms
            .list(&ListParams::default())
            .await
            .unwrap()
            .metadata
            .resource_version
            .unwrap()
            .parse()
            .unwrap();

        let counters = Arc::new(Counters::default());
        let (target_tx, target_rx) = watch::channel(None);
        let (connected_tx, mut connected_rx) = mpsc::channel(watchers.max(1));
        let watching: Vec<_> = (0..watchers)
            .map(|_| {
                tokio::spawn(watcher(
                    client.clone(),
                    writers,
                    from,
                    connected_tx.clone(),
                    target_rx.clone(),
                    counters.clone(),
                ))
            })
            .collect();
        drop(connected_tx);
        for _ in 0..watchers {
            connected_rx.recv().await.unwrap();
        }

        let (rss_idle, _) = memory_kib();
        let load_before = loadavg();
        let stop = CancellationToken::new();
        let newest = Arc::new(AtomicU64::new(from));
        let t_load = Instant::now();
        let writing: Vec<_> = (0..writers)
            .map(|i| {
                tokio::spawn(writer(
                    cms.clone(),
                    i,
                    rate / writers as f64,
                    stop.clone(),
                    newest.clone(),
                ))
            })
            .collect();
        let fuzzing = tokio::spawn(fuzzer(client.clone(), sb.app.clone(), seed, stop.clone()));

        // Warm-up: the same load until the watch history is full.
        let rv0 = sb.app.store.current_rv();
        tokio::time::sleep(warmup).await;
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        while sb.app.store.current_rv() - rv0 < history && t_load.elapsed() < Duration::from_secs(600) {
            tick.tick().await;
        }
        let warmed = t_load.elapsed();
        let (rss_start, _) = memory_kib();
        let cpu0 = cpu_time();
        let t0 = Instant::now();
        let events0 = counters.events.load(Ordering::Relaxed);
        tokio::time::sleep(Duration::from_secs(secs)).await;
        let measured = t0.elapsed();
        let events_measured = counters.events.load(Ordering::Relaxed) - events0;
        let cpu = cpu_time().saturating_sub(cpu0);
        stop.cancel();
        let loaded = t_load.elapsed();

        let mut written = Vec::new();
        let mut failed_writes = 0;
        for h in writing {
            let (t, f) = h.await.unwrap();
            written.push(t);
            failed_writes += f;
        }
        let answers = fuzzing.await.unwrap();
        let newest = written.iter().map(|t| t.last).max().unwrap_or(from);
        target_tx.send(Some(newest)).unwrap();
        let t_catch = Instant::now();
        let results = tokio::time::timeout(CATCH_UP, futures::future::join_all(watching))
            .await
            .expect("the watchers catch up");
        let catch_up = t_catch.elapsed();
        let mut complete = 0;
        let mut out_of_order = 0;
        let mut unexpected = 0;
        for r in &results {
            let w = r.as_ref().unwrap();
            out_of_order += w.out_of_order;
            unexpected += w.unexpected;
            if w.caught_up && w.tallies == written {
                complete += 1;
            }
        }
        drop(results);
        tokio::time::sleep(SETTLE).await;
        let (rss_end, peak) = memory_kib();
        let ready = send(&client, fuzz_gen::readyz()).await;
        let load_after = loadavg();
        let t_shut = Instant::now();
        sb.shutdown().await;
        let shutdown = t_shut.elapsed();

        let writes: u64 = written.iter().map(|t| t.count).sum();
        let requests: u64 = answers.values().sum();
        let server_errors: u64 = answers.iter().filter(|(c, _)| **c >= 500 || **c == 0).map(|(_, n)| n).sum();
        let growth = rss_end as f64 / rss_start as f64 - 1.0;
        let panicked = panics.load(Ordering::SeqCst);
        println!(
            "soak: {watchers} watchers, {writers} writers ({rate} writes/s together), 1 fuzzer on one sandbox's App Cluster API server; warm-up {:.0} s, load {:.0} s (measured {:.0} s), watch history {history}",
            warmed.as_secs_f64(), loaded.as_secs_f64(), measured.as_secs_f64()
        );
        println!(
            "writes: {writes} ({:.0}/s over the whole load), {failed_writes} failed",
            writes as f64 / loaded.as_secs_f64()
        );
        println!(
            "watch events delivered: {:.0}/s while measured; watch restarts {}, expired (410) {}; caught up {:.2} s after the writers stopped",
            events_measured as f64 / measured.as_secs_f64(),
            counters.watch_restarts.load(Ordering::Relaxed),
            counters.expired.load(Ordering::Relaxed),
            catch_up.as_secs_f64()
        );
        println!(
            "watchers that saw every write in order: {complete}/{watchers} (events out of order {out_of_order}, unexpected {unexpected})"
        );
        println!(
            "fuzzer: {requests} requests ({:.0}/s), answers by status {answers:?}; 5xx or no answer: {server_errors}",
            requests as f64 / loaded.as_secs_f64()
        );
        println!("panics: {panicked}; /readyz after the load: {ready}; shutdown took {:.0} ms", shutdown.as_secs_f64() * 1000.0);
        println!(
            "RSS: connected, before the load {:.0} MiB; after warm-up {:.0} MiB, after the load + {} s {:.0} MiB ({:+.1} %, target <= +{:.0} %), peak {:.0} MiB; CPU {:.2} cores while measured",
            mib(rss_idle), mib(rss_start), SETTLE.as_secs(), mib(rss_end), growth * 100.0, RSS_GROWTH_TARGET * 100.0, mib(peak),
            cpu.as_secs_f64() / measured.as_secs_f64()
        );
        println!("machine load (1/5/15 min) before: {load_before}, after: {load_after} ({} cores)",
            std::thread::available_parallelism().map_or(0, |n| n.get()));
        let checks = [
            ("every watcher saw every write in order", complete == watchers && out_of_order == 0 && unexpected == 0),
            ("no failed write", failed_writes == 0),
            ("no 5xx for the fuzzer", server_errors == 0),
            ("nothing panicked", panicked == 0),
            ("/readyz answers", ready == 200),
            ("memory returned", growth <= RSS_GROWTH_TARGET),
            ("shutdown within 5 s", shutdown <= Duration::from_secs(5)),
        ];
        let mut pass = true;
        for (what, ok) in checks {
            println!("{} {what}", if ok { "PASS" } else { "FAIL" });
            pass &= ok;
        }
        pass
    });
    println!("soak: {}", if pass { "PASS" } else { "FAIL" });
    if !pass {
        std::process::exit(1);
    }
}
