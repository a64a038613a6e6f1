//! Which Kubernetes kinds the cockpit watches and on which cluster: every kind of a Klutch
//! object class ([`ObjectClass`], from `crates/klutch`), on the side of the binding where
//! that class lives.

use super::ClusterId;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use klutch::objects::{ObjectClass, Side};
use kube::core::{ApiResource, GroupVersionKind};

/// Whether objects of `class` are watched on `cluster`.
pub fn watched_on(class: ObjectClass, cluster: ClusterId) -> bool {
    match class.side() {
        Side::Both => true,
        Side::App => cluster == ClusterId::App,
        Side::ControlPlane => cluster == ClusterId::ControlPlane,
    }
}

/// A resource type to watch on one cluster.
#[derive(Clone, Debug)]
pub struct WatchedKind {
    /// Group, version, kind and plural for the dynamic API.
    pub resource: ApiResource,
    /// The class of its objects (the list it feeds).
    pub class: ObjectClass,
}

impl WatchedKind {
    /// The key that identifies a watcher: group and kind (the version may change).
    pub fn key(&self) -> (String, String) {
        (self.resource.group.clone(), self.resource.kind.clone())
    }

    /// Build from discovery's answer, if the kind is one the cockpit shows on `cluster`.
    pub fn from_api_resource(resource: ApiResource, cluster: ClusterId) -> Option<WatchedKind> {
        let class = ObjectClass::of(&resource.group, &resource.kind)?;
        watched_on(class, cluster).then_some(WatchedKind { resource, class })
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
    fn roles_decide_where_a_kind_is_watched() {
        assert!(watched_on(ObjectClass::Claim, ClusterId::App));
        assert!(watched_on(ObjectClass::Claim, ClusterId::ControlPlane));
        assert!(watched_on(ObjectClass::ApiServiceBinding, ClusterId::App));
        assert!(!watched_on(
            ObjectClass::ApiServiceBinding,
            ClusterId::ControlPlane
        ));
        assert!(!watched_on(ObjectClass::Export, ClusterId::App));
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
                "APIServiceNamespace",
                "ClusterBinding"
            ]
        );
    }
}
