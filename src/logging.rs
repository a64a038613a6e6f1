//! Logs go to `<state dir>/klutch-tui.log` (tracing-appender, non-blocking), never to the
//! terminal the cockpit draws on. `KLUTCH_TUI_LOG` takes an env-filter directive.

use std::path::{Path, PathBuf};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Why logging could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The state directory could not be created.
    #[error("cannot create the log directory {path}: {source}")]
    Dir {
        /// The directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// Lines queued for the log writer thread before new ones are dropped.
const LOG_QUEUE_LINES: usize = 4096;

/// The log file in `state_dir`.
pub fn log_file(state_dir: &Path) -> PathBuf {
    state_dir.join("klutch-tui.log")
}

/// Send `tracing` output to the log file. Keep the guard alive until exit (it flushes).
/// If a subscriber is already installed (e.g. by the caller), that one is kept.
pub fn init(state_dir: &Path) -> Result<WorkerGuard, LogError> {
    std::fs::create_dir_all(state_dir).map_err(|source| LogError::Dir {
        path: state_dir.to_path_buf(),
        source,
    })?;
    let appender = tracing_appender::rolling::never(state_dir, "klutch-tui.log");
    // The default queue preallocates 128,000 lines (about 30 MB resident); a few thousand
    // lines are plenty for a writer thread that keeps up, and lossy mode drops lines rather
    // than block the cockpit or the API server when the disk stalls.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .lossy(true)
        .finish(appender);
    let filter = EnvFilter::try_from_env("KLUTCH_TUI_LOG").unwrap_or_else(|_| {
        EnvFilter::new("info,kube_client::client::builder=off,hyper=warn,rustls=warn")
    });
    let _ = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
    Ok(guard)
}
