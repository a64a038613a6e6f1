//! The resource types a server serves: built-in kinds and those of established CRDs.
//! Discovery, OpenAPI, routing and validation all read from here.

use klutch::schema::Schema;
use parking_lot::RwLock;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// `(group, plural)`: how objects of a type are keyed, whatever the version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupResource {
    pub group: String,
    pub resource: String,
}

impl GroupResource {
    pub fn new(group: &str, resource: &str) -> Self {
        Self {
            group: group.to_string(),
            resource: resource.to_string(),
        }
    }
}

impl std::fmt::Display for GroupResource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.resource)
        } else {
            write!(f, "{}.{}", self.resource, self.group)
        }
    }
}

/// How a table cell is computed.
#[derive(Clone)]
pub enum CellSource {
    /// A CRD printer column's JSONPath (`.status.phase`).
    JsonPath(String),
    /// A built-in column computed in code.
    Func(fn(&Value) -> Value),
    /// The object's name.
    Name,
    /// `metadata.creationTimestamp`, shown by kubectl as an age.
    Age,
}

impl std::fmt::Debug for CellSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::JsonPath(p) => write!(f, "JsonPath({p})"),
            Self::Func(_) => f.write_str("Func"),
            Self::Name => f.write_str("Name"),
            Self::Age => f.write_str("Age"),
        }
    }
}

/// A column of the Table output.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub type_: String,
    pub format: String,
    pub description: String,
    pub priority: i64,
    pub source: CellSource,
}

/// One served version of a type.
#[derive(Debug, Clone)]
pub struct Version {
    pub name: String,
    pub storage: bool,
    pub schema: Option<Arc<Schema>>,
    /// The raw `openAPIV3Schema` (for OpenAPI documents and `kubectl explain`).
    pub raw_schema: Option<Value>,
    pub columns: Vec<Column>,
    pub status: bool,
    pub scale: Option<ScaleSpec>,
    /// Field paths a field selector may name besides metadata.name/namespace.
    pub selectable_fields: Vec<String>,
}

/// Where the `/scale` subresource finds its numbers.
#[derive(Debug, Clone)]
pub struct ScaleSpec {
    pub spec_replicas: String,
    pub status_replicas: String,
    pub label_selector: Option<String>,
}

/// Which built-in behaviour a type has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    Namespace,
    ConfigMap,
    Secret,
    ServiceAccount,
    Event,
    Role,
    ClusterRole,
    RoleBinding,
    ClusterRoleBinding,
    Crd,
    Deployment,
    Lease,
    EventsV1,
    /// Not stored: create-only reviews (SelfSubjectAccessReview, ...).
    Review,
    /// Stored and served, with no behaviour of its own: a cluster's workload, network and
    /// storage kinds (pods, services, nodes, …), which nothing in the sandbox runs, so
    /// that generic tools list them (empty) instead of failing on a 404.
    Stored,
}

#[derive(Debug, Clone)]
pub enum Origin {
    Builtin(Builtin),
    /// Served because of this CRD (its name).
    Crd(String),
}

/// A resource type as discovery lists it.
#[derive(Debug, Clone)]
pub struct ResourceType {
    pub group: String,
    pub kind: String,
    pub list_kind: String,
    pub plural: String,
    pub singular: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    pub versions: Vec<Version>,
    pub origin: Origin,
}

pub const ALL_VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

impl ResourceType {
    pub fn gr(&self) -> GroupResource {
        GroupResource::new(&self.group, &self.plural)
    }

    pub fn version(&self, name: &str) -> Option<&Version> {
        self.versions.iter().find(|v| v.name == name)
    }

    pub fn storage_version(&self) -> &Version {
        self.versions
            .iter()
            .find(|v| v.storage)
            .unwrap_or(&self.versions[0])
    }

    pub fn api_version(&self, version: &str) -> String {
        if self.group.is_empty() {
            version.to_string()
        } else {
            format!("{}/{}", self.group, version)
        }
    }

    pub fn builtin(&self) -> Option<Builtin> {
        match self.origin {
            Origin::Builtin(b) => Some(b),
            Origin::Crd(_) => None,
        }
    }

    pub fn is_crd_type(&self) -> bool {
        matches!(self.origin, Origin::Crd(_))
    }

    pub fn is_review(&self) -> bool {
        self.builtin() == Some(Builtin::Review)
    }

    pub fn verbs(&self) -> &'static [&'static str] {
        if self.is_review() {
            &["create"]
        } else {
            ALL_VERBS
        }
    }
}

/// All types a server serves. Cheap to read; changes bump a generation used in discovery hashes.
#[derive(Default)]
pub struct Registry {
    types: RwLock<BTreeMap<GroupResource, Arc<ResourceType>>>,
    generation: AtomicU64,
}

impl Registry {
    pub fn new(builtins: Vec<ResourceType>) -> Self {
        let reg = Self::default();
        for t in builtins {
            reg.insert(t);
        }
        reg
    }

    pub fn insert(&self, t: ResourceType) {
        self.types.write().insert(t.gr(), Arc::new(t));
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    pub fn remove(&self, gr: &GroupResource) -> Option<Arc<ResourceType>> {
        let r = self.types.write().remove(gr);
        self.generation.fetch_add(1, Ordering::SeqCst);
        r
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    pub fn get(&self, gr: &GroupResource) -> Option<Arc<ResourceType>> {
        self.types.read().get(gr).cloned()
    }

    /// The type served at `group/version/plural`, if that version is served.
    pub fn lookup(&self, group: &str, version: &str, plural: &str) -> Option<Arc<ResourceType>> {
        let t = self.get(&GroupResource::new(group, plural))?;
        t.version(version)?;
        Some(t)
    }

    /// The type of a `kind` in `group`.
    pub fn by_kind(&self, group: &str, kind: &str) -> Option<Arc<ResourceType>> {
        self.types
            .read()
            .values()
            .find(|t| t.group == group && t.kind == kind)
            .cloned()
    }

    pub fn all(&self) -> Vec<Arc<ResourceType>> {
        self.types.read().values().cloned().collect()
    }

    /// Groups with their versions, in discovery order (core first, then by name).
    pub fn groups(&self) -> Vec<(String, Vec<String>)> {
        let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for t in self.types.read().values() {
            let vs = groups.entry(t.group.clone()).or_default();
            for v in &t.versions {
                if !vs.contains(&v.name) {
                    vs.push(v.name.clone());
                }
            }
        }
        groups
            .into_iter()
            .map(|(g, mut vs)| {
                vs.sort_by_key(|v| std::cmp::Reverse(version_priority(v)));
                (g, vs)
            })
            .collect()
    }

    /// Types served in one group/version.
    pub fn in_group_version(&self, group: &str, version: &str) -> Vec<Arc<ResourceType>> {
        self.types
            .read()
            .values()
            .filter(|t| t.group == group && t.version(version).is_some())
            .cloned()
            .collect()
    }
}

/// Kubernetes' version ordering: GA > beta > alpha, then by number.
pub fn version_priority(v: &str) -> (u8, u32, u32) {
    let rest = v.strip_prefix('v').unwrap_or(v);
    let (major, tail) = rest.split_at(
        rest.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len()),
    );
    let major: u32 = major.parse().unwrap_or(0);
    if tail.is_empty() {
        return (3, major, 0);
    }
    let (level, minor) = if let Some(m) = tail.strip_prefix("beta") {
        (2, m)
    } else if let Some(m) = tail.strip_prefix("alpha") {
        (1, m)
    } else {
        (0, "0")
    };
    (level, major, minor.parse().unwrap_or(0))
}
