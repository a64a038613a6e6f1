//! Which Kubernetes kinds the cockpit shows, how they are grouped into lists, and on which
//! cluster each is watched. Names follow `shared/reference` (bind group
//! `klutch.anynines.com`, templates in two groups, claims in `anynines.com`).

use super::ClusterId;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::core::{ApiResource, GroupVersionKind};

/// The claims group (App side proxy claims and their Control Plane copies).
pub const CLAIM_GROUP: &str = "anynines.com";
/// The klutch-bind protocol group.
pub const BIND_GROUP: &str = "klutch.anynines.com";
/// The two groups an APIServiceExportTemplate may be served under.
pub const TEMPLATE_GROUPS: [&str; 2] = ["example-backend.klutch.anynines.com", "bind.anynines.com"];
/// The template kind.
pub const TEMPLATE_KIND: &str = "APIServiceExportTemplate";

/// Every group whose kinds the cockpit may watch.
pub fn interesting_groups() -> [&'static str; 4] {
    [
        CLAIM_GROUP,
        BIND_GROUP,
        TEMPLATE_GROUPS[0],
        TEMPLATE_GROUPS[1],
    ]
}

/// One list of the cockpit: the kinds that share columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// Proxy claims: `*Instance`, ServiceBinding, Backup, Restore (`anynines.com`).
    Claim,
    /// APIServiceExportTemplate (Control Plane).
    Template,
    /// APIServiceExportRequest (Control Plane).
    ExportRequest,
    /// APIServiceExport (Control Plane).
    Export,
    /// ClusterBinding (Control Plane).
    ClusterBinding,
    /// APIServiceBinding (App Cluster).
    Binding,
}

impl Category {
    /// Every category, in the order of the cockpit's views.
    pub const ALL: [Category; 6] = [
        Category::Claim,
        Category::Template,
        Category::ExportRequest,
        Category::Export,
        Category::ClusterBinding,
        Category::Binding,
    ];

    /// Index into per-category arrays.
    pub fn index(self) -> usize {
        match self {
            Category::Claim => 0,
            Category::Template => 1,
            Category::ExportRequest => 2,
            Category::Export => 3,
            Category::ClusterBinding => 4,
            Category::Binding => 5,
        }
    }

    /// Whether objects of this category are watched on `cluster`.
    pub fn watched_on(self, cluster: ClusterId) -> bool {
        match self {
            Category::Claim => true,
            Category::Binding => cluster == ClusterId::App,
            Category::Template
            | Category::ExportRequest
            | Category::Export
            | Category::ClusterBinding => cluster == ClusterId::ControlPlane,
        }
    }

    /// The category of `group`/`kind`, or `None` if the cockpit does not show it.
    pub fn of(group: &str, kind: &str) -> Option<Category> {
        if group == CLAIM_GROUP {
            return Some(Category::Claim);
        }
        if TEMPLATE_GROUPS.contains(&group) {
            return (kind == TEMPLATE_KIND).then_some(Category::Template);
        }
        if group == BIND_GROUP {
            return match kind {
                "APIServiceExportRequest" => Some(Category::ExportRequest),
                "APIServiceExport" => Some(Category::Export),
                "ClusterBinding" => Some(Category::ClusterBinding),
                "APIServiceBinding" => Some(Category::Binding),
                _ => None,
            };
        }
        None
    }
}

/// A resource type to watch on one cluster.
#[derive(Clone, Debug)]
pub struct WatchedKind {
    /// Group, version, kind and plural for the dynamic API.
    pub resource: ApiResource,
    /// The list it feeds.
    pub category: Category,
}

impl WatchedKind {
    /// The key that identifies a watcher: group and kind (the version may change).
    pub fn key(&self) -> (String, String) {
        (self.resource.group.clone(), self.resource.kind.clone())
    }

    /// Build from discovery's answer, if the kind is one the cockpit shows on `cluster`.
    pub fn from_api_resource(resource: ApiResource, cluster: ClusterId) -> Option<WatchedKind> {
        let category = Category::of(&resource.group, &resource.kind)?;
        category
            .watched_on(cluster)
            .then_some(WatchedKind { resource, category })
    }

    /// Build from a CRD (served storage version preferred), if the cockpit shows its kind on
    /// `cluster`. Lets kinds that appear while running be picked up without re-discovery.
    pub fn from_crd(crd: &CustomResourceDefinition, cluster: ClusterId) -> Option<WatchedKind> {
        let spec = &crd.spec;
        let version = spec
            .versions
            .iter()
            .filter(|v| v.served)
            .max_by_key(|v| v.storage)?;
        let gvk = GroupVersionKind::gvk(&spec.group, &version.name, &spec.names.kind);
        let resource = ApiResource::from_gvk_with_plural(&gvk, &spec.names.plural);
        WatchedKind::from_api_resource(resource, cluster)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crd(path: &str) -> CustomResourceDefinition {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/crds/bind");
        let text = std::fs::read_to_string(format!("{dir}/{path}")).unwrap();
        serde_saphyr::from_str(&text).unwrap()
    }

    #[test]
    fn categories_follow_the_reference_names() {
        assert_eq!(
            Category::of("anynines.com", "PostgresqlInstance"),
            Some(Category::Claim)
        );
        assert_eq!(
            Category::of("anynines.com", "Backup"),
            Some(Category::Claim)
        );
        assert_eq!(
            Category::of("bind.anynines.com", TEMPLATE_KIND),
            Some(Category::Template)
        );
        assert_eq!(
            Category::of("example-backend.klutch.anynines.com", TEMPLATE_KIND),
            Some(Category::Template)
        );
        assert_eq!(
            Category::of(BIND_GROUP, "APIServiceBinding"),
            Some(Category::Binding)
        );
        assert_eq!(Category::of(BIND_GROUP, "APIServiceNamespace"), None);
        assert_eq!(
            Category::of("dataservices.anynines.com", "ServiceInstance"),
            None
        );
    }

    #[test]
    fn roles_decide_where_a_kind_is_watched() {
        assert!(Category::Claim.watched_on(ClusterId::App));
        assert!(Category::Claim.watched_on(ClusterId::ControlPlane));
        assert!(Category::Binding.watched_on(ClusterId::App));
        assert!(!Category::Binding.watched_on(ClusterId::ControlPlane));
        assert!(!Category::Export.watched_on(ClusterId::App));
    }

    #[test]
    fn a_bind_crd_becomes_a_watched_kind() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/crds/bind");
        let mut seen = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.starts_with("release-bundle") {
                continue; // several documents; the single-CRD files cover the same kinds
            }
            if let Some(w) = WatchedKind::from_crd(&crd(&name), ClusterId::ControlPlane) {
                assert!(
                    name.starts_with(&format!("{}_", w.resource.group)),
                    "{name}"
                );
                assert!(!w.resource.plural.is_empty());
                seen.push(w.resource.kind);
            }
        }
        seen.sort();
        assert_eq!(
            seen,
            [
                "APIServiceExport",
                "APIServiceExportRequest",
                "APIServiceExportTemplate",
                "ClusterBinding"
            ]
        );
    }
}
