//! Logs go through `tracing` to a file in the state directory, never to the terminal.

use std::path::Path;
use tracing_appender::non_blocking::WorkerGuard;

/// Log to `<dir>/klutch-tui.log`; `RUST_LOG` sets the filter (default `info`).
/// Keep the guard alive until exit so that buffered lines are written.
pub fn init(dir: &Path) -> anyhow::Result<WorkerGuard> {
    std::fs::create_dir_all(dir)?;
    let appender = tracing_appender::rolling::never(dir, "klutch-tui.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(guard)
}
