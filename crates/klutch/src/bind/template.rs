//! APIServiceExportTemplate: which Control Plane CRD may be exported, with which
//! permission claims. Upstream's source tree defines it in
//! `example-backend.klutch.anynines.com/v1alpha1`, its release bundle in
//! `bind.anynines.com/v1alpha1`; [`AnyExportTemplate`] reads both.

use kube_core::{ApiResource, DynamicObject, GroupVersionKind};
use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::BindTypeError;
use super::permission::PermissionClaim;

/// Spec of an [`APIServiceExportTemplate`].
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "example-backend.klutch.anynines.com",
    version = "v1alpha1",
    kind = "APIServiceExportTemplate",
    plural = "apiserviceexporttemplates",
    namespaced,
    status = "APIServiceExportTemplateStatus",
    category = "kube-bindings",
    derive = "PartialEq",
    crates(kube_core = "::kube_core"),
    printcolumn = r#"{"name":"Established","type":"string","priority":5,"jsonPath":".status.conditions[?(@.type==\"Established\")].status"}"#,
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase")]
pub struct APIServiceExportTemplateSpec {
    /// Selects the CRD with `spec.group == group && spec.names.plural == resource`.
    /// Note the capitalised JSON key.
    #[serde(rename = "APIServiceSelector")]
    pub api_service_selector: ApiServiceSelector,
    /// Claims copied into requests and exports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission_claims: Option<Vec<PermissionClaim>>,
}

/// The `APIServiceSelector` of a template.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct ApiServiceSelector {
    /// API group of the CRD.
    #[serde(default)]
    pub group: String,
    /// Plural resource name of the CRD.
    pub resource: String,
    /// Version (source tree; ignored by the backend).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Versions (release bundle; ignored by the backend).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<Vec<String>>,
}

impl ApiServiceSelector {
    /// The selected CRD's name, `<resource>.<group>`.
    pub fn crd_name(&self) -> String {
        if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        }
    }
}

/// Status of a template (empty upstream).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct APIServiceExportTemplateStatus {}

/// The kind of an export template, in either group.
pub const TEMPLATE_KIND: &str = "APIServiceExportTemplate";
/// The resource (plural) of an export template, in either group.
pub const TEMPLATE_PLURAL: &str = "apiserviceexporttemplates";

/// The API groups an export template may be served under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TemplateApiGroup {
    /// `example-backend.klutch.anynines.com` (the source tree; our typed kind).
    ExampleBackend,
    /// `bind.anynines.com` (upstream's release bundle).
    ReleaseBundle,
}

impl TemplateApiGroup {
    /// Both groups, the typed kind's first.
    pub const ALL: [TemplateApiGroup; 2] = [
        TemplateApiGroup::ExampleBackend,
        TemplateApiGroup::ReleaseBundle,
    ];

    /// The API group.
    pub fn group(self) -> &'static str {
        match self {
            TemplateApiGroup::ExampleBackend => "example-backend.klutch.anynines.com",
            TemplateApiGroup::ReleaseBundle => "bind.anynines.com",
        }
    }

    /// The `apiVersion` (`<group>/v1alpha1`).
    pub fn api_version(self) -> &'static str {
        match self {
            TemplateApiGroup::ExampleBackend => "example-backend.klutch.anynines.com/v1alpha1",
            TemplateApiGroup::ReleaseBundle => "bind.anynines.com/v1alpha1",
        }
    }

    /// The export template resource served under this group.
    pub fn api_resource(self) -> ApiResource {
        ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk(self.group(), super::VERSION, TEMPLATE_KIND),
            TEMPLATE_PLURAL,
        )
    }

    /// The group an `apiVersion` belongs to, if it is one of the two.
    pub fn from_api_version(api_version: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|g| g.api_version() == api_version)
    }
}

/// An export template read under either API group, remembering which.
#[derive(Clone, Debug, PartialEq)]
pub struct AnyExportTemplate {
    /// The group the object was read under (and is written back under).
    pub api_group: TemplateApiGroup,
    /// The template (its typed `apiVersion` is always the example-backend one).
    pub template: APIServiceExportTemplate,
}

impl AnyExportTemplate {
    /// Parse a JSON object of either apiVersion.
    pub fn from_value(value: Value) -> Result<Self, BindTypeError> {
        let api_version = value
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let api_group = TemplateApiGroup::from_api_version(api_version).ok_or_else(|| {
            BindTypeError::UnsupportedApiVersion {
                kind: TEMPLATE_KIND,
                found: api_version.to_owned(),
                expected: TemplateApiGroup::ALL
                    .iter()
                    .map(|g| g.api_version().to_owned())
                    .collect(),
            }
        })?;
        let kind = value
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if kind != TEMPLATE_KIND {
            return Err(BindTypeError::WrongKind {
                expected: TEMPLATE_KIND,
                found: kind.to_owned(),
            });
        }
        let template = serde_json::from_value(value).map_err(|source| BindTypeError::Json {
            what: TEMPLATE_KIND,
            source,
        })?;
        Ok(Self {
            api_group,
            template,
        })
    }

    /// Convert a dynamic object (as listed through discovery) of either apiVersion.
    pub fn from_dynamic(object: &DynamicObject) -> Result<Self, BindTypeError> {
        let value = serde_json::to_value(object).map_err(|source| BindTypeError::Json {
            what: TEMPLATE_KIND,
            source,
        })?;
        Self::from_value(value)
    }

    /// The object as JSON under the apiVersion it was read with.
    pub fn to_value(&self) -> Result<Value, BindTypeError> {
        let mut value =
            serde_json::to_value(&self.template).map_err(|source| BindTypeError::Json {
                what: TEMPLATE_KIND,
                source,
            })?;
        if let Some(obj) = value.as_object_mut() {
            obj.insert(
                "apiVersion".to_owned(),
                Value::String(self.api_group.api_version().to_owned()),
            );
        }
        Ok(value)
    }
}
