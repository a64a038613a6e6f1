//! `klutch-tui credentials SERVICEBINDING`: the binding's connection details on stdout, as
//! `KEY='value'` lines a shell can `eval` (keys upper-cased, other characters `_`) or as one
//! JSON object with the Secret's own keys. Printed only here, never logged.

use super::connect;
use crate::cli::{CockpitArgs, CredentialsArgs, CredentialsOutput};
use std::io::Write;
use std::process::ExitCode;

/// Run `credentials`.
pub fn run(cockpit: CockpitArgs, args: CredentialsArgs) -> anyhow::Result<ExitCode> {
    connect::run(async move {
        let clusters = connect::clusters(&cockpit).await?;
        let namespace = clusters.namespace(args.namespace.as_deref());
        let creds = clusters
            .claims()
            .credentials(&namespace, &args.binding)
            .await?;
        let text = match args.output {
            CredentialsOutput::Json => {
                let mut s = serde_json::to_string_pretty(creds.values())?;
                s.push('\n');
                s
            }
            CredentialsOutput::Env => creds
                .values()
                .iter()
                .map(|(k, v)| format!("{}={}\n", env_name(k), shell_quote(v)))
                .collect(),
        };
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()?;
        Ok(ExitCode::SUCCESS)
    })
}

/// `valkey.password` → `VALKEY_PASSWORD`.
fn env_name(key: &str) -> String {
    let mut name: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

/// A value in single quotes, safe for `eval`.
fn shell_quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_lines_are_safe_to_eval() {
        assert_eq!(env_name("valkey.password"), "VALKEY_PASSWORD");
        assert_eq!(env_name("protocols.amqp_ssl.uri"), "PROTOCOLS_AMQP_SSL_URI");
        assert_eq!(env_name("1x"), "_1X");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
