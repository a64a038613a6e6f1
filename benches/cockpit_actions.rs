//! Cockpit actions benchmark: prints the figures the README's performance section records.
//!
//! In process (TestBackend-sized buffer, 160×48, 10,000 other claims in the store and the
//! claim CRDs the App Cluster serves):
//! - a keystroke in the inline editor on a 200-line claim to its new frame, the text checked
//!   (schema and CEL) after every key rather than once typing pauses — the worst case; the
//!   keys alternate the plan between valid and refused, so half the checks compute the hint
//!   of valid plans (target ≤ 16 ms);
//! - opening the paired view (`p`: the App claim beside its Control Plane copy, spec
//!   differences and both timelines) to its frame (≤ 16 ms).
//!
//! Run: `cargo bench --bench cockpit_actions`. `BENCH_CLAIMS` changes the count.

#[path = "support/long_claim.rs"]
mod long_claim;

use anyhow::{Result, bail};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use klutch::objects::ObjectClass;
use klutch_tui::cluster::{ClusterId, Entry, Store};
use klutch_tui::tui::action::Action;
use klutch_tui::tui::app::Cockpit;
use klutch_tui::tui::keymap::KeyMap;
use klutch_tui::tui::state::{Access, Mode};
use klutch_tui::tui::theme::Theme;
use kube::api::DynamicObject;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TARGET: Duration = Duration::from_millis(16);

fn entry(mut v: Value, class: ObjectClass, cluster: ClusterId) -> Result<Entry> {
    v["metadata"]["creationTimestamp"] = "2026-06-10T09:00:00Z".into();
    let kind = v["kind"].as_str().unwrap_or_default().to_string();
    let api_version = v["apiVersion"].as_str().unwrap_or_default().to_string();
    let obj: DynamicObject = serde_json::from_value(v)?;
    Ok(Entry::from_object(obj, class, cluster, &kind, &api_version))
}

fn other_claim(i: usize) -> Value {
    json!({"apiVersion": "anynines.com/v1", "kind": "PostgresqlInstance",
        "metadata": {"name": format!("claim-{i:05}"), "namespace": format!("ns-{:02}", i % 50)},
        "spec": {"service": "a9s-postgresql15", "plan": "postgresql-single-small",
                 "compositionRef": {"name": "a9s-postgresql"}},
        "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "Available"}]}})
}

/// The store: the claim CRDs, `n` claims, the 200-line claim `orders` in `team-a` and its
/// Control Plane copy (a different plan) with the namespace mapping that pairs them.
fn store(n: usize) -> Result<Store> {
    let crds = sandbox::controlplane::crds()?
        .into_iter()
        .filter(|c| c["spec"]["group"] == klutch::claims::GROUP)
        .map(serde_json::from_value)
        .collect::<Result<Vec<CustomResourceDefinition>, _>>()?;
    let long: Value =
        serde_saphyr::from_str(&long_claim::two_hundred_lines("postgresql-single-small"))?;
    let mut copy = long.clone();
    copy["metadata"]["namespace"] = "cluster-8xk2p".into();
    copy["spec"]["plan"] = "postgresql-single-big".into();
    let mut entries = vec![
        entry(long, ObjectClass::Claim, ClusterId::App)?,
        entry(copy, ObjectClass::Claim, ClusterId::ControlPlane)?,
        entry(
            json!({"apiVersion": "klutch.anynines.com/v1alpha1", "kind": "APIServiceNamespace",
                "metadata": {"name": "team-a", "namespace": "cluster-8xk2p"},
                "status": {"namespace": "cluster-8xk2p"}}),
            ObjectClass::ApiServiceNamespace,
            ClusterId::ControlPlane,
        )?,
    ];
    for i in 0..n {
        entries.push(entry(other_claim(i), ObjectClass::Claim, ClusterId::App)?);
    }
    let store = Store::new();
    store.update(|d| {
        for crd in crds {
            let name = crd.metadata.name.clone().unwrap_or_default();
            d.set_claim_crd(name, Some(Arc::new(crd)));
        }
        for e in entries {
            d.apply(e);
        }
    });
    Ok(store)
}

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn press(cockpit: &mut Cockpit, keys: &str) {
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\x1b' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        cockpit.handle_event(&key(code));
    }
}

fn stats(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let n = samples.len().max(1);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mean = samples.iter().sum::<Duration>() / n as u32;
    let p99 = samples[(n * 99 / 100).min(n - 1)];
    let max = samples[n - 1];
    let verdict = if p99 <= TARGET { "ok" } else { "OVER" };
    println!(
        "{label:<44} mean {:>7.3} ms  p99 {:>7.3} ms  max {:>7.3} ms  ({n})  target ≤ {} ms  {verdict}",
        ms(mean),
        ms(p99),
        ms(max),
        TARGET.as_millis()
    );
}

fn editor_keystrokes(cockpit: &mut Cockpit, area: Rect) -> Result<()> {
    press(cockpit, "/orders\n");
    press(cockpit, "e");
    let Some(editor) = &cockpit.state.editor else {
        bail!("the editor did not open: {:?}", cockpit.state.message);
    };
    let lines = editor.area.lines().len();
    let plan = editor
        .area
        .lines()
        .iter()
        .position(|l| l.trim_start().starts_with("plan:"));
    let Some(plan) = plan else {
        bail!("no plan line in the editor")
    };
    println!(
        "editor open on {lines} lines, the plan on line {}",
        plan + 1
    );
    for _ in 0..plan {
        cockpit.handle_event(&key(KeyCode::Down));
    }
    cockpit.handle_event(&key(KeyCode::End));
    let now = jiff::Timestamp::now();
    let mut buf = Buffer::empty(area);
    let mut samples = Vec::new();
    for round in 0..200 {
        let code = if round % 2 == 0 {
            KeyCode::Char('x')
        } else {
            KeyCode::Backspace
        };
        buf.reset();
        let t = Instant::now();
        cockpit.handle_event(&key(code));
        cockpit.apply(Action::Validate);
        cockpit.draw(area, &mut buf, now);
        samples.push(t.elapsed());
        let problems = cockpit
            .state
            .editor
            .as_ref()
            .map_or(0, |e| e.problems.len());
        if problems != usize::from(round % 2 == 0) {
            bail!("round {round}: {problems} problem(s)");
        }
    }
    stats("editor keystroke → frame (200 lines, checked)", samples);
    press(cockpit, "\x1b");
    if cockpit.state.mode != Mode::Normal {
        bail!("the editor did not close: {:?}", cockpit.state.mode);
    }
    Ok(())
}

fn paired_view(cockpit: &mut Cockpit, area: Rect) -> Result<()> {
    let now = jiff::Timestamp::now();
    let mut buf = Buffer::empty(area);
    let mut samples = Vec::new();
    for _ in 0..300 {
        buf.reset();
        let t = Instant::now();
        press(cockpit, "p");
        cockpit.draw(area, &mut buf, now);
        samples.push(t.elapsed());
        let paired = cockpit.state.detail.as_ref().and_then(|d| d.pair.as_ref());
        if !paired.is_some_and(|p| p.app.is_some() && p.control_plane.is_some()) {
            bail!("the paired view lacks a side");
        }
        press(cockpit, "\x1b");
    }
    stats("open the paired view → frame", samples);
    Ok(())
}

fn main() -> Result<()> {
    let n = std::env::var("BENCH_CLAIMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    println!("klutch-tui cockpit actions benchmark ({n} other claims in the store)");
    let store = store(n)?;
    let (services, _effects) = klutch_tui::services::Services::detached();
    let area = Rect::new(0, 0, 160, 48);
    let mut cockpit = Cockpit::new(
        store,
        services,
        Theme::default_theme(),
        KeyMap::default(),
        (area.width, area.height),
        Access::ReadWrite,
    );
    cockpit.sync();
    editor_keystrokes(&mut cockpit, area)?;
    paired_view(&mut cockpit, area)?;
    Ok(())
}
