//! The links of one claim's chain, each checked against the clusters themselves rather than
//! against what the konnector last wrote: the binding's conditions are only trusted for what
//! no later link looks at, the Secret is read and its kubeconfig used, the heartbeat judged
//! from `lastHeartbeatTime` and `heartbeatInterval`. The Control Plane is read with the
//! binding's kubeconfig, through the same functions the konnector connects with.

use super::{Link, Report, Step, Why};
use crate::services::claims::credentials::secret_name;
use crate::services::claims::pairing::Pair;
use crate::services::claims::{Claims, ClaimsError};
use crate::services::konnector;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use klutch::bind::names::{CLUSTER_BINDING_NAME, KONNECTOR_NAME, KONNECTOR_NAMESPACE};
use klutch::bind::{APIServiceBinding, APIServiceNamespace, ClusterBinding, condition_types};
use klutch::claims::ClaimKind;
use klutch::claims::pairing::Sync;
use klutch::heartbeat::Heartbeat;
use klutch::objects::ObjectClass;
use klutch::status::{self, Facts, StatusKind};
use kube::Client;
use kube::api::Api;
use serde_json::Value;

/// A duration as a person reads it (`4s`, `2m 10s`).
pub(super) fn ago(d: jiff::SignedDuration) -> String {
    format!("{:#}", jiff::SignedDuration::from_secs(d.as_secs()))
}

/// How to start or repair the konnector, for the fix of a link that needs it.
fn konnector_fix(installed: bool) -> String {
    if installed {
        format!(
            "the installed konnector is not working: kubectl -n {KONNECTOR_NAMESPACE} logs deploy/{KONNECTOR_NAME}; \
             restart it with kubectl -n {KONNECTOR_NAMESPACE} rollout restart deploy/{KONNECTOR_NAME}"
        )
    } else {
        "start the konnector: klutch-tui konnector (or K in the cockpit), or install it with klutch-tui bind URL --konnector install".into()
    }
}

/// Whether a konnector is installed in the App Cluster (its Deployment in `klutch-bind`).
async fn installed(app: &Client) -> bool {
    Api::<Deployment>::namespaced(app.clone(), KONNECTOR_NAMESPACE)
        .get_opt(KONNECTOR_NAME)
        .await
        .ok()
        .flatten()
        .is_some()
}

/// The binding's name for a claim kind: `<plural>.anynines.com`.
pub(super) fn binding_name(kind: ClaimKind) -> String {
    format!("{}.{}", kind.plural(), klutch::claims::GROUP)
}

/// Walk the chain of one claim into `report`, stopping at the first link that does not hold.
pub(super) async fn walk(why: &Why, kind: ClaimKind, ns: &str, name: &str, report: &mut Report) {
    let Some(app) = claim(why, kind, ns, name, report).await else {
        return;
    };
    if !report.push(crd(&why.app, kind).await) {
        return;
    }
    let Some(binding) = binding(&why.app, &binding_name(kind), kind.plural(), report).await else {
        return;
    };
    let Some((cp, cluster_ns)) = control_plane(why, &binding, report).await else {
        return;
    };
    if !report.push(heartbeat(why, &cp, &cluster_ns).await) {
        return;
    }
    let pair = Claims::new(why.app.clone(), Some(cp.clone()))
        .pair(kind, ns, name)
        .await;
    let pair = match pair {
        Ok(p) => p,
        Err(e) => {
            report.push(Link::broken(
                Step::Mapping,
                e.to_string(),
                "check the binding (klutch-tui get bindings) and bind again if it is gone",
            ));
            return;
        }
    };
    let Some(cp_ns) = mapping(&cp, &pair, report).await else {
        return;
    };
    let Some(copy) = copy(why, &pair, &cp_ns, report).await else {
        return;
    };
    if !report.push(provider(kind, ns, name, &copy)) {
        return;
    }
    if !report.push(status_back(why, &app, &copy).await) {
        return;
    }
    if kind == ClaimKind::ServiceBinding {
        report.push(credentials(&why.app, &cp, &app, ns, &cp_ns, name).await);
    }
}

async fn claim(
    why: &Why,
    kind: ClaimKind,
    ns: &str,
    name: &str,
    report: &mut Report,
) -> Option<Value> {
    let link = match why.claims.get(kind, ns, name).await {
        Ok(obj) => {
            let resource = why.claims.resource(kind).await.ok()?;
            let json = crate::services::claims::to_json(&obj, &resource);
            let created = obj
                .metadata
                .creation_timestamp
                .as_ref()
                .map(|t| ago((why.now)().duration_since(t.0)))
                .unwrap_or_else(|| "-".into());
            if obj.metadata.deletion_timestamp.is_some() {
                Link::waiting(
                    Step::Claim,
                    format!("{} {ns}/{name} is being deleted", kind.kind()),
                    "the konnector removes its finalizer once the Control Plane copy is gone; if it stays, the konnector is not running",
                )
            } else {
                report.push(Link::ok(
                    Step::Claim,
                    format!("{} {ns}/{name} exists (created {created} ago)", kind.kind()),
                ));
                return Some(json);
            }
        }
        Err(e @ ClaimsError::NotBound(_)) => Link::broken(
            Step::Claim,
            e.to_string(),
            format!(
                "bind the kind: klutch-tui bind URL --export {}",
                kind.plural()
            ),
        ),
        Err(e @ ClaimsError::NotFound { .. }) => Link::broken(
            Step::Claim,
            e.to_string(),
            format!("check the name: klutch-tui get claims -n {ns}"),
        ),
        Err(e) => Link::broken(
            Step::Claim,
            e.to_string(),
            "check the connection to the App Cluster: klutch-tui doctor",
        ),
    };
    report.push(link);
    None
}

async fn crd(app: &Client, kind: ClaimKind) -> Link {
    let name = binding_name(kind);
    let fix = format!(
        "the konnector makes it from the APIServiceExport; bind again: klutch-tui bind URL --export {}",
        kind.plural()
    );
    let crd = match Api::<CustomResourceDefinition>::all(app.clone())
        .get_opt(&name)
        .await
    {
        Ok(Some(crd)) => crd,
        Ok(None) => return Link::broken(Step::Crd, format!("no CRD {name}"), fix),
        Err(e) => return Link::broken(Step::Crd, format!("reading CRD {name}: {e}"), fix),
    };
    let conds = crd.status.and_then(|s| s.conditions).unwrap_or_default();
    let established = conds
        .iter()
        .find(|c| c.type_ == "Established")
        .is_some_and(|c| c.status == "True");
    let versions: Vec<&str> = crd
        .spec
        .versions
        .iter()
        .filter(|v| v.served)
        .map(|v| v.name.as_str())
        .collect();
    if established {
        Link::ok(
            Step::Crd,
            format!("CRD {name} is Established (serves {})", versions.join(", ")),
        )
    } else {
        Link::waiting(Step::Crd, format!("CRD {name} is not Established yet"), fix)
    }
}

/// The binding link of the binding `name` (of the resource `plural`).
pub(super) async fn binding(
    app: &Client,
    name: &str,
    plural: &str,
    report: &mut Report,
) -> Option<APIServiceBinding> {
    let fix = format!("bind the kind: klutch-tui bind URL --export {plural}");
    let found = Api::<APIServiceBinding>::namespaced(app.clone(), KONNECTOR_NAMESPACE)
        .get_opt(name)
        .await;
    let binding = match found {
        Ok(found) => found,
        Err(kube::Error::Api(s)) if s.code == 404 => None,
        Err(e) => {
            report.push(Link::broken(
                Step::Binding,
                format!("reading APIServiceBinding {KONNECTOR_NAMESPACE}/{name}: {e}"),
                "check what you may read: klutch-tui doctor",
            ));
            return None;
        }
    };
    let Some(binding) = binding else {
        report.push(Link::broken(
            Step::Binding,
            format!("no APIServiceBinding {KONNECTOR_NAMESPACE}/{name}"),
            fix,
        ));
        return None;
    };
    let conds = binding
        .status
        .as_ref()
        .and_then(|s| s.conditions.clone())
        .unwrap_or_default();
    // The Secret, the connection and the heartbeat are checked directly below.
    let checked_below = [
        condition_types::READY,
        condition_types::SECRET_VALID,
        condition_types::CONNECTED,
        condition_types::HEARTBEATING,
    ];
    let failing = conds.iter().find(|c| {
        !c.is_true()
            && c.severity == Some(klutch::bind::ConditionSeverity::Error)
            && !checked_below.contains(&c.type_.as_str())
    });
    let said = |c: &klutch::bind::Condition| {
        format!(
            "{}=False ({}): {}",
            c.type_,
            c.reason.as_deref().unwrap_or("-"),
            c.message.as_deref().unwrap_or("-")
        )
    };
    if let Some(c) = failing {
        report.push(Link::broken(
            Step::Binding,
            format!(
                "APIServiceBinding {KONNECTOR_NAMESPACE}/{name}: {}",
                said(c)
            ),
            "do what the message says; the konnector tries again by itself",
        ));
        return None;
    }
    let ready = klutch::bind::condition(&conds, condition_types::READY);
    let state = match ready {
        Some(c) if c.is_true() => "Ready".to_string(),
        Some(c) => format!("{} (checked below)", said(c)),
        None => "no conditions yet (no konnector has looked at it)".to_string(),
    };
    let secret = &binding.spec.kubeconfig_secret_ref;
    report.push(Link::ok(
        Step::Binding,
        format!(
            "APIServiceBinding {KONNECTOR_NAMESPACE}/{name}: {state}; kubeconfig in Secret {}/{}",
            secret.namespace, secret.name
        ),
    ));
    Some(binding)
}

/// The Secret link: the binding's kubeconfig, a client for it, and the cluster namespace it
/// may read — the konnector's first steps.
pub(super) async fn control_plane(
    why: &Why,
    binding: &APIServiceBinding,
    report: &mut Report,
) -> Option<(Client, String)> {
    let r = &binding.spec.kubeconfig_secret_ref;
    let rebind =
        "rerun klutch-tui bind URL (the same backend and exports): it writes the Secret again";
    let secret = konnector::read_secret(&why.app, binding).await;
    let kubeconfig = match secret.and_then(|s| konnector::kubeconfig_in(binding, s.as_ref())) {
        Ok(k) => k,
        Err((reason, message)) => {
            report.push(Link::broken(
                Step::Secret,
                format!("{message} ({reason})"),
                rebind,
            ));
            return None;
        }
    };
    let (cp, cluster_ns) = match why.binder(&kubeconfig).await {
        Ok(c) => c,
        Err(message) => {
            let fact = format!("Secret {}/{}: {message}", r.namespace, r.name);
            report.push(Link::broken(Step::Secret, fact, rebind));
            return None;
        }
    };
    if let Err((reason, message)) = konnector::reach(&cp, &cluster_ns).await {
        let fix = match reason {
            "ControlPlaneUnreachable" => {
                "check that this machine (and the konnector) can reach the Control Plane's API server"
            }
            _ => rebind,
        };
        report.push(Link::broken(
            Step::Secret,
            format!("{message} ({reason})"),
            fix,
        ));
        return None;
    }
    report.push(Link::ok(
        Step::Secret,
        format!(
            "Secret {}/{}: its kubeconfig reaches the Control Plane, cluster namespace {cluster_ns}",
            r.namespace, r.name
        ),
    ));
    Some((cp, cluster_ns))
}

/// The konnector link: its heartbeat on the ClusterBinding, judged from the time it wrote and
/// the interval it promised.
pub(super) async fn heartbeat(why: &Why, cp: &Client, cluster_ns: &str) -> Link {
    let cb = Api::<ClusterBinding>::namespaced(cp.clone(), cluster_ns)
        .get_opt(CLUSTER_BINDING_NAME)
        .await;
    let cb = match cb {
        Ok(Some(cb)) => cb,
        Ok(None) => {
            return Link::broken(
                Step::Konnector,
                format!(
                    "no ClusterBinding {cluster_ns}/{CLUSTER_BINDING_NAME} on the Control Plane"
                ),
                "the backend makes it when binding; bind again: klutch-tui bind URL",
            );
        }
        Err(e) => {
            return Link::broken(
                Step::Konnector,
                format!("reading ClusterBinding {cluster_ns}/{CLUSTER_BINDING_NAME}: {e}"),
                "the binder may read its ClusterBinding; bind again: klutch-tui bind URL",
            );
        }
    };
    let json = serde_json::to_value(&cb).unwrap_or_default();
    let Facts::ClusterBinding {
        last_heartbeat,
        heartbeat_interval,
        konnector_version,
        ..
    } = Facts::read(ObjectClass::ClusterBinding, CLUSTER_BINDING_NAME, &json)
    else {
        return Link::broken(Step::Konnector, "unreadable ClusterBinding", "bind again");
    };
    let beat = Heartbeat::judge(&last_heartbeat, &heartbeat_interval, (why.now)());
    match beat {
        Heartbeat::Alive { age, interval } => Link::ok(
            Step::Konnector,
            format!(
                "konnector {konnector_version}: last heartbeat {} ago (due every {})",
                ago(age),
                ago(interval)
            ),
        ),
        Heartbeat::IntervalMissing { age } => Link::ok(
            Step::Konnector,
            format!(
                "konnector {konnector_version}: last heartbeat {} ago (no interval given to judge it by)",
                ago(age)
            ),
        ),
        Heartbeat::Late { age, interval } => Link::broken(
            Step::Konnector,
            format!(
                "the konnector's last heartbeat was {} ago, more than two intervals of {}: it stopped or cannot reach the Control Plane",
                ago(age),
                ago(interval)
            ),
            konnector_fix(installed(&why.app).await),
        ),
        Heartbeat::Pending => Link::broken(
            Step::Konnector,
            format!(
                "no heartbeat on ClusterBinding {cluster_ns}/{CLUSTER_BINDING_NAME}: no konnector has reached the Control Plane"
            ),
            konnector_fix(installed(&why.app).await),
        ),
    }
}

async fn mapping(cp: &Client, pair: &Pair, report: &mut Report) -> Option<String> {
    let (ns, cluster_ns) = (&pair.namespace, &pair.cluster_namespace);
    if let Some(cp_ns) = &pair.cp_namespace {
        report.push(Link::ok(
            Step::Mapping,
            format!("APIServiceNamespace {ns} in {cluster_ns} maps it to {cp_ns}"),
        ));
        return Some(cp_ns.clone());
    }
    let exists = Api::<APIServiceNamespace>::namespaced(cp.clone(), cluster_ns)
        .get_opt(ns)
        .await
        .ok()
        .flatten()
        .is_some();
    report.push(if exists {
        Link::broken(
            Step::Mapping,
            format!("APIServiceNamespace {ns} in {cluster_ns} has no namespace yet (status.namespace)"),
            "the klutch-bind backend on the Control Plane sets it; ask the Control Plane's operator",
        )
    } else {
        Link::broken(
            Step::Mapping,
            format!("no APIServiceNamespace {ns} in {cluster_ns} on the Control Plane"),
            "the konnector makes it for the first claim of a namespace; it is not syncing this binding — see its log",
        )
    });
    None
}

async fn copy(why: &Why, pair: &Pair, cp_ns: &str, report: &mut Report) -> Option<Value> {
    let what = format!("{} {cp_ns}/{}", pair.kind.kind(), pair.name);
    if let (Some(c), Sync::InSync { lag }) = (&pair.cp, pair.sync)
        && c.pointer("/metadata/deletionTimestamp").is_none()
    {
        let lag = lag.map_or(String::new(), |l| {
            format!(", copied {} after the App's change", ago(l))
        });
        report.push(Link::ok(
            Step::Copy,
            format!("{what} exists, spec in sync{lag}"),
        ));
        return Some(c.clone());
    }
    let fix = konnector_fix(installed(&why.app).await);
    let link = match (&pair.cp, pair.sync) {
        (None, _) | (_, Sync::Missing) => Link::broken(
            Step::Copy,
            format!("no copy on the Control Plane: {what} does not exist"),
            format!("the konnector copies the claim up and is not doing so; {fix}"),
        ),
        (Some(c), _) if c.pointer("/metadata/deletionTimestamp").is_some() => Link::broken(
            Step::Copy,
            format!("{what} is being deleted on the Control Plane, the App claim is not"),
            "once it is gone the konnector copies the claim up again; if it stays, ask the Control Plane's operator",
        ),
        (Some(_), Sync::Pending { since }) => Link::waiting(
            Step::Copy,
            format!(
                "{what} has not got the App's spec yet (changed {} ago)",
                since.map_or("-".into(), |t| ago((why.now)().duration_since(t)))
            ),
            format!("wait a moment; if it stays, {fix}"),
        ),
        (Some(_), Sync::InSync { .. }) => return None,
    };
    report.push(link);
    None
}

fn provider(kind: ClaimKind, ns: &str, name: &str, copy: &Value) -> Link {
    let conds = status::conditions(copy);
    let st = status::status(copy, &conds, false);
    let said = match &st.message {
        Some(m) => format!("{}: {m}", st.text),
        None => st.text.clone(),
    };
    let watch = format!("klutch-tui get {} {name} -n {ns} --watch", kind.plural());
    match st.kind {
        StatusKind::Ready => Link::ok(Step::Provider, format!("the provider says {said}")),
        StatusKind::Failed => Link::broken(
            Step::Provider,
            format!("the provider failed: {said}"),
            format!(
                "a change of the claim's spec makes the provider try again (e in the cockpit, or klutch-tui apply); \
                 if it keeps failing, ask the Control Plane's operator; follow it with {watch}"
            ),
        ),
        StatusKind::Progressing | StatusKind::Deleting => Link::waiting(
            Step::Provider,
            format!("the provider is working on it: {said}"),
            format!("wait: {watch}"),
        ),
        StatusKind::Unknown => Link::waiting(
            Step::Provider,
            "the provider has not reported on the copy yet",
            "if it stays so, the provider on the Control Plane is not running; ask the Control Plane's operator",
        ),
    }
}

async fn status_back(why: &Why, app: &Value, copy: &Value) -> Link {
    if app.get("status") == copy.get("status") {
        return Link::ok(Step::Status, "the App claim shows the copy's status");
    }
    let of = |v: &Value| status::status(v, &status::conditions(v), false).text;
    Link::waiting(
        Step::Status,
        format!(
            "the App claim's status ({}) is not the copy's ({}) yet",
            of(app),
            of(copy)
        ),
        format!(
            "the konnector brings it back; if it stays, {}",
            konnector_fix(installed(&why.app).await)
        ),
    )
}

async fn credentials(
    app: &Client,
    cp: &Client,
    claim: &Value,
    ns: &str,
    cp_ns: &str,
    name: &str,
) -> Link {
    let secret = secret_name(name, claim);
    let read = |client: &Client, ns: &str| {
        let api = Api::<Secret>::namespaced(client.clone(), ns);
        let secret = secret.clone();
        async move { api.get_opt(&secret).await }
    };
    let upstairs = match read(cp, cp_ns).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            return Link::broken(
                Step::Credentials,
                format!(
                    "the provider has not written Secret {cp_ns}/{secret} on the Control Plane"
                ),
                "it writes it once the binding is Ready; if it stays missing, ask the Control Plane's operator",
            );
        }
        Err(e) => {
            return Link::broken(
                Step::Credentials,
                format!("reading Secret {cp_ns}/{secret} on the Control Plane: {e}"),
                "the binding must have accepted the permission claim for secrets: klutch-tui get bindings",
            );
        }
    };
    let fix = format!(
        "the konnector brings it to the App Cluster when the binding accepted the permission claim for secrets \
         (klutch-tui get bindings) and it is running; {}",
        konnector_fix(installed(app).await)
    );
    match read(app, ns).await {
        Ok(Some(home)) if home.data == upstairs.data => Link::ok(
            Step::Credentials,
            format!(
                "Secret {secret} on both sides with the same {} keys",
                home.data.as_ref().map_or(0, |d| d.len())
            ),
        ),
        Ok(Some(_)) => Link::broken(
            Step::Credentials,
            format!("Secret {ns}/{secret} in the App Cluster differs from the Control Plane's"),
            fix,
        ),
        Ok(None) => Link::broken(
            Step::Credentials,
            format!(
                "Secret {secret} is on the Control Plane ({cp_ns}) but not in namespace {ns} of the App Cluster"
            ),
            fix,
        ),
        Err(e) => Link::broken(
            Step::Credentials,
            format!("reading Secret {ns}/{secret} in the App Cluster: {e}"),
            "check what you may read: klutch-tui doctor",
        ),
    }
}
