//! `klutch-tui whoami` (and `bind --status`): who is logged in at which issuer and until
//! when, from the token cache; never the tokens themselves.

use std::io::Write;
use std::process::ExitCode;
use std::time::SystemTime;

use crate::config::Paths;
use crate::services::bind::auth::cache::TokenCache;
use crate::services::bind::auth::until;

/// Print the cached logins on stdout.
pub fn run() -> anyhow::Result<ExitCode> {
    let paths = Paths::discover();
    let cache = TokenCache::new(&paths.cache_dir);
    let entries = cache.entries()?;
    if entries.is_empty() {
        eprintln!("Not logged in anywhere (klutch-tui bind logs in).");
        return Ok(ExitCode::SUCCESS);
    }
    let now = SystemTime::now();
    let mut out = std::io::stdout().lock();
    for e in entries {
        let expires = jiff::Timestamp::try_from(e.expires())
            .map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_default();
        let refresh = if e.refresh_token.is_some() {
            "; a refresh token is kept"
        } else {
            ""
        };
        writeln!(
            out,
            "{} at {} (client {}): ID token {} ({expires}){refresh}",
            e.user,
            e.issuer,
            e.client_id,
            until(e.expires(), now)
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
