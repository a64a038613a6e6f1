//! Kubeconfig files → kube clients. Several files (`--kubeconfig a:b` or KUBECONFIG) are
//! merged as kubectl merges them: the first file to set a value wins, missing files in a
//! list are skipped, a single missing file is an error.

use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};
use kube::{Client, Config};
use std::path::{Path, PathBuf};

/// Why a cluster could not be set up from the kubeconfig.
#[derive(Debug, thiserror::Error)]
pub enum KubeconfigFailure {
    /// A kubeconfig file could not be read or parsed.
    #[error("cannot read kubeconfig {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: KubeconfigError,
    },
    /// None of the listed files exists.
    #[error(
        "no kubeconfig found (looked at {0}); pass --kubeconfig PATH, or try the embedded sandbox: klutch-tui --sandbox"
    )]
    Missing(String),
    /// Merging two files failed.
    #[error("cannot merge kubeconfig files: {0}")]
    Merge(#[source] KubeconfigError),
    /// No context was named and the kubeconfig has no current-context.
    #[error("the kubeconfig has no current-context; pass --app-context")]
    NoCurrentContext,
    /// The named context does not exist.
    #[error("context {context:?} is not in the kubeconfig (known: {known})")]
    UnknownContext {
        /// The context asked for.
        context: String,
        /// The contexts there are.
        known: String,
    },
    /// The App Cluster and the Control Plane would be the same context.
    #[error(
        "--cp-context {0:?} is also the App Cluster's context: every claim would show twice; name the Control Plane's own context, or leave --cp-context out"
    )]
    SameContext(String),
    /// The context exists but does not make a client configuration.
    #[error("context {context:?} is not usable: {source}")]
    Config {
        /// The context.
        context: String,
        /// The cause.
        #[source]
        source: KubeconfigError,
    },
    /// The client could not be built (e.g. TLS setup).
    #[error("cannot create a client for context {context:?}: {source}")]
    Client {
        /// The context.
        context: String,
        /// The cause.
        #[source]
        source: kube::Error,
    },
}

/// Read and merge the kubeconfig file(s) in `paths` (joined as in KUBECONFIG), or
/// `~/.kube/config` when `None`.
pub fn load(paths: Option<&str>) -> Result<Kubeconfig, KubeconfigFailure> {
    let list: Vec<PathBuf> = match paths {
        Some(p) => std::env::split_paths(p)
            .filter(|p| !p.as_os_str().is_empty())
            .collect(),
        None => directories::BaseDirs::new()
            .map(|b| vec![b.home_dir().join(".kube").join("config")])
            .unwrap_or_default(),
    };
    let single = list.len() == 1;
    let mut merged: Option<Kubeconfig> = None;
    for path in &list {
        if !path.exists() {
            if single {
                return Err(KubeconfigFailure::Missing(path.display().to_string()));
            }
            continue;
        }
        let next = read_one(path)?;
        merged = Some(match merged {
            None => next,
            Some(m) => m.merge(next).map_err(KubeconfigFailure::Merge)?,
        });
    }
    merged.ok_or_else(|| {
        let shown: Vec<String> = list.iter().map(|p| p.display().to_string()).collect();
        KubeconfigFailure::Missing(shown.join(", "))
    })
}

fn read_one(path: &Path) -> Result<Kubeconfig, KubeconfigFailure> {
    Kubeconfig::read_from(path).map_err(|source| KubeconfigFailure::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// The context to use: the one named, else the kubeconfig's current-context.
pub fn pick_context(
    kubeconfig: &Kubeconfig,
    named: Option<&str>,
) -> Result<String, KubeconfigFailure> {
    let context = match named {
        Some(c) => c.to_string(),
        None => kubeconfig
            .current_context
            .clone()
            .filter(|c| !c.is_empty())
            .ok_or(KubeconfigFailure::NoCurrentContext)?,
    };
    if kubeconfig.contexts.iter().any(|c| c.name == context) {
        Ok(context)
    } else {
        let known: Vec<&str> = kubeconfig
            .contexts
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        Err(KubeconfigFailure::UnknownContext {
            context,
            known: known.join(", "),
        })
    }
}

/// A client for `context`, and the server URL it talks to.
pub async fn client(
    kubeconfig: &Kubeconfig,
    context: &str,
) -> Result<(Client, String), KubeconfigFailure> {
    let options = KubeConfigOptions {
        context: Some(context.to_string()),
        ..KubeConfigOptions::default()
    };
    let config = Config::from_custom_kubeconfig(kubeconfig.clone(), &options)
        .await
        .map_err(|source| KubeconfigFailure::Config {
            context: context.to_string(),
            source,
        })?;
    let server = config.cluster_url.to_string();
    let client = Client::try_from(config).map_err(|source| KubeconfigFailure::Client {
        context: context.to_string(),
        source,
    })?;
    Ok((client, server.trim_end_matches('/').to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(dir: &Path, name: &str, current: &str, contexts: &[(&str, &str)]) -> PathBuf {
        let mut s =
            format!("apiVersion: v1\nkind: Config\ncurrent-context: {current}\nclusters:\n");
        for (ctx, server) in contexts {
            s += &format!("- name: {ctx}\n  cluster:\n    server: {server}\n");
        }
        s += "contexts:\n";
        for (ctx, _) in contexts {
            s += &format!("- name: {ctx}\n  context:\n    cluster: {ctx}\n    user: {ctx}\n");
        }
        s += "users:\n";
        for (ctx, _) in contexts {
            s += &format!("- name: {ctx}\n  user:\n    token: t-{ctx}\n");
        }
        let path = dir.join(name);
        std::fs::write(&path, s).unwrap();
        path
    }

    #[test]
    fn several_files_merge_first_wins_and_missing_ones_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let a = file(dir.path(), "a", "one", &[("one", "https://a:1")]);
        let b = file(
            dir.path(),
            "b",
            "two",
            &[("two", "https://b:2"), ("one", "https://b:1")],
        );
        let missing = dir.path().join("nope");
        let joined = std::env::join_paths([&a, &missing, &b]).unwrap();
        let kc = load(Some(joined.to_str().unwrap())).unwrap();
        assert_eq!(kc.current_context.as_deref(), Some("one"));
        assert_eq!(pick_context(&kc, None).unwrap(), "one");
        assert_eq!(pick_context(&kc, Some("two")).unwrap(), "two");
        let one = kc.clusters.iter().find(|c| c.name == "one").unwrap();
        let server = one.cluster.as_ref().unwrap().server.as_deref();
        assert_eq!(server, Some("https://a:1"));
        let err = pick_context(&kc, Some("three")).unwrap_err().to_string();
        assert!(
            err.contains("\"three\"") && err.contains("one, two"),
            "{err}"
        );
    }

    #[test]
    fn a_single_missing_file_is_an_error_naming_it() {
        let err = load(Some("/nonexistent/kubeconfig"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("/nonexistent/kubeconfig"), "{err}");
        assert!(err.contains("klutch-tui --sandbox"), "{err}");
        assert_eq!(err.matches("/nonexistent/kubeconfig").count(), 1, "{err}");
    }

    #[tokio::test]
    async fn a_client_reports_its_server() {
        let dir = tempfile::tempdir().unwrap();
        let a = file(dir.path(), "a", "one", &[("one", "https://127.0.0.1:6443")]);
        let kc = load(a.to_str()).unwrap();
        let (_client, server) = client(&kc, "one").await.unwrap();
        assert_eq!(server, "https://127.0.0.1:6443");
    }
}
