//! Places on disk (the `directories` crate): config, state (logs, the sandbox's default
//! kubeconfig and info file) and cache.

use std::path::PathBuf;

fn project() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("com", "anynines", "klutch-tui")
}

/// Logs, the sandbox's kubeconfig and info file.
pub fn state_dir() -> PathBuf {
    project()
        .map(|p| {
            p.state_dir()
                .unwrap_or_else(|| p.data_local_dir())
                .to_path_buf()
        })
        .unwrap_or_else(|| std::env::temp_dir().join("klutch-tui"))
}
