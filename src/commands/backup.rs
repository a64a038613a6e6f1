//! `klutch-tui backup INSTANCE` and `klutch-tui restore BACKUP`: create the claim, print its
//! generated name on stdout, and with `--wait` follow it — one line per change of state on
//! stderr — until it is done (exit 0), has failed (exit 1, with the provider's message) or
//! `--timeout` has passed (exit 1).

use super::connect;
use crate::cli::{BackupArgs, CockpitArgs, RestoreArgs, WaitArgs};
use crate::services::claims::Claims;
use crate::services::claims::backup::Created;
use futures::StreamExt;
use klutch::claims::progress::{Phase, Progress};
use std::io::Write;
use std::process::ExitCode;

/// Run `backup`.
pub fn backup(cockpit: CockpitArgs, args: BackupArgs) -> anyhow::Result<ExitCode> {
    connect::run(async move {
        let clusters = connect::clusters(&cockpit).await?;
        let claims = clusters.claims();
        let namespace = clusters.namespace(args.namespace.as_deref());
        let created = claims.backup(&namespace, &args.instance).await?;
        report(&claims, &created, &args.wait).await
    })
}

/// Run `restore`.
pub fn restore(cockpit: CockpitArgs, args: RestoreArgs) -> anyhow::Result<ExitCode> {
    connect::run(async move {
        let clusters = connect::clusters(&cockpit).await?;
        let claims = clusters.claims();
        let namespace = clusters.namespace(args.namespace.as_deref());
        let created = claims.restore(&namespace, &args.backup).await?;
        report(&claims, &created, &args.wait).await
    })
}

/// Print the name; with `--wait`, follow it to its end.
async fn report(claims: &Claims, created: &Created, wait: &WaitArgs) -> anyhow::Result<ExitCode> {
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", created.name)?;
        out.flush()?;
    }
    let what = format!("{} {}", created.kind.kind().to_lowercase(), created.name);
    if !wait.wait {
        eprintln!("{what} created in namespace {}", created.namespace);
        return Ok(ExitCode::SUCCESS);
    }
    let mut changes = Box::pin(claims.follow(created).await?);
    let deadline = tokio::time::sleep(wait.timeout);
    tokio::pin!(deadline);
    let mut last: Option<Progress> = None;
    loop {
        let next = tokio::select! {
            n = changes.next() => n,
            _ = &mut deadline => {
                eprintln!(
                    "error: {what} did not finish within {}; it goes on: klutch-tui get {}s {} -n {} --watch",
                    jiff::SignedDuration::try_from(wait.timeout).map(|d| format!("{d:#}")).unwrap_or_default(),
                    created.kind.kind().to_lowercase(),
                    created.name,
                    created.namespace
                );
                return Ok(ExitCode::from(1));
            }
        };
        match next {
            None => break,
            Some(Err(e)) => eprintln!("{what}: watch interrupted ({e}); retrying"),
            Some(Ok(p)) => {
                match &p.message {
                    Some(m) => eprintln!("{what}: {} ({m})", p.state),
                    None => eprintln!("{what}: {}", p.state),
                }
                last = Some(p);
            }
        }
    }
    match last {
        Some(p) if p.phase == Phase::Done => Ok(ExitCode::SUCCESS),
        Some(p) if p.phase == Phase::Failed => {
            eprintln!(
                "error: {what} failed: {}",
                p.message
                    .as_deref()
                    .unwrap_or("the provider gave no reason")
            );
            Ok(ExitCode::from(1))
        }
        _ => {
            eprintln!("error: the watch of {what} ended before it finished");
            Ok(ExitCode::from(1))
        }
    }
}
