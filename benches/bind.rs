//! The full bind in the sandbox (run: `cargo bench --bench bind`), twice: the headless
//! walkthrough — device flow with the approval given as soon as the code is shown, two
//! exports (one with a permission claim), the konnector started in this process, until every
//! binding is Ready — and the cockpit's bind wizard end to end, its own state and services
//! in process without a terminal: `:bind` typed, the browser login (PKCE, loopback redirect)
//! played by an HTTP client the moment its URL is on screen, every export chosen with `a` and Enter, every permission
//! claim accepted with `y`, a frame drawn after every reply, until the wizard shows them
//! bound. A fresh sandbox and token cache for each run; prints the time per run and per step
//! against the 2 s targets.
#![allow(clippy::unwrap_used)]

#[path = "../tests/bind_support/mod.rs"]
mod bind_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use klutch_tui::services::bind::{
    AuthMode, BindEvent, BindIo, BindPlan, KonnectorDriver, KonnectorMode, LoginPrompt, Question,
    Step, StepStatus, auth::cache::TokenCache, backend, konnector::ServiceDriver, run,
};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use klutch_tui::cluster::{Connections, Store};
use klutch_tui::services::{self as svc, Reply, wizard::WizardEvent};
use klutch_tui::tui::action::{Action, Edit};
use klutch_tui::tui::app::Cockpit;
use klutch_tui::tui::keymap::{Command, KeyMap};
use klutch_tui::tui::state::Access;
use klutch_tui::tui::state::wizard::Page;
use klutch_tui::tui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

const RUNS: usize = 5;
const TARGET: Duration = Duration::from_secs(2);

async fn client(kubeconfig: &std::path::Path) -> kube::Client {
    let kc = kube::config::Kubeconfig::read_from(kubeconfig).unwrap();
    let options = kube::config::KubeConfigOptions {
        context: Some(sandbox::APP_CONTEXT.into()),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kc, &options)
        .await
        .unwrap();
    kube::Client::try_from(config).unwrap()
}

/// One bind; its total time and when each step was done.
async fn one() -> (Duration, Vec<(Step, Duration)>) {
    let dir = tempfile::tempdir().unwrap();
    let sb = sandbox::start(sandbox::SandboxConfig {
        kubeconfig_out: dir.path().join("kubeconfig"),
        info_out: dir.path().join("info.json"),
        ..Default::default()
    })
    .await
    .unwrap();
    let driver = Arc::new(ServiceDriver::new());
    let io = BindIo {
        app: client(&dir.path().join("kubeconfig")).await,
        http: backend::http_client().unwrap(),
        cache: TokenCache::new(&dir.path().join("cache")),
        konnector: driver.clone(),
        token_file: None,
        id_token: None,
        bound_timeout: Duration::from_secs(30),
    };
    let plan = BindPlan {
        url: sb.info().bind_url.clone(),
        auth: AuthMode::Device,
        konnector: KonnectorMode::Local,
        exports: vec!["postgresqlinstances".into(), "servicebindings".into()],
        assume_yes: true,
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let t0 = Instant::now();
    let driving = tokio::spawn(async move {
        let mut done = Vec::new();
        while let Some(event) = rx.recv().await {
            match event {
                BindEvent::Step(step, StepStatus::Done(_) | StepStatus::Skipped(_)) => {
                    done.push((step, t0.elapsed()))
                }
                BindEvent::Question(Question::ShowLogin { prompt, reply }) => {
                    if let LoginPrompt::Device {
                        verification_uri_complete: Some(complete),
                        ..
                    } = prompt
                    {
                        let url = url::Url::parse(&complete).unwrap();
                        bind_support::approve_device(&url, ("developer", "developer")).await;
                    }
                    reply.answer(());
                }
                _ => {}
            }
        }
        done
    });
    run(plan, &io, tx, tokio_util::sync::CancellationToken::new())
        .await
        .unwrap();
    let took = t0.elapsed();
    let steps = driving.await.unwrap();
    driver.stop_local().await;
    sb.shutdown().await;
    (took, steps)
}

fn key(c: KeyCode) -> Action {
    Action::WizardKey(KeyEvent::new(c, KeyModifiers::NONE))
}

/// One bind through the cockpit's wizard; its total time and when each step was done.
async fn wizard_one() -> (Duration, Vec<(String, Duration)>) {
    let dir = tempfile::tempdir().unwrap();
    let sb = sandbox::start(sandbox::SandboxConfig {
        kubeconfig_out: dir.path().join("kubeconfig"),
        info_out: dir.path().join("info.json"),
        ..Default::default()
    })
    .await
    .unwrap();
    let kubeconfig = dir.path().join("kubeconfig").display().to_string();
    let connections = Connections::resolve(
        Some(&kubeconfig),
        Some(sandbox::APP_CONTEXT),
        Some(sandbox::CONTROL_PLANE_CONTEXT),
    )
    .await
    .unwrap();
    let store = Store::new();
    let clusters = Arc::new(connections.start(&store));
    let konnector = svc::konnector::local::Local::new(store.clone());
    let svc::Started {
        services,
        mut replies,
        task,
    } = svc::start(svc::Context {
        store: store.clone(),
        clusters: clusters.clone(),
        bind: svc::wizard::Setup {
            cache_dir: dir.path().join("cache"),
            default_url: Some(sb.info().bind_url.clone()),
            konnector: Arc::new(konnector.clone()),
        },
        konnector: konnector.clone(),
    });
    let mut cockpit = Cockpit::new(
        store,
        services,
        Theme::default_theme(),
        KeyMap::default(),
        (160, 48),
        Access::ReadWrite,
    );
    let area = Rect::new(0, 0, 160, 48);
    let mut buf = Buffer::empty(area);
    let now = jiff::Timestamp::now();

    let t0 = Instant::now();
    // `:bind`, typed: the browser login, played by an HTTP client.
    cockpit.apply(Action::Command(Command::CommandLine));
    for c in "bind".chars() {
        cockpit.apply(Action::Edit(Edit::Char(c)));
    }
    cockpit.apply(Action::Edit(Edit::Submit));
    let mut steps = Vec::new();
    let mut approved = false;
    while let Some(reply) = replies.recv().await {
        if let Reply::Bind { event, .. } = &reply {
            match event {
                WizardEvent::Step(step, StepStatus::Done(_) | StepStatus::Skipped(_)) => {
                    steps.push((step.title().to_owned(), t0.elapsed()));
                }
                WizardEvent::Failed { message, .. } => panic!("the bind failed: {message}"),
                _ => {}
            }
        }
        cockpit.apply(Action::Reply(reply));
        cockpit.draw(area, &mut buf, now);
        let page = cockpit.state.wizard.as_ref().map(|w| w.page.clone());
        match page {
            Some(Page::Login(LoginPrompt::Browser { url, .. })) if !approved => {
                approved = true;
                browser_login(&url).await;
            }
            Some(Page::Exports { .. }) => {
                cockpit.apply(key(KeyCode::Char('a')));
                cockpit.apply(key(KeyCode::Enter));
            }
            Some(Page::Claim { .. }) => cockpit.apply(key(KeyCode::Char('y'))),
            Some(Page::Bound(_)) => break,
            _ => {}
        }
    }
    let took = t0.elapsed();
    konnector.stop().await;
    task.abort();
    drop(clusters);
    sb.shutdown().await;
    (took, steps)
}

/// The person at the browser: the issuer's login page, the form sent, the redirect followed
/// to the wizard's loopback receiver.
async fn browser_login(url: &str) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    let page = http.get(url).send().await.unwrap();
    let at = page.url().clone();
    let (action, _) = bind_support::form_fields(&page.text().await.unwrap());
    let back = http
        .post(at.join(&action).unwrap())
        .form(&[
            ("username", "developer"),
            ("password", "developer"),
            ("action", "login"),
        ])
        .send()
        .await
        .unwrap();
    let location = back.headers()["location"].to_str().unwrap().to_owned();
    let done = http.get(at.join(&location).unwrap()).send().await.unwrap();
    assert!(done.status().is_success(), "{}", done.status());
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut runs = Vec::new();
        for _ in 0..RUNS {
            let (took, steps) = one().await;
            let steps = steps.into_iter().map(|(s, at)| (s.title().to_owned(), at)).collect();
            runs.push((took, steps));
        }
        report(
            "full headless bind (device flow, 2 exports, local konnector, until Ready)",
            runs,
        );
        let mut runs = Vec::new();
        for _ in 0..RUNS {
            runs.push(wizard_one().await);
        }
        report(
            "bind wizard end to end (:bind, browser login played over HTTP, every export, claims accepted with y, local konnector, until bound)",
            runs,
        );
    });
}

fn report(what: &str, mut runs: Vec<(Duration, Vec<(String, Duration)>)>) {
    runs.sort_by_key(|(took, _)| *took);
    let (median, steps) = &runs[RUNS / 2];
    let max = runs.last().unwrap().0;
    println!(
        "{what}: median {}, max {} over {RUNS} runs (target ≤ {})",
        ms(*median),
        ms(max),
        ms(TARGET)
    );
    println!("  steps of the median run (done at):");
    for (step, at) in steps {
        println!("    {step:<28} {}", ms(*at));
    }
    println!("  {}", if max <= TARGET { "OK" } else { "OVER TARGET" });
}
