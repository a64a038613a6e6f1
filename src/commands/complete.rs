//! Shell completion of object names and namespaces (clap_complete's dynamic completion: the
//! shell calls the binary with `COMPLETE=<shell>` and the words typed so far). The value
//! completers see only the word being completed, so the rest — the command, KIND, `-n`,
//! `--kubeconfig`, the contexts — is read back from those words; the names then come from a
//! metadata-only LIST on the cluster, given two seconds at most.

use super::connect;
use crate::cli::{CockpitArgs, GetKind};
use clap::ValueEnum;
use clap_complete::engine::CompletionCandidate;
use kube::api::{Api, ListParams};
use std::ffi::OsStr;
use std::time::Duration;

/// How long a completion may take before the shell gets nothing.
const BUDGET: Duration = Duration::from_secs(2);

/// The words of the command line being completed (after the binary's name).
fn words() -> Vec<String> {
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    match args.iter().position(|a| a == "--") {
        Some(i) => args.into_iter().skip(i + 2).collect(),
        None => Vec::new(),
    }
}

/// The value of `--flag X`, `--flag=X` (or `-s X`).
fn flag(words: &[String], long: &str, short: Option<&str>) -> Option<String> {
    let prefix = format!("{long}=");
    words.iter().enumerate().find_map(|(i, w)| {
        if w == long || short.is_some_and(|s| s == w) {
            words.get(i + 1).cloned()
        } else {
            w.strip_prefix(&prefix).map(str::to_string)
        }
    })
}

/// What the words ask to complete names of.
fn kind_of(words: &[String]) -> Option<GetKind> {
    const COMMANDS: [&str; 4] = ["get", "backup", "restore", "credentials"];
    let command = words.iter().position(|w| COMMANDS.contains(&w.as_str()))?;
    match words[command].as_str() {
        "get" => words[command + 1..]
            .iter()
            .find_map(|w| GetKind::from_str(w, false).ok()),
        "backup" => Some(GetKind::Instances),
        "restore" => Some(GetKind::Backups),
        "credentials" => Some(GetKind::Servicebindings),
        _ => None,
    }
}

fn cockpit_args(words: &[String]) -> CockpitArgs {
    CockpitArgs {
        kubeconfig: flag(words, "--kubeconfig", None).or_else(|| std::env::var("KUBECONFIG").ok()),
        app_context: flag(words, "--app-context", None),
        cp_context: flag(words, "--cp-context", None),
        ..CockpitArgs::default()
    }
}

fn candidates(names: Vec<String>, current: &OsStr) -> Vec<CompletionCandidate> {
    let current = current.to_string_lossy();
    let mut names: Vec<String> = names
        .into_iter()
        .filter(|n| n.starts_with(current.as_ref()))
        .collect();
    names.sort();
    names.dedup();
    names.into_iter().map(CompletionCandidate::new).collect()
}

/// Block on `work` for at most [`BUDGET`]; nothing on any failure (completion stays quiet).
fn quietly(work: impl Future<Output = anyhow::Result<Vec<String>>>) -> Vec<String> {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return Vec::new();
    };
    runtime
        .block_on(async { tokio::time::timeout(BUDGET, work).await })
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default()
}

/// Names of the objects the command line is about (KIND of `get`, instances for `backup`,
/// backups for `restore`, service bindings for `credentials`).
pub fn object_names(current: &OsStr) -> Vec<CompletionCandidate> {
    let words = words();
    let Some(kind) = kind_of(&words) else {
        return Vec::new();
    };
    let args = cockpit_args(&words);
    let namespace = flag(&words, "--namespace", Some("-n"));
    let all = words.iter().any(|w| w == "-A" || w == "--all-namespaces");
    let names = quietly(async move {
        let clusters = connect::clusters(&args).await?;
        let namespace = (!all).then(|| clusters.namespace(namespace.as_deref()));
        let mut names = Vec::new();
        for listed in super::get::resolve(kind, &clusters).await? {
            let api: Api<kube::api::DynamicObject> = match (&namespace, listed.namespaced) {
                (Some(ns), true) => {
                    Api::namespaced_with(listed.client.clone(), ns, &listed.resource)
                }
                _ => Api::all_with(listed.client.clone(), &listed.resource),
            };
            let list = api.list_metadata(&ListParams::default()).await?;
            names.extend(list.items.into_iter().filter_map(|o| o.metadata.name));
        }
        Ok(names)
    });
    candidates(names, current)
}

/// Namespaces of the App Cluster.
pub fn namespaces(current: &OsStr) -> Vec<CompletionCandidate> {
    let args = cockpit_args(&words());
    let names = quietly(async move {
        let clusters = connect::clusters(&args).await?;
        let api: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(clusters.app);
        let list = api.list_metadata(&ListParams::default()).await?;
        Ok(list
            .items
            .into_iter()
            .filter_map(|o| o.metadata.name)
            .collect())
    });
    candidates(names, current)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn the_command_line_says_what_to_complete() {
        assert_eq!(kind_of(&w("get claims or")), Some(GetKind::Claims));
        assert_eq!(
            kind_of(&w("--app-context x get -n ns backups")),
            Some(GetKind::Backups)
        );
        assert_eq!(kind_of(&w("backup db")), Some(GetKind::Instances));
        assert_eq!(kind_of(&w("credentials")), Some(GetKind::Servicebindings));
        assert_eq!(kind_of(&w("apply -f")), None);
        let words = w("get claims -n team-a --app-context=ctx --kubeconfig /k x");
        assert_eq!(
            flag(&words, "--namespace", Some("-n")).as_deref(),
            Some("team-a")
        );
        assert_eq!(flag(&words, "--app-context", None).as_deref(), Some("ctx"));
        assert_eq!(cockpit_args(&words).kubeconfig.as_deref(), Some("/k"));
        let c = candidates(
            vec!["orders".into(), "other".into(), "billing".into()],
            OsStr::new("o"),
        );
        assert_eq!(c.len(), 2);
    }
}
