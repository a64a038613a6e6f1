//! One claim being reconciled: read access to its fields, and the provider's writes to it —
//! metadata and spec by merge patch, status through the status subresource — each
//! conditional on the resourceVersion it was computed from, so that a decision made on a
//! stale copy never overwrites a newer state (the write fails with a conflict and the newer
//! version's watch event reconciles again).

use super::context::Shared;
use super::crossplane::{self, Flavour};
use super::{MANAGER, ProviderError, Result};
use klutch::claims::ClaimKind;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::core::ApiResource;
use serde_json::{Value, json};

pub struct Claim {
    pub obj: DynamicObject,
    pub kind: ClaimKind,
    api: Api<DynamicObject>,
}

impl Claim {
    pub fn new(
        shared: &Shared,
        ar: &ApiResource,
        kind: ClaimKind,
        obj: &DynamicObject,
    ) -> Result<Self> {
        let ns = obj
            .metadata
            .namespace
            .clone()
            .ok_or_else(|| ProviderError::NoNamespace {
                kind: kind.kind().to_string(),
                name: obj.metadata.name.clone().unwrap_or_default(),
            })?;
        Ok(Self {
            obj: obj.clone(),
            kind,
            api: Api::namespaced_with(shared.client.clone(), &ns, ar),
        })
    }

    pub fn name(&self) -> &str {
        self.obj.metadata.name.as_deref().unwrap_or_default()
    }

    pub fn namespace(&self) -> &str {
        self.obj.metadata.namespace.as_deref().unwrap_or_default()
    }

    pub fn uid(&self) -> &str {
        self.obj.metadata.uid.as_deref().unwrap_or_default()
    }

    pub fn flavour(&self) -> Flavour {
        Flavour::of(&self.obj.data, self.kind)
    }

    pub fn spec(&self, field: &str) -> Option<&Value> {
        self.obj.data.get("spec").and_then(|s| s.get(field))
    }

    pub fn spec_str(&self, field: &str) -> Option<&str> {
        self.spec(field).and_then(Value::as_str)
    }

    pub fn status(&self) -> &Value {
        self.obj.data.get("status").unwrap_or(&Value::Null)
    }

    /// `status.managed.<field>`.
    pub fn managed(&self, field: &str) -> Option<&Value> {
        self.status().get("managed").and_then(|m| m.get(field))
    }

    pub fn managed_str(&self, field: &str) -> Option<&str> {
        self.managed(field).and_then(Value::as_str)
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.obj
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(key))
            .map(String::as_str)
    }

    pub fn deletion_time(&self) -> Option<jiff::Timestamp> {
        self.obj.metadata.deletion_timestamp.as_ref().map(|t| t.0)
    }

    fn params(&self) -> PatchParams {
        PatchParams {
            field_manager: Some(MANAGER.to_string()),
            ..Default::default()
        }
    }

    fn api_error(&self, action: &'static str, source: kube::Error) -> ProviderError {
        if let kube::Error::Api(status) = &source
            && status.code == 409
        {
            return ProviderError::Conflict {
                kind: self.kind.kind().to_string(),
                namespace: self.namespace().to_string(),
                name: self.name().to_string(),
            };
        }
        ProviderError::Api {
            action,
            kind: self.kind.kind().to_string(),
            namespace: self.namespace().to_string(),
            name: self.name().to_string(),
            source: Box::new(source),
        }
    }

    fn resource_version(&self) -> Value {
        json!(self.obj.metadata.resource_version)
    }

    /// Merge `patch` (metadata and spec) into the claim.
    pub async fn patch(&mut self, mut patch: Value) -> Result<()> {
        patch["metadata"]["resourceVersion"] = self.resource_version();
        let name = self.name().to_string();
        let obj = self
            .api
            .patch(&name, &self.params(), &Patch::Merge(&patch))
            .await
            .map_err(|e| self.api_error("patching", e))?;
        self.obj = obj;
        Ok(())
    }

    /// Replace the whole status; nothing is written when it is unchanged. Whether it wrote.
    pub async fn write_status(&mut self, status: Value) -> Result<bool> {
        if self.obj.data.get("status") == Some(&status) {
            return Ok(false);
        }
        let ops = json!([
            {"op": "replace", "path": "/metadata/resourceVersion", "value": self.resource_version()},
            {"op": "add", "path": "/status", "value": status},
        ]);
        let ops: json_patch::Patch = serde_json::from_value(ops).map_err(|e| {
            self.api_error("building the status patch for", kube::Error::SerdeError(e))
        })?;
        let name = self.name().to_string();
        let obj = self
            .api
            .patch_status(&name, &self.params(), &Patch::<()>::Json(ops))
            .await
            .map_err(|e| self.api_error("writing the status of", e))?;
        self.obj = obj;
        Ok(true)
    }

    /// Remove an annotation (no-op when absent).
    pub async fn remove_annotation(&mut self, key: &str) -> Result<()> {
        if self.annotation(key).is_none() {
            return Ok(());
        }
        self.patch(json!({"metadata": {"annotations": {key: null}}}))
            .await
    }
}

/// The `spec.resourceRef` (and, where the XRD has one and the claim lacks it, the default
/// `compositionRef`) Crossplane sets on a claim it binds, as a merge patch; `None` when both
/// are already there.
pub fn crossplane_spec(claim: &Claim) -> Option<Value> {
    let mut spec = serde_json::Map::new();
    if claim.spec("resourceRef").is_none() {
        spec.insert(
            "resourceRef".into(),
            crossplane::resource_ref(claim.kind, claim.name(), claim.uid()),
        );
    }
    if claim.spec("compositionRef").is_none() {
        spec.insert(
            "compositionRef".into(),
            json!({"name": claim.kind.default_composition()}),
        );
    }
    (!spec.is_empty()).then(|| json!({"spec": spec}))
}
