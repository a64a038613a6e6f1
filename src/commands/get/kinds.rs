//! Which Kubernetes kinds a `get KIND` means and on which cluster they are listed: discovery
//! of the groups Klutch objects live in, kept to the kinds of the class asked for
//! (`klutch::objects`), on the side of the binding where that class lives.

use super::super::connect::Clusters;
use crate::cli::GetKind;
use klutch::objects::{ObjectClass, Side};
use kube::Client;
use kube::core::ApiResource;
use kube::discovery::{Discovery, Scope};

/// One kind to list.
#[derive(Clone)]
pub struct Listed {
    /// Group, version, kind and plural.
    pub resource: ApiResource,
    /// Whether its objects live in namespaces.
    pub namespaced: bool,
    /// The cluster it is listed on.
    pub client: Client,
}

/// Why nothing can be listed for a KIND.
#[derive(Debug, thiserror::Error)]
pub enum KindError {
    /// Discovery failed.
    #[error("cannot discover the kinds the cluster serves: {0}")]
    Discovery(#[source] kube::Error),
    /// The cluster serves no kind of that class.
    #[error("{0}")]
    NotServed(String),
}

impl GetKind {
    /// The class of objects this KIND lists.
    pub fn class(self) -> ObjectClass {
        match self {
            GetKind::Templates => ObjectClass::ExportTemplate,
            GetKind::Requests => ObjectClass::ExportRequest,
            GetKind::Exports => ObjectClass::Export,
            GetKind::Bindings => ObjectClass::ApiServiceBinding,
            GetKind::Clusterbindings => ObjectClass::ClusterBinding,
            GetKind::Instances
            | GetKind::Servicebindings
            | GetKind::Backups
            | GetKind::Restores
            | GetKind::Claims => ObjectClass::Claim,
        }
    }

    /// Whether a resource of the KIND's class is one this KIND lists. The claim subsets are
    /// named like their resources (`backups`), instances are every `*instances` resource.
    fn takes(self, plural: &str) -> bool {
        match self {
            GetKind::Instances => plural.ends_with("instances"),
            GetKind::Servicebindings | GetKind::Backups | GetKind::Restores => {
                plural == self.name()
            }
            _ => true,
        }
    }

    /// The KIND as typed.
    pub fn name(self) -> String {
        use clap::ValueEnum;
        self.to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    }
}

/// The kinds `kind` lists, discovered on the cluster where its class lives.
pub async fn resolve(kind: GetKind, clusters: &Clusters) -> Result<Vec<Listed>, KindError> {
    let class = kind.class();
    let client = match class.side() {
        Side::ControlPlane => clusters.control_plane_or_app().clone(),
        Side::App | Side::Both => clusters.app.clone(),
    };
    let groups = ObjectClass::groups();
    let discovery = Discovery::new(client.clone())
        .filter(&groups)
        .run()
        .await
        .map_err(KindError::Discovery)?;
    let mut out = Vec::new();
    for group in discovery.groups() {
        for (resource, caps) in group.recommended_resources() {
            if ObjectClass::of(&resource.group, &resource.kind) == Some(class)
                && kind.takes(&resource.plural)
                && !resource.plural.contains('/')
            {
                out.push(Listed {
                    namespaced: caps.scope == Scope::Namespaced,
                    resource,
                    client: client.clone(),
                });
            }
        }
    }
    out.sort_by(|a, b| a.resource.kind.cmp(&b.resource.kind));
    if out.is_empty() {
        return Err(KindError::NotServed(not_served(kind, class)));
    }
    Ok(out)
}

fn not_served(kind: GetKind, class: ObjectClass) -> String {
    let what = kind.name();
    match class.side() {
        Side::ControlPlane => format!(
            "the cluster serves no {what}: they live on a Klutch Control Plane; name its context with --cp-context"
        ),
        Side::App => format!(
            "the App Cluster serves no {what}: nothing is bound yet; bind it first: klutch-tui bind URL"
        ),
        Side::Both => format!(
            "the App Cluster serves no {what}: no claim kinds are bound; bind it first: klutch-tui bind URL"
        ),
    }
}
