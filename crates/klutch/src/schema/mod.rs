//! CRD schema handling: structural validation, defaulting, pruning and
//! `x-kubernetes-validations` (CEL), with Kubernetes-style field errors.
//!
//! One implementation for the sandbox's API server and for claim validation.

mod error;

pub use error::{FieldError, FieldErrorKind, SchemaError};

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::JSONSchemaProps;
use serde_json::Value;

/// A compiled `openAPIV3Schema` of one CRD version.
#[derive(Debug, Clone)]
pub struct Schema {
    props: JSONSchemaProps,
}

impl Schema {
    /// Compile a schema (and its CEL rules).
    pub fn new(props: JSONSchemaProps) -> Result<Self, SchemaError> {
        Ok(Self { props })
    }

    /// Build from the JSON form of an `openAPIV3Schema`.
    pub fn from_value(value: &Value) -> Result<Self, SchemaError> {
        let props: JSONSchemaProps = serde_json::from_value(value.clone())
            .map_err(|e| SchemaError::Malformed(e.to_string()))?;
        Self::new(props)
    }

    /// The schema as given.
    pub fn props(&self) -> &JSONSchemaProps {
        &self.props
    }

    /// Fill in `default:` values.
    pub fn apply_defaults(&self, _obj: &mut Value) {}

    /// Paths (like `spec.foo`) of fields the schema does not declare.
    pub fn unknown_fields(&self, _obj: &Value) -> Vec<String> {
        Vec::new()
    }

    /// Remove fields the schema does not declare; returns their paths.
    pub fn prune(&self, _obj: &mut Value) -> Vec<String> {
        Vec::new()
    }

    /// Validate an object (and, for transition rules, its previous state).
    pub fn validate(&self, _obj: &Value, _old: Option<&Value>) -> Vec<FieldError> {
        Vec::new()
    }
}
