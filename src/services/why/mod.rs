//! Why a claim is not well: the answer is spread over two clusters — the App claim, its CRD
//! and APIServiceBinding, the binding's kubeconfig Secret, the konnector's heartbeat, the
//! APIServiceNamespace mapping, the Control Plane copy, the provider's conditions and, for a
//! service binding, the credentials Secret on both sides. This service walks that chain in
//! the order the konnector depends on it and stops at the first link that does not hold,
//! with the fact that shows it and what to do. `doctor` does the same for every binding and
//! claim of an App Cluster and for the connection itself.
//!
//! It reads the Control Plane as the konnector does, with the binding's own kubeconfig, so a
//! developer needs no Control Plane context. Typed results only: the headless commands print
//! them, the cockpit draws them.

mod doctor;
mod links;

pub use doctor::{Doctor, doctor};

use super::claims::{Claims, ClaimsError};
use jiff::Timestamp;
use klutch::claims::ClaimKind;
use kube::Client;
use std::collections::HashMap;

/// One link of the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// The App Cluster answers (doctor).
    Server,
    /// It accepts our credentials (doctor).
    Auth,
    /// We may do what the cockpit and the commands do (doctor).
    Access,
    /// The claim in the App Cluster.
    Claim,
    /// Its CRD in the App Cluster.
    Crd,
    /// The APIServiceBinding that brought the kind.
    Binding,
    /// The binding's kubeconfig Secret, and the Control Plane it reaches.
    Secret,
    /// The konnector's heartbeat on the ClusterBinding.
    Konnector,
    /// The APIServiceNamespace that maps the claim's namespace.
    Mapping,
    /// The Control Plane copy and whether its spec is the App's.
    Copy,
    /// The provider's conditions on the copy.
    Provider,
    /// The copy's status brought back to the App claim.
    Status,
    /// A service binding's credentials Secret on both sides.
    Credentials,
}

impl Step {
    /// A short name for a column.
    pub fn label(self) -> &'static str {
        match self {
            Step::Server => "server",
            Step::Auth => "auth",
            Step::Access => "access",
            Step::Claim => "claim",
            Step::Crd => "crd",
            Step::Binding => "binding",
            Step::Secret => "secret",
            Step::Konnector => "konnector",
            Step::Mapping => "mapping",
            Step::Copy => "copy",
            Step::Provider => "provider",
            Step::Status => "status",
            Step::Credentials => "credentials",
        }
    }
}

/// How a link holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// It holds.
    Ok,
    /// Not yet: something is on its way (provisioning, a change being copied).
    Waiting,
    /// It is broken.
    Broken,
}

impl Verdict {
    /// `✓`, `…` or `✗`.
    pub fn symbol(self) -> &'static str {
        match self {
            Verdict::Ok => "✓",
            Verdict::Waiting => "…",
            Verdict::Broken => "✗",
        }
    }
}

/// One link: how it holds, the fact that shows it, and what to do when it does not.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Link {
    /// Which link.
    pub step: Step,
    /// How it holds.
    pub verdict: Verdict,
    /// What was found.
    pub fact: String,
    /// What to do (only for a link that does not hold).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Link {
    /// A link that holds.
    pub fn ok(step: Step, fact: impl Into<String>) -> Link {
        Link {
            step,
            verdict: Verdict::Ok,
            fact: fact.into(),
            fix: None,
        }
    }

    /// A link that does not hold yet.
    pub fn waiting(step: Step, fact: impl Into<String>, fix: impl Into<String>) -> Link {
        Link {
            step,
            verdict: Verdict::Waiting,
            fact: fact.into(),
            fix: Some(fix.into()),
        }
    }

    /// A broken link.
    pub fn broken(step: Step, fact: impl Into<String>, fix: impl Into<String>) -> Link {
        Link {
            step,
            verdict: Verdict::Broken,
            fact: fact.into(),
            fix: Some(fix.into()),
        }
    }
}

/// The walk of one thing (a claim, a binding, the connection): its links up to and
/// including the first that does not hold.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// What was walked (`PostgresqlInstance default/orders`).
    pub subject: String,
    /// The links, in chain order.
    pub links: Vec<Link>,
}

impl Report {
    /// A report on `subject` with no links yet.
    pub fn new(subject: impl Into<String>) -> Report {
        Report {
            subject: subject.into(),
            links: Vec::new(),
        }
    }

    /// Whether every link holds.
    pub fn healthy(&self) -> bool {
        self.links.iter().all(|l| l.verdict == Verdict::Ok)
    }

    /// The first link that does not hold.
    pub fn broken(&self) -> Option<&Link> {
        self.links.iter().find(|l| l.verdict != Verdict::Ok)
    }

    /// Add `link`; whether the walk goes on (it stops at the first link that does not hold).
    fn push(&mut self, link: Link) -> bool {
        let on = link.verdict == Verdict::Ok;
        self.links.push(link);
        on
    }

    /// The report as text: one line per link (`✓ step  fact`), the fix under a link that
    /// does not hold, and a last line saying healthy or where it broke.
    pub fn text(&self) -> String {
        let mut out = format!("{}\n", self.subject);
        for l in &self.links {
            out.push_str(&format!(
                "  {} {:<11} {}\n",
                l.verdict.symbol(),
                l.step.label(),
                l.fact
            ));
            if let Some(fix) = &l.fix {
                out.push_str(&format!("    fix: {fix}\n"));
            }
        }
        match self.broken() {
            None => out.push_str("healthy\n"),
            Some(l) if l.verdict == Verdict::Waiting => {
                out.push_str(&format!("not ready yet: {}\n", l.step.label()));
            }
            Some(l) => out.push_str(&format!("broken at {}\n", l.step.label())),
        }
        out
    }
}

/// Why a claim could not be named.
#[derive(Debug, thiserror::Error)]
pub enum WhyError {
    /// The text is not `KIND/NAME`.
    #[error(
        "{0:?} names no claim kind; write KIND/NAME with a claim kind such as postgresqlinstance, servicebinding, backup or restore"
    )]
    UnknownKind(String),
    /// The claim kinds could not be read, or the name is ambiguous.
    #[error(transparent)]
    Claims(#[from] ClaimsError),
}

/// The claim kind `text` names: a kind or its plural, any case (`PostgresqlInstance`,
/// `postgresqlinstances`).
pub fn kind_of(text: &str) -> Option<ClaimKind> {
    let t = text.to_lowercase();
    ClaimKind::ALL.into_iter().find(|k| {
        let kind = k.kind().to_lowercase();
        t == kind || t == k.plural() || t.strip_suffix('s') == Some(kind.as_str())
    })
}

/// The troubleshooting walk over one App Cluster.
pub struct Why {
    claims: Claims,
    app: Client,
    now: fn() -> Timestamp,
    /// Control Plane clients by kubeconfig text (one per binding Secret, made once).
    binders: tokio::sync::Mutex<HashMap<String, (Client, String)>>,
}

impl Why {
    /// Walk claims of the App Cluster behind `app`.
    pub fn new(app: Client) -> Why {
        Why {
            claims: Claims::new(app.clone(), None),
            app,
            now: Timestamp::now,
            binders: Default::default(),
        }
    }

    /// A client for the Control Plane from a binding's kubeconfig, and its cluster namespace.
    async fn binder(&self, kubeconfig: &str) -> Result<(Client, String), String> {
        let mut binders = self.binders.lock().await;
        if let Some(b) = binders.get(kubeconfig) {
            return Ok(b.clone());
        }
        let made = super::konnector::client_of(kubeconfig).await?;
        binders.insert(kubeconfig.to_string(), made.clone());
        Ok(made)
    }

    /// `KIND/NAME` (or a NAME that only one claim kind uses in `namespace`) as kind and name.
    pub async fn resolve(
        &self,
        namespace: &str,
        text: &str,
    ) -> Result<(ClaimKind, String), WhyError> {
        if let Some((kind, name)) = text.split_once('/') {
            let kind = kind_of(kind).ok_or_else(|| WhyError::UnknownKind(kind.to_string()))?;
            return Ok((kind, name.to_string()));
        }
        let catalog = self.claims.catalog().await.map_err(ClaimsError::from)?;
        let kinds: Vec<ClaimKind> = catalog
            .kinds()
            .iter()
            .filter_map(|k| ClaimKind::from_kind(&k.kind))
            .collect();
        let mut found = Vec::new();
        for kind in kinds {
            match self.claims.get(kind, namespace, text).await {
                Ok(_) => found.push(kind),
                Err(ClaimsError::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        match found.as_slice() {
            [one] => Ok((*one, text.to_string())),
            [] => Err(ClaimsError::NotFound {
                what: "claim".into(),
                name: text.to_string(),
                namespace: namespace.to_string(),
            }
            .into()),
            several => Err(ClaimsError::Ambiguous {
                name: text.to_string(),
                kinds: several
                    .iter()
                    .map(|k| k.kind())
                    .collect::<Vec<_>>()
                    .join(" and a "),
                namespace: namespace.to_string(),
                example: format!("{}/{text}", several[0].kind().to_lowercase()),
            }
            .into()),
        }
    }

    /// Walk the chain of the claim `name` of `kind` in `namespace`.
    pub async fn claim(&self, kind: ClaimKind, namespace: &str, name: &str) -> Report {
        let mut report = Report::new(format!("{} {namespace}/{name}", kind.kind()));
        links::walk(self, kind, namespace, name, &mut report).await;
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_named_by_kind_or_plural_in_any_case() {
        let pg = Some(ClaimKind::from_kind("PostgresqlInstance").unwrap());
        assert_eq!(kind_of("PostgresqlInstance"), pg);
        assert_eq!(kind_of("postgresqlinstances"), pg);
        assert_eq!(kind_of("postgresqlinstance"), pg);
        assert_eq!(kind_of("ServiceBindings"), Some(ClaimKind::ServiceBinding));
        assert_eq!(kind_of("pods"), None);
    }

    #[test]
    fn a_report_stops_at_its_first_broken_link_and_says_so() {
        let mut r = Report::new("Backup default/nightly");
        assert!(r.push(Link::ok(Step::Claim, "exists")));
        assert!(!r.push(Link::broken(
            Step::Secret,
            "the kubeconfig Secret klutch-bind/kubeconfig-x does not exist",
            "bind again"
        )));
        assert!(!r.healthy());
        assert_eq!(r.broken().map(|l| l.step), Some(Step::Secret));
        assert_eq!(
            r.text(),
            "Backup default/nightly\n  ✓ claim       exists\n  ✗ secret      the kubeconfig Secret klutch-bind/kubeconfig-x does not exist\n    fix: bind again\nbroken at secret\n"
        );
    }
}
