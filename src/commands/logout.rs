//! `klutch-tui logout`: forget every cached login.

use std::process::ExitCode;

use crate::config::Paths;
use crate::services::bind::auth::cache::TokenCache;

/// Clear the token cache.
pub fn run() -> anyhow::Result<ExitCode> {
    let cache = TokenCache::new(&Paths::discover().cache_dir);
    let n = cache.clear()?;
    if n == 0 {
        eprintln!("No cached login to forget.");
    } else {
        eprintln!(
            "Logged out: forgot {n} cached login(s) ({}).",
            cache.path().display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
