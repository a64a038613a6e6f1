//! `klutch-tui apply -f FILE|-`: validate every document first (nothing is sent while any is
//! invalid; every problem printed as `FILE:LINE:COL: field: message`), ask the server for a
//! dry-run, print the diff on stdout, then apply (unless `--dry-run`), one line per object on
//! stderr.

use super::connect;
use crate::cli::{ApplyArgs, CockpitArgs};
use crate::services::claims::apply::ApplyError;
use anyhow::Context;
use std::io::{Read, Write};
use std::process::ExitCode;

/// Run `apply`.
pub fn run(cockpit: CockpitArgs, args: ApplyArgs) -> anyhow::Result<ExitCode> {
    let (label, bytes) = if args.file.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .context("cannot read standard input")?;
        ("<stdin>".to_string(), buf)
    } else {
        let bytes = std::fs::read(&args.file)
            .with_context(|| format!("cannot read {}", args.file.display()))?;
        (args.file.display().to_string(), bytes)
    };
    connect::run(async move {
        let clusters = connect::clusters(&cockpit).await?;
        let claims = clusters.claims();
        let outcome = async {
            let plan = claims.plan(&bytes).await?;
            let preview = claims.dry_run(&plan, args.force_conflicts).await?;
            let mut out = std::io::stdout().lock();
            for change in &preview {
                out.write_all(change.diff.as_bytes())?;
            }
            out.flush()?;
            let done = if args.dry_run {
                preview
            } else {
                claims.apply(&plan, args.force_conflicts).await?
            };
            let suffix = if args.dry_run { " (dry run)" } else { "" };
            for change in &done {
                eprintln!("{} {}{suffix}", change.target.label(), change.action.word());
            }
            Ok::<_, anyhow::Error>(())
        }
        .await;
        match outcome {
            Ok(()) => Ok(ExitCode::SUCCESS),
            Err(e) => match e.downcast::<ApplyError>() {
                Ok(ApplyError::Invalid(problems)) => {
                    for p in &problems {
                        eprintln!("{label}:{p}");
                    }
                    eprintln!(
                        "error: {} problem(s) in {label}; nothing was applied",
                        problems.len()
                    );
                    Ok(ExitCode::from(1))
                }
                Ok(ApplyError::Conflict(c)) => {
                    for f in &c.fields {
                        let at = f.pos.map(|p| format!("{p}: ")).unwrap_or_default();
                        eprintln!(
                            "{label}:{at}{}: owned by field manager {:?}",
                            f.field, f.manager
                        );
                    }
                    eprintln!("error: {c}");
                    Ok(ExitCode::from(1))
                }
                Ok(other) => Err(other.into()),
                Err(e)
                    if e.downcast_ref::<std::io::Error>()
                        .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
                {
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Err(e),
            },
        }
    })
}
