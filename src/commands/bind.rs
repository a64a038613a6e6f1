//! `klutch-tui bind URL`: the binding walkthrough without the cockpit. Progress lines go to
//! stderr, questions are plain prompts (stdin), the summary of what was bound goes to
//! stdout. A login prints its URL and QR code always and opens a browser where there is
//! one. `--konnector local` keeps the sync loop running here until Ctrl-C.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::cli::{AuthArg, BindArgs, KonnectorArg};
use crate::config::Paths;
use crate::services::bind::auth::cache::TokenCache;
use crate::services::bind::konnector::ServiceDriver;
use crate::services::bind::plan::yes_no;
use crate::services::bind::{
    AuthMode, BindEvent, BindIo, BindPlan, KonnectorDriver, KonnectorMode, LoginPrompt, Question,
    StepStatus, Summary, backend, run,
};

/// How long an installed konnector may take to connect the bindings.
const BOUND_TIMEOUT: Duration = Duration::from_secs(300);

/// Run `bind`.
pub fn run_bind(kubeconfig: Option<String>, args: BindArgs) -> anyhow::Result<ExitCode> {
    let paths = Paths::discover();
    let _guard = crate::logging::init(&paths.state_dir)?;
    if args.status {
        return super::whoami::run();
    }
    let url = args.url.clone().unwrap_or_default();
    if args.token_file.is_some() && args.auth != AuthArg::Token {
        eprintln!("error: --token-file goes with --auth token");
        return Ok(ExitCode::from(2));
    }
    let rt = super::runtime()?;
    rt.block_on(bind(kubeconfig, args, url, paths))
}

fn plan_of(args: &BindArgs, url: String) -> BindPlan {
    BindPlan {
        url,
        auth: match args.auth {
            AuthArg::Browser => AuthMode::Browser,
            AuthArg::CodeGrant => AuthMode::CodeGrant,
            AuthArg::Device => AuthMode::Device,
            AuthArg::Token => AuthMode::Token,
        },
        konnector: match args.konnector {
            KonnectorArg::Install => KonnectorMode::Install(args.konnector_image.clone()),
            KonnectorArg::Local => KonnectorMode::Local,
            KonnectorArg::None => KonnectorMode::None,
        },
        exports: args.exports.clone(),
        assume_yes: args.yes,
    }
}

async fn bind(
    kubeconfig: Option<String>,
    args: BindArgs,
    url: String,
    paths: Paths,
) -> anyhow::Result<ExitCode> {
    let app = super::app_client(kubeconfig.as_deref(), args.app_context.as_deref(), &paths).await?;
    let driver = Arc::new(ServiceDriver::new());
    let io = BindIo {
        app,
        http: backend::http_client()?,
        cache: TokenCache::new(&paths.cache_dir),
        konnector: driver.clone(),
        token_file: args.token_file.clone(),
        id_token: None,
        bound_timeout: BOUND_TIMEOUT,
    };
    let plan = plan_of(&args, url);
    let (tx, rx) = mpsc::channel(16);
    let cancel = CancellationToken::new();
    let ctrl_c = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.cancel();
            }
        })
    };
    let answers = Answers {
        exports_given: !args.exports.is_empty(),
        yes: args.yes,
    };
    let printer = tokio::spawn(drive(rx, answers));
    let result = run(plan.clone(), &io, tx, cancel.clone()).await;
    let _ = printer.await;
    let summary = result.map_err(anyhow::Error::new)?;
    print_summary(&summary)?;
    if plan.konnector == KonnectorMode::Local {
        eprintln!("The konnector runs here; stop it with Ctrl-C (the bindings stay).");
        cancel.cancelled().await;
        driver.stop_local().await;
    }
    ctrl_c.abort();
    Ok(ExitCode::SUCCESS)
}

fn print_summary(summary: &Summary) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    for name in &summary.created {
        writeln!(out, "bound {name}")?;
    }
    for name in &summary.already_bound {
        writeln!(out, "already bound {name} (nothing changed)")?;
    }
    writeln!(
        out,
        "provider {} at {}; cluster namespace {} on the Control Plane; kubeconfig Secret klutch-bind/{}; konnector: {}",
        summary.provider, summary.url, summary.cluster_namespace, summary.secret, summary.konnector
    )?;
    out.flush().context("writing the summary")
}

/// What the command line already decided.
#[derive(Clone, Copy)]
struct Answers {
    exports_given: bool,
    yes: bool,
}

/// Print progress and answer questions until the bind stops sending.
async fn drive(mut rx: mpsc::Receiver<BindEvent>, answers: Answers) {
    while let Some(event) = rx.recv().await {
        match event {
            BindEvent::Step(step, status) => match status {
                StepStatus::Done(text) if text.is_empty() => eprintln!("✓ {}", step.title()),
                StepStatus::Done(text) => eprintln!("✓ {}: {text}", step.title()),
                StepStatus::Skipped(text) => eprintln!("– {}: {text}", step.title()),
                StepStatus::Progress(text) => eprintln!("  {text}"),
                // The error itself is printed once, at the end.
                StepStatus::Started | StepStatus::Failed(_) => {}
            },
            BindEvent::RolledBack(gone) if !gone.is_empty() => {
                eprintln!("Removed again: {}", gone.join(", "));
            }
            BindEvent::RolledBack(_) => {}
            BindEvent::Question(q) => answer(q, answers).await,
        }
    }
}

async fn answer(question: Question, answers: Answers) {
    match question {
        Question::ShowLogin { prompt, reply } => {
            show_login(&prompt);
            reply.answer(());
        }
        Question::ChooseExports { offered, reply } => {
            if answers.exports_given || answers.yes || !std::io::stdin().is_terminal() {
                // Nothing chosen: the bind says which names there are.
                reply.answer(Vec::new());
                return;
            }
            eprintln!("The backend exports:");
            for (i, o) in offered.iter().enumerate() {
                eprintln!("  {:>2}) {} ({}, {})", i + 1, o.resource, o.kind, o.group);
            }
            eprint!("Which to bind? Numbers or names, separated by spaces or commas: ");
            let Some(line) = read_line().await else {
                drop(reply);
                return;
            };
            let chosen: Vec<String> = line
                .split([',', ' '])
                .filter(|w| !w.is_empty())
                .map(|w| match w.parse::<usize>() {
                    Ok(n) if (1..=offered.len()).contains(&n) => offered[n - 1].name(),
                    _ => w.to_owned(),
                })
                .collect();
            reply.answer(chosen);
        }
        Question::AcceptClaim { text, reply, .. } => loop {
            println!("{text}");
            let Some(line) = read_line().await else {
                eprintln!("No answer on stdin; pass --yes to accept every permission claim.");
                drop(reply);
                return;
            };
            if let Some(accepted) = yes_no(&line) {
                reply.answer(accepted);
                return;
            }
        },
    }
}

async fn read_line() -> Option<String> {
    tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        match std::io::stdin().lock().read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.trim().to_owned()),
        }
    })
    .await
    .ok()
    .flatten()
}

fn show_login(prompt: &LoginPrompt) {
    match prompt {
        LoginPrompt::Browser { url, qr } => {
            eprintln!(
                "To log in, open in a browser (here, or scan the QR code with another device):\n\n    {url}\n"
            );
            eprintln!("{qr}");
            if crate::services::bind::auth::browser_available() && webbrowser::open(url).is_ok() {
                eprintln!("(opened in your browser)");
            }
        }
        LoginPrompt::Device {
            verification_uri,
            user_code,
            verification_uri_complete,
            qr,
            expires_in,
        } => {
            eprintln!(
                "To log in, visit {verification_uri} on any device and enter the code\n\n    {user_code}\n"
            );
            if let Some(complete) = verification_uri_complete {
                eprintln!("or scan the QR code (it opens {complete}):");
            }
            eprintln!("{qr}");
            eprintln!("The code expires in {} min. Waiting…", expires_in / 60);
        }
    }
}
