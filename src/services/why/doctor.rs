//! `doctor`: the chain checks for everything of one App Cluster — first the connection
//! (does the server answer, does it accept our credentials, may we do what the cockpit and
//! the commands do), then every APIServiceBinding up to the konnector's heartbeat, then every
//! claim. Each part is a [`Report`] of its own that stops at its first broken link.

use super::links;
use super::{Link, Report, Step, Why};
use crate::cluster::access::may;
use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use klutch::bind::APIServiceBinding;
use klutch::bind::names::KONNECTOR_NAMESPACE;
use klutch::claims::ClaimKind;
use kube::api::{Api, DynamicObject, ListParams, PostParams};
use kube::{Client, ResourceExt};
use std::time::Instant;

/// What `doctor` found.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Doctor {
    /// The connection to the App Cluster.
    pub connection: Report,
    /// One report per APIServiceBinding.
    pub bindings: Vec<Report>,
    /// One report per claim.
    pub claims: Vec<Report>,
}

impl Doctor {
    /// Whether everything holds.
    pub fn healthy(&self) -> bool {
        std::iter::once(&self.connection)
            .chain(&self.bindings)
            .chain(&self.claims)
            .all(Report::healthy)
    }

    /// Every report as text, then a summary line.
    pub fn text(&self) -> String {
        let all: Vec<&Report> = std::iter::once(&self.connection)
            .chain(&self.bindings)
            .chain(&self.claims)
            .collect();
        let mut out: String = all.iter().map(|r| r.text()).collect();
        let failing = all.iter().filter(|r| !r.healthy()).count();
        out.push_str(&format!(
            "{} binding(s), {} claim(s): {}\n",
            self.bindings.len(),
            self.claims.len(),
            if failing == 0 {
                "all healthy".to_string()
            } else {
                format!("{failing} of {} not healthy", all.len())
            }
        ));
        out
    }
}

/// One permission the user needs: verb, group, resource, namespace (`None`: all), what for.
type Need = (
    &'static str,
    &'static str,
    String,
    Option<String>,
    &'static str,
);

/// Check the App Cluster behind `app`: the connection, every binding, every claim.
pub async fn doctor(app: Client) -> Doctor {
    let why = Why::new(app.clone());
    let mut connection = Report::new("connection to the App Cluster");
    let kinds = served_kinds(&why).await;
    if !connect(&app, &kinds, &mut connection).await {
        return Doctor {
            connection,
            bindings: Vec::new(),
            claims: Vec::new(),
        };
    }
    let mut bindings = Vec::new();
    let listed = Api::<APIServiceBinding>::namespaced(app.clone(), KONNECTOR_NAMESPACE)
        .list(&ListParams::default())
        .await
        .map(|l| l.items)
        .unwrap_or_default();
    for b in listed {
        let name = b.name_any();
        let plural = name.split('.').next().unwrap_or_default().to_string();
        let mut report = Report::new(format!("APIServiceBinding {KONNECTOR_NAMESPACE}/{name}"));
        if let Some(binding) = links::binding(&app, &name, &plural, &mut report).await
            && let Some((cp, cluster_ns)) = links::control_plane(&why, &binding, &mut report).await
        {
            report.push(links::heartbeat(&why, &cp, &cluster_ns).await);
        }
        bindings.push(report);
    }
    let mut claims = Vec::new();
    for kind in kinds {
        let Ok(resource) = why.claims.resource(kind).await else {
            continue;
        };
        let listed = Api::<DynamicObject>::all_with(app.clone(), &resource)
            .list(&ListParams::default())
            .await
            .map(|l| l.items)
            .unwrap_or_default();
        for obj in listed {
            let ns = obj.namespace().unwrap_or_default();
            claims.push(why.claim(kind, &ns, &obj.name_any()).await);
        }
    }
    Doctor {
        connection,
        bindings,
        claims,
    }
}

async fn served_kinds(why: &Why) -> Vec<ClaimKind> {
    match why.claims.catalog().await {
        Ok(c) => c
            .kinds()
            .iter()
            .filter_map(|k| ClaimKind::from_kind(&k.kind))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Server, auth and access links; whether they all hold.
async fn connect(app: &Client, kinds: &[ClaimKind], report: &mut Report) -> bool {
    let started = Instant::now();
    let server = match app.apiserver_version().await {
        Ok(v) => Link::ok(
            Step::Server,
            format!(
                "the App Cluster answers (Kubernetes {}, {} ms)",
                v.git_version,
                started.elapsed().as_millis()
            ),
        ),
        Err(e) => Link::broken(
            Step::Server,
            format!("the App Cluster does not answer: {e}"),
            "check the kubeconfig's server and that the cluster runs: kubectl cluster-info",
        ),
    };
    if !report.push(server) {
        return false;
    }
    let who = Api::<SelfSubjectReview>::all(app.clone())
        .create(&PostParams::default(), &SelfSubjectReview::default())
        .await;
    let auth = match who {
        Ok(r) => {
            let user = r
                .status
                .and_then(|s| s.user_info)
                .and_then(|u| u.username)
                .unwrap_or_else(|| "(the server does not say)".into());
            Link::ok(Step::Auth, format!("authenticated as {user}"))
        }
        Err(kube::Error::Api(s)) if s.code == 401 => Link::broken(
            Step::Auth,
            format!("the App Cluster refuses the credentials: {}", s.message),
            "renew the credentials in your kubeconfig (log in again)",
        ),
        Err(e) => Link::ok(
            Step::Auth,
            format!("authenticated (who-am-I is not answered: {e})"),
        ),
    };
    if !report.push(auth) {
        return false;
    }
    report.push(access(app, kinds).await)
}

async fn access(app: &Client, kinds: &[ClaimKind]) -> Link {
    let bind_ns = Some(KONNECTOR_NAMESPACE.to_string());
    let home = Some(app.default_namespace().to_string());
    let mut needs: Vec<Need> = vec![
        (
            "list",
            "apiextensions.k8s.io",
            "customresourcedefinitions".into(),
            None,
            "knowing the claim kinds",
        ),
        (
            "list",
            klutch::bind::GROUP,
            "apiservicebindings".into(),
            bind_ns.clone(),
            "reading the bindings",
        ),
        (
            "get",
            "",
            "secrets".into(),
            bind_ns,
            "following a binding to the Control Plane (why)",
        ),
    ];
    for kind in kinds {
        let plural = kind.plural().to_string();
        for verb in ["list", "watch"] {
            needs.push((
                verb,
                klutch::claims::GROUP,
                plural.clone(),
                None,
                "the cockpit's lists",
            ));
        }
        for verb in ["create", "patch", "delete"] {
            needs.push((
                verb,
                klutch::claims::GROUP,
                plural.clone(),
                home.clone(),
                "acting on claims",
            ));
        }
    }
    let started = Instant::now();
    let mut missing = Vec::new();
    for (verb, group, resource, ns, why) in &needs {
        let allowed = may(app, verb, group, resource, ns.as_deref()).await;
        let full = if group.is_empty() {
            resource.clone()
        } else {
            format!("{resource}.{group}")
        };
        let where_ = ns
            .as_deref()
            .map_or(" in every namespace".into(), |n| format!(" in {n}"));
        match allowed {
            Ok(true) => {}
            Ok(false) => missing.push(format!("{verb} {full}{where_} ({why})")),
            Err(e) => {
                return Link::broken(
                    Step::Access,
                    format!("cannot ask what this user may do (SelfSubjectAccessReview): {e}"),
                    "the cluster must answer SelfSubjectAccessReviews; ask its admin",
                );
            }
        }
    }
    if missing.is_empty() {
        Link::ok(
            Step::Access,
            format!(
                "may do all {} things the cockpit and the commands need (asked in {} ms)",
                needs.len(),
                started.elapsed().as_millis()
            ),
        )
    } else {
        Link::broken(
            Step::Access,
            format!("may not: {}", missing.join("; ")),
            "ask the cluster's admin for a Role or ClusterRole that grants these (kubectl auth can-i VERB RESOURCE checks one)",
        )
    }
}
