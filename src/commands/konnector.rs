//! `klutch-tui konnector`: the konnector sync loop in the foreground for every
//! APIServiceBinding of the App Cluster, until Ctrl-C or SIGTERM. Logs go to the state
//! directory's log file; stderr gets a short human summary (leadership, binding states,
//! errors once each, and what was synced). Also the sandbox's runner for an installed
//! konnector Deployment: the same loop in-process, with the pod's ServiceAccount token.

use crate::cli::{KonnectorArgs, parse_duration};
use crate::cluster::kubeconfig;
use crate::config::Paths;
use crate::services::konnector::{
    BindingState, Direction, Grant, Konnector, KonnectorEvent, KonnectorOptions, LeaderElection,
    Leadership, install,
};
use anyhow::Context;
use futures::future::BoxFuture;
use klutch::bind::names::{KONNECTOR_NAME, LABEL_APP};
use std::collections::HashSet;
use std::process::ExitCode;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

/// Run until Ctrl-C or SIGTERM.
pub fn run(args: KonnectorArgs, kubeconfig: Option<String>) -> anyhow::Result<ExitCode> {
    let paths = Paths::discover();
    let _log = crate::logging::init(&paths.state_dir)?;
    let runtime = super::runtime().context("cannot start the runtime")?;
    runtime.block_on(async {
        let (app, server) = app_client(kubeconfig.as_deref(), args.app_context.as_deref()).await?;
        let options = options(&Settings {
            namespace: args.namespace.clone(),
            heartbeat_interval: args.heartbeat_interval,
            leader_election: !args.no_leader_election,
            identity: args.identity.clone(),
            claimed_role: args.claimed_role.clone(),
            service_account: args.service_account.clone(),
        });
        eprintln!(
            "konnector: App Cluster {server}, bindings in namespace {}; log: {}",
            options.namespace,
            crate::logging::log_file(&paths.state_dir).display()
        );
        let handle = Konnector::start(app, options);
        let summary = tokio::spawn(summarize(handle.subscribe()));
        super::sandbox::wait_for_signal().await;
        eprintln!("konnector: stopping");
        handle.stop().await;
        summary.abort();
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The App Cluster: the kubeconfig's context, or the pod's ServiceAccount inside a cluster.
async fn app_client(
    kubeconfig: Option<&str>,
    context: Option<&str>,
) -> anyhow::Result<(kube::Client, String)> {
    let home_config = directories::BaseDirs::new()
        .map(|b| b.home_dir().join(".kube").join("config"))
        .is_some_and(|p| p.exists());
    if kubeconfig.is_none() && !home_config && std::env::var_os("KUBERNETES_SERVICE_HOST").is_some()
    {
        let config = kube::Config::incluster().context("reading the pod's ServiceAccount")?;
        let server = config.cluster_url.to_string();
        return Ok((kube::Client::try_from(config)?, server));
    }
    let kc = kubeconfig::load(kubeconfig)?;
    let context = kubeconfig::pick_context(&kc, context)?;
    Ok(kubeconfig::client(&kc, &context).await?)
}

/// What the command line or a pod's environment says.
struct Settings {
    namespace: String,
    heartbeat_interval: Duration,
    leader_election: bool,
    identity: Option<String>,
    claimed_role: Option<String>,
    service_account: Option<String>,
}

fn options(s: &Settings) -> KonnectorOptions {
    let leader_election = s.leader_election.then(|| {
        let mut le = LeaderElection::new(&s.namespace);
        if let Some(identity) = &s.identity {
            le.identity = identity.clone();
        }
        le
    });
    let grant = match (&s.claimed_role, &s.service_account) {
        (Some(role), Some(sa)) => Some(Grant {
            cluster_role: role.clone(),
            service_account: (s.namespace.clone(), sa.clone()),
        }),
        _ => None,
    };
    KonnectorOptions {
        namespace: s.namespace.clone(),
        heartbeat_interval: s.heartbeat_interval,
        leader_election,
        grant,
        ..KonnectorOptions::default()
    }
}

/// Print what matters on stderr: leadership, binding states, each error once, and every
/// ten seconds (when something was synced) the counts and the last lag.
async fn summarize(mut events: broadcast::Receiver<KonnectorEvent>) {
    let mut tick = tokio::time::interval(Duration::from_secs(10));
    let (mut up, mut down, mut last_lag, mut dirty) = (0u64, 0u64, Duration::ZERO, false);
    let mut errors: HashSet<String> = HashSet::new();
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if dirty {
                    eprintln!("konnector: synced {up} App→CP, {down} CP→App; last lag {} ms", last_lag.as_millis());
                    dirty = false;
                }
            }
            event = events.recv() => match event {
                Ok(KonnectorEvent::Synced { direction, lag, .. }) => {
                    match direction {
                        Direction::AppToControlPlane => up += 1,
                        Direction::ControlPlaneToApp => down += 1,
                    }
                    (last_lag, dirty) = (lag, true);
                }
                Ok(KonnectorEvent::Binding { binding, state }) => match state {
                    BindingState::Ready => {
                        errors.clear();
                        eprintln!("konnector: {binding}: ready");
                    }
                    BindingState::Starting => eprintln!("konnector: {binding}: starting"),
                    BindingState::Failing { reason, message } => {
                        eprintln!("konnector: {binding}: {reason}: {message}");
                    }
                },
                Ok(KonnectorEvent::Error { reason, message, .. }) => {
                    if errors.insert(format!("{reason}{message}")) {
                        eprintln!("konnector: {reason}: {message}");
                    }
                }
                Ok(KonnectorEvent::Leadership(Leadership::Waiting)) => {
                    eprintln!("konnector: waiting for the lease (another konnector syncs)");
                }
                Ok(KonnectorEvent::Leadership(Leadership::Leader)) => eprintln!("konnector: holds the lease, syncing"),
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(n)) => dirty |= n > 0,
                Err(broadcast::error::RecvError::Closed) => return,
            },
        }
    }
}

/// The sandbox's runner for installed konnector Deployments (label `app: konnector`,
/// arguments `konnector`): the loop in-process with the pod's token and environment.
pub struct InProcessKonnector;

impl sandbox::workloads::WorkloadRunner for InProcessKonnector {
    fn runs(&self, deployment: &serde_json::Value) -> bool {
        deployment["metadata"]["labels"][LABEL_APP] == KONNECTOR_NAME
            && deployment["spec"]["template"]["spec"]["containers"][0]["args"][0] == "konnector"
    }

    fn run(
        &self,
        w: sandbox::workloads::Workload,
        stop: CancellationToken,
    ) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            let client = match pod_client(&w).await {
                Ok(c) => c,
                Err(error) => {
                    tracing::error!(pod = %w.pod_name, %error, "konnector pod: cannot build its client");
                    return;
                }
            };
            let env = |k: &str| w.env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            let settings = Settings {
                namespace: env(install::ENV_POD_NAMESPACE).unwrap_or_else(|| w.namespace.clone()),
                heartbeat_interval: env(install::ENV_HEARTBEAT_INTERVAL)
                    .and_then(|d| parse_duration(&d).ok())
                    .unwrap_or(crate::services::konnector::DEFAULT_HEARTBEAT_INTERVAL),
                leader_election: true,
                identity: env(install::ENV_POD_NAME),
                claimed_role: env(install::ENV_CLAIMED_ROLE),
                service_account: env(install::ENV_SERVICE_ACCOUNT),
            };
            let handle = Konnector::start(client, options(&settings));
            stop.cancelled().await;
            handle.stop().await;
        })
    }
}

/// A client as the pod would have: the server, its CA and the ServiceAccount's token.
async fn pod_client(w: &sandbox::workloads::Workload) -> anyhow::Result<kube::Client> {
    use base64::Engine;
    let ca = base64::engine::general_purpose::STANDARD.encode(w.ca_pem.as_bytes());
    let doc = serde_json::json!({
        "apiVersion": "v1", "kind": "Config", "current-context": "pod",
        "clusters": [{"name": "pod", "cluster": {"server": w.server, "certificate-authority-data": ca}}],
        "users": [{"name": "pod", "user": {"token": w.token}}],
        "contexts": [{"name": "pod", "context": {"cluster": "pod", "user": "pod", "namespace": w.namespace}}],
    });
    let kc = kube::config::Kubeconfig::from_yaml(&doc.to_string())?;
    let config = kube::Config::from_custom_kubeconfig(kc, &Default::default()).await?;
    Ok(kube::Client::try_from(config)?)
}
