//! The klutch-bind kinds: the `klutch.anynines.com/v1alpha1` custom resources
//! (export requests, exports, bindings, namespaces, cluster bindings, App Cluster
//! bindings), the export template kind of the example backend, and the non-CRD
//! wire types (BindingProvider, BindingResponse) of the bind HTTP protocol.
//!
//! The shapes follow upstream klutchio `bind/pkg/apis/bind/v1alpha1` (see
//! `reference/bind-protocol.md`); optional upstream fields are `Option`s so that an
//! object read from a cluster serialises back without gaining or losing fields.

mod app_cluster_binding;
mod binding;
mod cluster_binding;
mod conditions;
mod crd_export;
mod error;
mod export;
mod export_request;
mod headless;
pub mod names;
mod permission;
mod schema;
mod template;
mod wire;

pub use app_cluster_binding::{
    ApiExportRef, AppClusterBinding, AppClusterBindingSpec, AppClusterBindingStatus,
    KonnectorContainerOverrides, KonnectorSpec,
};
pub use binding::{
    APIServiceBinding, APIServiceBindingSpec, APIServiceBindingStatus, AcceptablePermissionClaim,
    ClaimState, KubeconfigKey, KubeconfigSecretRef,
};
pub use cluster_binding::{
    APIServiceNamespace, APIServiceNamespaceSpec, APIServiceNamespaceStatus, ClusterBinding,
    ClusterBindingSpec, ClusterBindingStatus, LocalKubeconfigSecretRef,
};
pub use conditions::{
    Condition, ConditionSeverity, ConditionStatus, condition, set_condition,
    types as condition_types,
};
pub use crd_export::{
    CrdExportError, crd_spec_from_export, export_spec_from_crd, same_crd_snapshot,
};
pub use error::BindTypeError;
pub use export::{
    APIServiceExport, APIServiceExportSchema, APIServiceExportSpec, APIServiceExportStatus,
    APIServiceExportVersion, ClusterScopedIsolation, Scope,
};
pub use export_request::{
    APIServiceExportRequest, APIServiceExportRequestResource, APIServiceExportRequestSpec,
    APIServiceExportRequestStatus, ExportRequestPhase,
};
pub use headless::{
    BIND_EXPORTS_PATH, BIND_TOKEN_PATH, ExportList, ExportOffer, GroupResource,
    HeadlessBindRequest, PROTECTED_RESOURCE_PATH, ProtectedResource, base62, cluster_id,
};
pub use permission::{
    CreateClaim, OnConflict, Owner, PatternEntry, PermissionClaim, ReadClaim, ResourceSelector,
    UpdateClaim,
};
pub use template::{
    APIServiceExportTemplate, APIServiceExportTemplateSpec, APIServiceExportTemplateStatus,
    AnyExportTemplate, ApiServiceSelector, TEMPLATE_KIND, TEMPLATE_PLURAL, TemplateApiGroup,
};
pub use wire::{
    APIServiceExportRequestResponse, AuthenticationMethod, BINDING_PROVIDER_API_VERSION,
    BindingProvider, BindingResponse, BindingResponseAuthentication, NameOnlyMeta,
    OAUTH2_CODE_GRANT, OAuth2CodeGrant, OAuth2CodeGrantSession, decode_binding_response,
    encode_binding_response,
};

/// API group of the bind kinds.
pub const GROUP: &str = "klutch.anynines.com";
/// API version of the bind kinds.
pub const VERSION: &str = "v1alpha1";
/// `apiVersion` of the bind kinds, `klutch.anynines.com/v1alpha1`.
pub const API_VERSION: &str = "klutch.anynines.com/v1alpha1";
/// The CRD category every bind kind is listed under (`kubectl get kube-bindings`).
pub const CATEGORY: &str = "kube-bindings";
