//! Labels, annotations, finalizers and fixed object names of klutch-bind, in one
//! place (reference/bind-protocol.md §5). Everything that reads or writes one of
//! these uses the constant, never a literal.

/// Annotation on a Control Plane object created from an App Cluster object by the
/// konnector's spec sync (`"true"`).
pub const ANNOTATION_BOUND: &str = "klutch.anynines.com/bound";
/// Finalizer the konnector puts on synced App Cluster objects.
pub const FINALIZER_SYNCER: &str = "klutch.anynines.com/syncer";
/// Annotation deciding the sync direction of claimed objects: `Provider` or `Consumer`.
pub const ANNOTATION_RESOURCE_OWNER: &str = "klutch.anynines.com/resource-owner";
/// Annotation on a cluster-scoped Control Plane object naming its cluster namespace.
pub const ANNOTATION_CLUSTER_NAMESPACE: &str = "klutch.anynines.com/cluster-namespace";
/// Annotation on a Control Plane namespace: `<clusterNs>/<APIServiceNamespace name>`.
pub const ANNOTATION_API_SERVICE_NAMESPACE: &str = "klutch.anynines.com/api-service-namespace";
/// Annotation on an APIServiceExport: hash of the CRD-derived spec.
pub const ANNOTATION_SOURCE_SPEC_HASH: &str = "klutch.anynines.com/source-spec-hash";
/// Declared upstream, never used.
pub const ANNOTATION_EXPORTED: &str = "klutch.anynines.com/exported";
/// Label on the mirrored App kubeconfig Secret: the AppClusterBinding's name.
pub const LABEL_APPCLUSTERBINDING_NAME: &str = "klutch.anynines.com/appclusterbinding-name";
/// Label on the mirrored App kubeconfig Secret: the AppClusterBinding's namespace.
pub const LABEL_APPCLUSTERBINDING_NAMESPACE: &str =
    "klutch.anynines.com/appclusterbinding-namespace";
/// Finalizer on an AppClusterBinding while its root namespace is cleaned up.
pub const FINALIZER_APPCLUSTERBINDING_CLEANUP: &str =
    "klutch.anynines.com/appclusterbinding-cleanup";
/// Annotation on a cluster namespace: `<id_token.sub>#<clusterID>` of its owner.
pub const ANNOTATION_IDENTITY: &str = "example-backend.klutch.anynines.com/identity";
/// Finalizer on an APIServiceNamespace until the backend has deleted its Control Plane
/// namespace.
pub const FINALIZER_NAMESPACE_CLEANUP: &str =
    "example-backend.klutch.anynines.com/namespace-cleanup";

/// Field manager of the konnector's server-side applies.
pub const FIELD_MANAGER: &str = "klutch.anynines.com";
/// Namespace of the konnector and of APIServiceBindings in the App Cluster.
pub const KONNECTOR_NAMESPACE: &str = "klutch-bind";
/// The only key a kubeconfig Secret reference may name.
pub const KUBECONFIG_SECRET_KEY: &str = "kubeconfig";
/// The name every ClusterBinding must have (CEL-enforced).
pub const CLUSTER_BINDING_NAME: &str = "cluster";
/// ServiceAccount (and token Secret, RoleBinding) of the binder in a cluster namespace.
pub const BINDER_SERVICE_ACCOUNT: &str = "klutch-binder";
/// Default prefix of cluster namespaces on the Control Plane (`cluster-8xk2p`).
pub const CLUSTER_NAMESPACE_PREFIX: &str = "cluster-";

/// The Lease konnector replicas elect their leader with (in the konnector's namespace).
pub const KONNECTOR_LEASE: &str = "klutch-bind";
/// Name of the installed konnector's Deployment and ServiceAccount.
pub const KONNECTOR_NAME: &str = "konnector";
/// Label key (with value [`KONNECTOR_NAME`]) on the installed konnector's Deployment and pods.
pub const LABEL_APP: &str = "app";
/// ClusterRole(Binding) of the installed konnector: what it needs cluster-wide.
pub const KONNECTOR_CLUSTER_ROLE: &str = "klutch-bind-konnector";
/// ClusterRole over the claimed resources (e.g. Secrets) that the konnector binds to its own
/// ServiceAccount in each namespace it binds, and nowhere else.
pub const KONNECTOR_CLAIMED_ROLE: &str = "klutch-bind-konnector-claimed";
