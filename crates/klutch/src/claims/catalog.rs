//! The claim kinds a cluster serves, read from the CRDs it holds: what a claim is validated
//! against, so that the verdict is the one the cluster's API server will give (bindings bring
//! the CRDs, and their versions and rules may differ from any fixture). Schemas are compiled
//! on first use, so a command that touches one kind pays for one.

use crate::schema::Schema;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceDefinition, JSONSchemaProps,
};
use std::sync::{Arc, OnceLock};

/// The kinds of a set of CRDs.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    kinds: Arc<Vec<ServedKind>>,
}

/// One kind and the versions it is served in.
#[derive(Debug)]
pub struct ServedKind {
    /// API group, e.g. `anynines.com`.
    pub group: String,
    /// Kind, e.g. `PostgresqlInstance`.
    pub kind: String,
    /// Plural resource name, e.g. `postgresqlinstances`.
    pub plural: String,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
    /// The served versions, storage version first.
    pub versions: Vec<ServedVersion>,
}

/// One served version of a kind and its schema.
#[derive(Debug)]
pub struct ServedVersion {
    /// Version name, e.g. `v1`.
    pub name: String,
    props: Option<JSONSchemaProps>,
    compiled: OnceLock<Result<Schema, String>>,
}

impl ServedVersion {
    /// The compiled schema (`None`: the version has none); a schema that does not compile
    /// gives the reason.
    pub fn schema(&self) -> Result<Option<&Schema>, &str> {
        let Some(props) = &self.props else {
            return Ok(None);
        };
        match self
            .compiled
            .get_or_init(|| Schema::new(props.clone()).map_err(|e| e.to_string()))
        {
            Ok(s) => Ok(Some(s)),
            Err(e) => Err(e),
        }
    }
}

impl ServedKind {
    /// `group/version` of a version of this kind.
    pub fn api_version(&self, version: &str) -> String {
        if self.group.is_empty() {
            version.to_string()
        } else {
            format!("{}/{version}", self.group)
        }
    }

    /// The version new objects are best written in (the storage version when served).
    pub fn preferred(&self) -> Option<&ServedVersion> {
        self.versions.first()
    }

    /// A served version by name.
    pub fn version(&self, name: &str) -> Option<&ServedVersion> {
        self.versions.iter().find(|v| v.name == name)
    }
}

impl Catalog {
    /// The kinds of `crds` (versions that are not served are left out).
    pub fn from_crds(crds: impl IntoIterator<Item = CustomResourceDefinition>) -> Catalog {
        let mut kinds: Vec<ServedKind> = crds
            .into_iter()
            .filter_map(|crd| {
                let spec = crd.spec;
                let mut versions: Vec<_> = spec.versions.into_iter().filter(|v| v.served).collect();
                versions.sort_by_key(|v| !v.storage);
                let versions: Vec<ServedVersion> = versions
                    .into_iter()
                    .map(|v| ServedVersion {
                        name: v.name,
                        props: v.schema.and_then(|s| s.open_api_v3_schema),
                        compiled: OnceLock::new(),
                    })
                    .collect();
                (!versions.is_empty()).then(|| ServedKind {
                    group: spec.group,
                    kind: spec.names.kind,
                    plural: spec.names.plural,
                    namespaced: spec.scope == "Namespaced",
                    versions,
                })
            })
            .collect();
        kinds.sort_by(|a, b| (&a.group, &a.kind).cmp(&(&b.group, &b.kind)));
        Catalog {
            kinds: Arc::new(kinds),
        }
    }

    /// Every kind, sorted by group and kind.
    pub fn kinds(&self) -> &[ServedKind] {
        &self.kinds
    }

    /// Whether no kind is served.
    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    /// The kind named `kind` in `group`.
    pub fn get(&self, group: &str, kind: &str) -> Option<&ServedKind> {
        self.kinds
            .iter()
            .find(|k| k.group == group && k.kind == kind)
    }

    /// A kind by kind name alone, case-insensitively, or by plural (`postgresqlinstances`).
    pub fn find(&self, name: &str) -> Option<&ServedKind> {
        self.kinds
            .iter()
            .find(|k| k.kind.eq_ignore_ascii_case(name) || k.plural == name)
    }

    /// The kind names, comma-separated, for messages.
    pub fn kind_names(&self) -> String {
        let names: Vec<&str> = self.kinds.iter().map(|k| k.kind.as_str()).collect();
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_the_fixture_crds() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/fixtures/claims/xrd"
        );
        let crds = super::super::fixture_claim_crds(std::path::Path::new(dir)).unwrap();
        let catalog = Catalog::from_crds(crds);
        assert_eq!(catalog.kinds().len(), 11);
        let pg = catalog.find("postgresqlinstances").unwrap();
        assert_eq!(pg.kind, "PostgresqlInstance");
        assert!(pg.namespaced);
        assert_eq!(pg.api_version("v1"), "anynines.com/v1");
        assert!(pg.preferred().unwrap().schema().unwrap().is_some());
        assert!(catalog.get("anynines.com", "Backup").is_some());
        assert!(catalog.kind_names().contains("Restore"));
    }
}
