//! The heartbeat on the Control Plane's ClusterBinding, written as upstream writes it: a JSON
//! merge patch on `clusterbindings/status` carrying the object's uid and resourceVersion as
//! preconditions, with `heartbeatInterval`, `lastHeartbeatTime` and `konnectorVersion`, every
//! half interval (upstream: a 5 minute interval, beats every 2.5 minutes). The backend calls
//! the binding unhealthy after two intervals without one. A timer is right here: the
//! heartbeat is about time itself.

use super::error::{SyncError, is_conflict, kube_err};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use klutch::bind::ClusterBinding;
use klutch::bind::names::CLUSTER_BINDING_NAME;
use kube::Client;
use kube::api::{Api, Patch, PatchParams};
use serde_json::json;
use std::time::{Duration, SystemTime};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// Upstream's interval.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(300);

/// How the heartbeat stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Beat {
    /// None written yet.
    Pending,
    /// The last one reached the Control Plane at this time.
    Beating(SystemTime),
    /// The last one failed.
    Failing {
        /// CamelCase reason.
        reason: &'static str,
        /// What failed.
        message: String,
    },
}

/// A Go duration string, as `heartbeatInterval` carries it (`5m0s`, `2s`, `1h0m0s`, `500ms`).
pub fn go_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let secs = d.as_secs();
    let frac = d.subsec_millis();
    let s = if frac == 0 {
        format!("{}s", secs % 60)
    } else {
        let digits = format!("{frac:03}");
        format!("{}.{}s", secs % 60, digits.trim_end_matches('0'))
    };
    match (secs / 3600, secs / 60 % 60) {
        (0, 0) => s,
        (0, m) => format!("{m}m{s}"),
        (h, m) => format!("{h}h{m}m{s}"),
    }
}

/// Beat until `stop`, publishing each outcome.
pub async fn run(
    cp: Client,
    cluster_ns: String,
    interval: Duration,
    version: String,
    out: watch::Sender<Beat>,
    stop: CancellationToken,
) {
    let api: Api<ClusterBinding> = Api::namespaced(cp, &cluster_ns);
    let period = (interval / 2).max(Duration::from_millis(100));
    loop {
        let beat = match beat(&api, &cluster_ns, interval, &version).await {
            Ok(at) => Beat::Beating(at),
            Err(e) => {
                tracing::warn!(error = %e, namespace = %cluster_ns, "konnector: heartbeat failed");
                Beat::Failing {
                    reason: "ClusterBindingUpdateFailed",
                    message: e.to_string(),
                }
            }
        };
        let failed = !matches!(beat, Beat::Beating(_));
        out.send_replace(beat);
        // After a failure try again sooner than a whole period.
        let wait = if failed {
            period.min(Duration::from_secs(2))
        } else {
            period
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = stop.cancelled() => return,
        }
    }
}

async fn beat(
    api: &Api<ClusterBinding>,
    ns: &str,
    interval: Duration,
    version: &str,
) -> Result<SystemTime, SyncError> {
    let mut attempts = 0;
    loop {
        let current = api
            .get(CLUSTER_BINDING_NAME)
            .await
            .map_err(kube_err(format!(
                "reading ClusterBinding {ns}/{CLUSTER_BINDING_NAME} on the Control Plane"
            )))?;
        let now = SystemTime::now();
        let stamp = Time(jiff::Timestamp::try_from(now).unwrap_or(jiff::Timestamp::UNIX_EPOCH));
        let patch = json!({
            "metadata": {"uid": current.metadata.uid, "resourceVersion": current.metadata.resource_version},
            "status": {
                "heartbeatInterval": go_duration(interval),
                "lastHeartbeatTime": stamp,
                "konnectorVersion": version,
            },
        });
        match api
            .patch_status(
                CLUSTER_BINDING_NAME,
                &PatchParams::default(),
                &Patch::Merge(&patch),
            )
            .await
        {
            Ok(_) => return Ok(now),
            Err(e) if is_conflict(&e) && attempts < 3 => attempts += 1,
            Err(e) => {
                return Err(kube_err(format!(
                    "writing the heartbeat to ClusterBinding {ns}/{CLUSTER_BINDING_NAME}"
                ))(e));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(go_duration(Duration::from_secs(300)), "5m0s");
        assert_eq!(go_duration(Duration::from_secs(2)), "2s");
        assert_eq!(go_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(go_duration(Duration::from_secs(3600)), "1h0m0s");
        assert_eq!(go_duration(Duration::from_millis(500)), "500ms");
        assert_eq!(go_duration(Duration::from_millis(1500)), "1.5s");
        for d in ["5m0s", "2s", "1m30s", "1h0m0s", "500ms", "1.5s"] {
            assert!(d.parse::<jiff::SignedDuration>().is_ok(), "{d}");
        }
    }
}
