//! Cockpit benchmark: prints the figures the README's performance section records.
//!
//! In process (TestBackend, 10,000 claims): one frame at 160×48 (target ≤ 2 ms) and a filter
//! keystroke to its new frame (≤ 16 ms). Against the sandbox (10,000 claims created through
//! the API, the real binary in tmux): first frame with data after start (≤ 300 ms), idle
//! CPU over `BENCH_IDLE_SECS` (default 60 s; < 0.5 %), RSS (≤ 80 MB).
//!
//! The same figures with the konnector loop running in the cockpit's process: in process, the
//! store holding what a konnector reports (a full log, a lag for each of the 10,000 claims)
//! with the claims and the Konnector view drawn; against the sandbox, the binary started with
//! `--konnector`.
//!
//! The operator view in process: 100 App Clusters (a ClusterBinding, export requests and
//! exports in each cluster namespace) beside the claims — from the filled store to its first
//! frame (≤ 300 ms), and one frame (≤ 2 ms).
//!
//! Run: `cargo bench --bench cockpit` (needs tmux). `BENCH_CLAIMS` changes the count;
//! `COCKPIT_BENCH_IN_PROCESS_ONLY=1` stops after the in-process figures.

use anyhow::{Context, Result, bail};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use klutch::objects::ObjectClass;
use klutch_tui::cluster::{ClusterId, Entry, Store};
use klutch_tui::services::konnector::local::fold;
use klutch_tui::services::konnector::{Direction, KonnectorEvent, ObjectKey, SyncAction};
use klutch_tui::tui::app::Cockpit;
use klutch_tui::tui::keymap::KeyMap;
use klutch_tui::tui::state::Access;
use klutch_tui::tui::theme::Theme;
use kube::api::{Api, DynamicObject, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

#[path = "support/fill.rs"]
mod fill;

const KINDS: [(&str, &str); 4] = [
    ("PostgresqlInstance", "postgresqlinstances"),
    ("ServiceBinding", "servicebindings"),
    ("Backup", "backups"),
    ("Restore", "restores"),
];
const NAMESPACES: usize = 50;

fn claim(i: usize) -> serde_json::Value {
    let (kind, _) = KINDS[i % KINDS.len()];
    serde_json::json!({
        "apiVersion": "anynines.com/v1", "kind": kind,
        "metadata": {"name": format!("claim-{i:05}"), "namespace": format!("ns-{:02}", i % NAMESPACES),
                     "labels": {"app": format!("app-{}", i % 7)}},
        "spec": {"service": "a9s-postgresql15", "plan": "postgresql-single-small",
                 "compositionRef": {"name": "a9s-postgresql"}},
        "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "Available"}]}
    })
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn stats(label: &str, mut samples: Vec<Duration>, target: Duration) {
    samples.sort();
    let n = samples.len().max(1);
    let mean = samples.iter().sum::<Duration>() / n as u32;
    let p99 = samples[(n * 99 / 100).min(n - 1)];
    let max = samples[n - 1];
    let verdict = if p99 <= target { "ok" } else { "OVER" };
    println!(
        "{label:<34} mean {:>7.3} ms  p99 {:>7.3} ms  max {:>7.3} ms  target ≤ {} ms  {verdict}",
        mean.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3,
        target.as_millis()
    );
}

/// 300 frames of what the cockpit shows now, each timed.
fn frame_times(
    cockpit: &Cockpit,
    area: Rect,
    buf: &mut Buffer,
    now: jiff::Timestamp,
) -> Vec<Duration> {
    (0..300)
        .map(|_| {
            buf.reset();
            let t = Instant::now();
            cockpit.draw(area, buf, now);
            t.elapsed()
        })
        .collect()
}

/// A store holding `n` claims in the App Cluster, reduced as the watchers would.
fn store_with_claims(n: usize) -> Result<Store> {
    let store = Store::new();
    let started = Instant::now();
    let entries: Vec<Entry> = (0..n)
        .map(|i| {
            let v = claim(i);
            let kind = v["kind"].as_str().unwrap_or("Backup").to_string();
            let obj: DynamicObject = serde_json::from_value(v)?;
            Ok(Entry::from_object(
                obj,
                ObjectClass::Claim,
                ClusterId::App,
                &kind,
                "anynines.com/v1",
            ))
        })
        .collect::<Result<_>>()?;
    store.update(|d| {
        for e in entries {
            d.apply(e);
        }
    });
    println!(
        "{n} claims reduced into the store in {:.1} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    Ok(store)
}

/// A cockpit at 160×48 on `store`.
fn cockpit(store: Store) -> Cockpit {
    // The benchmark asks for nothing to be done; effects would wait in this queue.
    let (services, _effects) = klutch_tui::services::Services::detached();
    Cockpit::new(
        store,
        services,
        Theme::default_theme(),
        KeyMap::default(),
        (160, 48),
        Access::ReadWrite,
    )
}

fn in_process(n: usize) -> Result<()> {
    let store = store_with_claims(n)?;
    let area = Rect::new(0, 0, 160, 48);
    let mut cockpit = cockpit(store);
    let t = Instant::now();
    cockpit.sync();
    println!(
        "rows built (grouped, {n} items) in {:.2} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let now = jiff::Timestamp::now();
    let mut buf = Buffer::empty(area);
    let cold = Instant::now();
    cockpit.draw(area, &mut buf, now);
    println!(
        "first (cold) frame: {:.3} ms",
        cold.elapsed().as_secs_f64() * 1e3
    );
    let frames = frame_times(&cockpit, area, &mut buf, now);
    stats(
        &format!("frame 160x48 ({n} claims)"),
        frames,
        Duration::from_millis(2),
    );
    let key = |c: KeyCode| Event::Key(KeyEvent::new(c, KeyModifiers::NONE));
    cockpit.handle_event(&key(KeyCode::Char('/')));
    let mut keystrokes = Vec::new();
    for round in 0..5 {
        for c in "claim-01234".chars() {
            buf.reset();
            let t = Instant::now();
            cockpit.handle_event(&key(KeyCode::Char(c)));
            cockpit.draw(area, &mut buf, now);
            keystrokes.push(t.elapsed());
        }
        if round == 0 {
            let shown = cockpit.state.rows.items.len();
            println!("filter \"claim-01234\" typed: {shown} rows match");
        }
        for _ in 0..11 {
            buf.reset();
            let t = Instant::now();
            cockpit.handle_event(&key(KeyCode::Backspace));
            cockpit.draw(area, &mut buf, now);
            keystrokes.push(t.elapsed());
        }
    }
    stats(
        "filter keystroke → new frame",
        keystrokes,
        Duration::from_millis(16),
    );
    with_konnector_data(&mut cockpit, n, area);
    Ok(())
}

/// What a konnector running here puts in the store: one sync per claim (each a lag for the
/// paired view, the log keeping the newest), then frames of the claims and Konnector views.
fn with_konnector_data(cockpit: &mut Cockpit, n: usize, area: Rect) {
    let (kind, plural) = KINDS[0];
    let t = Instant::now();
    let now = jiff::Timestamp::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(256) {
        cockpit.store.update(|d| {
            for &i in chunk {
                let event = KonnectorEvent::Synced {
                    binding: format!("{plural}.anynines.com"),
                    object: ObjectKey {
                        resource: format!("{}.anynines.com", KINDS[i % KINDS.len()].1),
                        namespace: format!("ns-{:02}", i % NAMESPACES),
                        name: format!("claim-{i:05}"),
                    },
                    direction: Direction::AppToControlPlane,
                    action: SyncAction::Written,
                    lag: Duration::from_millis((i % 200) as u64),
                };
                fold(d, event, now);
            }
        });
    }
    println!(
        "{n} konnector syncs folded into the store in {:.1} ms ({kind} and the other kinds)",
        t.elapsed().as_secs_f64() * 1e3
    );
    let mut buf = Buffer::empty(area);
    cockpit.sync();
    let frames = frame_times(cockpit, area, &mut buf, now);
    stats(
        "frame, claims view, konnector data",
        frames,
        Duration::from_millis(2),
    );
    let key = Event::Key(KeyEvent::new(KeyCode::Char('7'), KeyModifiers::NONE));
    cockpit.handle_event(&key);
    let frames = frame_times(cockpit, area, &mut buf, now);
    stats(
        &format!("frame, Konnector view ({n} lags)"),
        frames,
        Duration::from_millis(2),
    );
}

const APP_CLUSTERS: usize = 100;

/// The Control Plane of `APP_CLUSTERS` App Clusters, each in its cluster namespace: a
/// ClusterBinding, two export requests and their exports. Every tenth konnector is silent
/// (heartbeat 20 minutes old) and every tenth cluster has a failed export request.
fn app_cluster_entries(now: jiff::Timestamp) -> Result<Vec<Entry>> {
    let bind = "klutch.anynines.com/v1alpha1";
    let mut out = Vec::new();
    for c in 0..APP_CLUSTERS {
        let ns = format!("cluster-{c:03}");
        let silent = if c % 10 == 3 { 1200 } else { 30 };
        let heartbeat = now - jiff::SignedDuration::from_secs(silent);
        let mut objects = vec![(
            ObjectClass::ClusterBinding,
            serde_json::json!({"apiVersion": bind, "kind": "ClusterBinding",
                "metadata": {"name": "cluster", "namespace": ns},
                "spec": {"providerPrettyName": "anynines"},
                "status": {"lastHeartbeatTime": heartbeat.to_string(), "heartbeatInterval": "5m0s",
                           "konnectorVersion": "v0.1.0"}}),
        )];
        for (i, (kind, plural)) in KINDS.iter().take(2).enumerate() {
            let name = format!("{plural}.anynines.com");
            let status = if c % 10 == 7 && i == 1 {
                serde_json::json!({"phase": "Failed", "terminalMessage": "no template serves it"})
            } else {
                serde_json::json!({"phase": "Succeeded"})
            };
            objects.push((
                ObjectClass::ExportRequest,
                serde_json::json!({"apiVersion": bind, "kind": "APIServiceExportRequest",
                    "metadata": {"name": name, "namespace": ns},
                    "spec": {"resources": [{"group": "anynines.com", "resource": plural}]},
                    "status": status}),
            ));
            objects.push((
                ObjectClass::Export,
                serde_json::json!({"apiVersion": bind, "kind": "APIServiceExport",
                    "metadata": {"name": name, "namespace": ns},
                    "spec": {"group": "anynines.com", "names": {"plural": plural, "kind": kind}},
                    "status": {"conditions": [{"type": "Ready", "status": "True"}]}}),
            ));
        }
        for (class, v) in objects {
            let kind = v["kind"].as_str().unwrap_or_default().to_string();
            let obj: DynamicObject = serde_json::from_value(v)?;
            out.push(Entry::from_object(
                obj,
                class,
                ClusterId::ControlPlane,
                &kind,
                bind,
            ));
        }
    }
    Ok(out)
}

/// The operator view (`5`) with `APP_CLUSTERS` App Clusters and `n` claims in the store:
/// from the filled store to its first frame drawn, then frames.
fn operator_view(n: usize) -> Result<()> {
    let now = jiff::Timestamp::now();
    let store = store_with_claims(n)?;
    let entries = app_cluster_entries(now)?;
    store.update(|d| {
        for e in entries {
            d.apply(e);
        }
    });
    let area = Rect::new(0, 0, 160, 48);
    let mut buf = Buffer::empty(area);
    let first = Instant::now();
    let mut cockpit = cockpit(store);
    cockpit.sync();
    cockpit.handle_event(&Event::Key(KeyEvent::new(
        KeyCode::Char('5'),
        KeyModifiers::NONE,
    )));
    cockpit.draw(area, &mut buf, now);
    let first = first.elapsed();
    let shown = cockpit.state.rows.items.len();
    if shown != APP_CLUSTERS {
        bail!("the operator view shows {shown} rows, not {APP_CLUSTERS}");
    }
    stats(
        &format!("operator view first frame ({APP_CLUSTERS} App Clusters)"),
        vec![first],
        Duration::from_millis(300),
    );
    let frames = frame_times(&cockpit, area, &mut buf, now);
    stats(
        &format!("frame, operator view ({APP_CLUSTERS} App Clusters)"),
        frames,
        Duration::from_millis(2),
    );
    Ok(())
}

async fn populate(kubeconfig: &Path, n: usize) -> Result<()> {
    let kc = kube::config::Kubeconfig::read_from(kubeconfig)?;
    let opts = kube::config::KubeConfigOptions {
        context: Some(sandbox::APP_CONTEXT.to_string()),
        ..Default::default()
    };
    let client = kube::Client::try_from(kube::Config::from_custom_kubeconfig(kc, &opts).await?)?;
    let crd_text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tmux/claim-crds.yaml"),
    )?;
    let crds: Vec<CustomResourceDefinition> = serde_saphyr::from_multiple(&crd_text)?;
    let crd_api: Api<CustomResourceDefinition> = Api::all(client.clone());
    for crd in &crds {
        crd_api.create(&PostParams::default(), crd).await?;
    }
    fill::namespaces(&client, NAMESPACES).await?;
    let took = fill::claims(&client, n, |i| {
        let (kind, plural) = KINDS[i % KINDS.len()];
        let gvk = GroupVersionKind::gvk("anynines.com", "v1", kind);
        let ar = ApiResource::from_gvk_with_plural(&gvk, plural);
        (ar, format!("ns-{:02}", i % NAMESPACES), claim(i))
    })
    .await?;
    println!(
        "created {n} claims in the sandbox in {:.1} s",
        took.as_secs_f64()
    );
    Ok(())
}

fn tmux(socket: &str, args: &[&str]) -> Result<String> {
    let out = Command::new("tmux")
        .args(["-L", socket, "-f", "/dev/null"])
        .args(args)
        .output()?;
    if !out.status.success() {
        bail!("tmux {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn proc_cpu_ticks(pid: u32) -> Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let after = stat
        .rsplit_once(')')
        .map(|(_, a)| a)
        .context("odd /proc stat")?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: u64 = fields.get(11).context("utime")?.parse()?;
    let stime: u64 = fields.get(12).context("stime")?.parse()?;
    Ok(utime + stime)
}

fn rss_mb(pid: u32) -> Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .context("no VmRSS")?;
    let kb: f64 = line
        .split_whitespace()
        .nth(1)
        .context("VmRSS value")?
        .parse()?;
    Ok(kb / 1024.0)
}

fn release_binary() -> Result<PathBuf> {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_klutch-tui"));
    if !bin.exists() {
        bail!(
            "{} is missing; run `cargo bench --bench cockpit`",
            bin.display()
        );
    }
    Ok(bin)
}

async fn against_sandbox(n: usize, idle: Duration) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let sb = sandbox::start(sandbox::SandboxConfig {
        kubeconfig_out: dir.path().join("kubeconfig.yaml"),
        info_out: dir.path().join("info.json"),
        ..Default::default()
    })
    .await?;
    let kubeconfig = sb.info().kubeconfig.clone();
    populate(&kubeconfig, n).await?;
    let mut result = Ok(());
    for konnector in [false, true] {
        if konnector {
            println!("-- with the konnector running in the cockpit's process (--konnector)");
        }
        result = result.and(cockpit_in_tmux(dir.path(), &kubeconfig, idle, konnector).await);
    }
    sb.shutdown().await;
    result
}

async fn cockpit_in_tmux(
    dir: &Path,
    kubeconfig: &Path,
    idle: Duration,
    konnector: bool,
) -> Result<()> {
    let bin = release_binary()?;
    let socket = format!("klutch-bench-{}-{konnector}", std::process::id());
    let state = dir.join(format!("state-{konnector}"));
    let cmd = format!(
        "exec env XDG_STATE_HOME={s} XDG_CONFIG_HOME={s} {} --kubeconfig {} --app-context {} --cp-context {}{}",
        bin.display(),
        kubeconfig.display(),
        sandbox::APP_CONTEXT,
        sandbox::CONTROL_PLANE_CONTEXT,
        if konnector { " --konnector" } else { "" },
        s = state.display(),
    );
    tmux(
        &socket,
        &[
            "new-session",
            "-d",
            "-s",
            "b",
            "-x",
            "160",
            "-y",
            "48",
            &cmd,
        ],
    )?;
    let result = measure(&socket, &state, idle).await;
    if konnector {
        let screen = tmux(&socket, &["capture-pane", "-p", "-t", "b"])?;
        let header = screen.lines().next().unwrap_or_default().trim().to_string();
        println!("header: {header}");
        if !header.contains("konnector local") {
            bail!("the konnector is not running in the cockpit:\n{screen}");
        }
    }
    let _ = tmux(&socket, &["kill-server"]);
    result
}

async fn measure(socket: &str, state: &Path, idle: Duration) -> Result<()> {
    let pid: u32 = tmux(socket, &["display-message", "-p", "-t", "b", "#{pane_pid}"])?
        .trim()
        .parse()?;
    let log = state.join("klutch-tui/klutch-tui.log");
    let deadline = Instant::now() + Duration::from_secs(30);
    let first = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if let Some(line) = text.lines().find(|l| l.contains("first frame with data")) {
            let ms = line
                .split("elapsed_ms=")
                .nth(1)
                .and_then(|v| v.split_whitespace().next());
            break ms.context("no elapsed_ms")?.parse::<u64>()?;
        }
        if Instant::now() > deadline {
            bail!("no frame with data within 30 s; log:\n{text}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let verdict = if first <= 300 { "ok" } else { "OVER" };
    println!(
        "{:<34} {first} ms  target ≤ 300 ms  {verdict}",
        "first frame with data after start"
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let screen = tmux(socket, &["capture-pane", "-p", "-t", "b"])?;
    let shown = screen.lines().nth(3).unwrap_or_default().trim().to_string();
    println!("list title: {shown}");
    let clk: f64 =
        String::from_utf8_lossy(&Command::new("getconf").arg("CLK_TCK").output()?.stdout)
            .trim()
            .parse()
            .unwrap_or(100.0);
    let before = proc_cpu_ticks(pid)?;
    tokio::time::sleep(idle).await;
    let used = (proc_cpu_ticks(pid)? - before) as f64 / clk;
    let pct = used / idle.as_secs_f64() * 100.0;
    let verdict = if pct < 0.5 { "ok" } else { "OVER" };
    println!(
        "{:<34} {pct:.3} % over {} s  target < 0.5 %  {verdict}",
        "idle CPU",
        idle.as_secs()
    );
    let rss = rss_mb(pid)?;
    let verdict = if rss <= 80.0 { "ok" } else { "OVER" };
    println!(
        "{:<34} {rss:.1} MB  target ≤ 80 MB  {verdict}",
        "RSS with data loaded"
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let n = env_usize("BENCH_CLAIMS", 10_000);
    let idle = Duration::from_secs(env_usize("BENCH_IDLE_SECS", 60) as u64);
    println!("klutch-tui cockpit benchmark ({n} claims)");
    in_process(n)?;
    operator_view(n)?;
    if std::env::var_os("COCKPIT_BENCH_IN_PROCESS_ONLY").is_some() {
        return Ok(());
    }
    against_sandbox(n, idle).await
}
