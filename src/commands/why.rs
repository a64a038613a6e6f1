//! `klutch-tui why KIND/NAME` and `klutch-tui doctor`: the troubleshooting walks of
//! `services::why`, printed one line per link (or as JSON) on stdout. The exit code is the
//! verdict: 0 when everything holds, 1 otherwise — so a script can gate on it.

use super::connect;
use crate::cli::{CockpitArgs, DoctorArgs, ReportOutput, WhyArgs};
use crate::services::why::{self, Why};
use std::io::Write;
use std::process::ExitCode;

fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

fn verdict(healthy: bool) -> ExitCode {
    if healthy {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Run `why`.
pub fn why(cockpit: CockpitArgs, args: WhyArgs) -> anyhow::Result<ExitCode> {
    connect::run(async move {
        let clusters = connect::clusters(&cockpit).await?;
        let namespace = clusters.namespace(args.namespace.as_deref());
        let walker = Why::new(clusters.app.clone());
        let (kind, name) = walker.resolve(&namespace, &args.claim).await?;
        let report = walker.claim(kind, &namespace, &name).await;
        let text = match args.output {
            ReportOutput::Text => report.text(),
            ReportOutput::Json => format!("{}\n", serde_json::to_string_pretty(&report)?),
        };
        print(&text)?;
        Ok(verdict(report.healthy()))
    })
}

/// Run `doctor`.
pub fn doctor(cockpit: CockpitArgs, args: DoctorArgs) -> anyhow::Result<ExitCode> {
    connect::run(async move {
        let clusters = connect::clusters(&cockpit).await?;
        let found = why::doctor(clusters.app.clone()).await;
        let text = match args.output {
            ReportOutput::Text => found.text(),
            ReportOutput::Json => format!("{}\n", serde_json::to_string_pretty(&found)?),
        };
        print(&text)?;
        Ok(verdict(found.healthy()))
    })
}
