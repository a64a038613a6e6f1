//! The Control Plane as an operator would have set it up: the klutch-bind CRDs, the claim
//! CRDs (built from the XRDs the way Crossplane does), the `crossplane-system` namespace and
//! one APIServiceExportTemplate per exported resource. Installed through the API with
//! server-side apply, so a restart on a persisted state directory changes nothing.

use klutch::bind::TemplateApiGroup;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::Value;

macro_rules! assets {
    ($dir:literal: $($file:literal),* $(,)?) => {
        &[$(($file, include_str!(concat!("../assets/", $dir, "/", $file)))),*]
    };
}

/// The klutch-bind CRDs.
pub const BIND_CRDS: &[(&str, &str)] = assets!("crds":
    "klutch.anynines.com_apiservicebindings.yaml",
    "klutch.anynines.com_apiserviceexportrequests.yaml",
    "klutch.anynines.com_apiserviceexports.yaml",
    "klutch.anynines.com_apiservicenamespaces.yaml",
    "klutch.anynines.com_appclusterbindings.yaml",
    "klutch.anynines.com_clusterbindings.yaml",
    "example-backend.klutch.anynines.com_apiserviceexporttemplates.yaml",
);

/// The XRDs the claim CRDs are made from.
pub const XRDS: &[(&str, &str)] = assets!("xrd":
    "postgresql_definition.yaml",
    "keyvalue_definition.yaml",
    "logme2_definition.yaml",
    "mariadb_definition.yaml",
    "messaging_definition.yaml",
    "mongodb_definition.yaml",
    "prometheus_definition.yaml",
    "search_definition.yaml",
    "servicebinding_definition.yaml",
    "backup_definition.yaml",
    "restore_definition.yaml",
);

/// One template per exported resource.
pub const EXPORT_TEMPLATES: &[(&str, &str)] = assets!("export-templates":
    "postgresql_apiserviceexporttemplate.yaml",
    "keyvalue_apiserviceexporttemplate.yaml",
    "logme_apiserviceexporttemplate.yaml",
    "mariadb_apiserviceexporttemplate.yaml",
    "messaging_apiserviceexporttemplate.yaml",
    "mongodb_apiserviceexporttemplate.yaml",
    "prometheus_apiserviceexporttemplate.yaml",
    "search_apiserviceexporttemplate.yaml",
    "servicebinding_apiserviceexporttemplate.yaml",
    "backup_apiserviceexporttemplate.yaml",
    "restore_apiserviceexporttemplate.yaml",
);

/// The field manager of what the sandbox installs.
pub const MANAGER: &str = "klutch-sandbox";

#[derive(Debug, thiserror::Error)]
pub enum ControlPlaneError {
    #[error("the embedded file {file} is not valid YAML: {message}")]
    Asset { file: String, message: String },
    #[error("building the claim CRD from {file} failed: {source}")]
    ClaimCrd {
        file: String,
        #[source]
        source: klutch::claims::ClaimCrdError,
    },
    #[error("installing {what} on the Control Plane failed: {source}")]
    Install {
        what: String,
        #[source]
        source: kube::Error,
    },
}

fn parse(file: &str, text: &str) -> Result<Value, ControlPlaneError> {
    serde_saphyr::from_str(text).map_err(|e| ControlPlaneError::Asset {
        file: file.into(),
        message: e.to_string(),
    })
}

/// Every CRD the Control Plane serves: bind CRDs, then claim CRDs.
pub fn crds() -> Result<Vec<Value>, ControlPlaneError> {
    let mut out = Vec::new();
    for (file, text) in BIND_CRDS {
        out.push(parse(file, text)?);
    }
    for (file, text) in XRDS {
        let xrd = parse(file, text)?;
        let crd =
            klutch::claims::crd_from_xrd(&xrd).map_err(|source| ControlPlaneError::ClaimCrd {
                file: file.to_string(),
                source,
            })?;
        out.push(
            serde_json::to_value(crd).map_err(|e| ControlPlaneError::Asset {
                file: file.to_string(),
                message: e.to_string(),
            })?,
        );
    }
    Ok(out)
}

async fn apply(api: &Api<DynamicObject>, obj: Value, what: &str) -> Result<(), ControlPlaneError> {
    let name = obj["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let err = |source| ControlPlaneError::Install {
        what: format!("{what} {name}"),
        source,
    };
    let obj: DynamicObject =
        serde_json::from_value(obj).map_err(|e| err(kube::Error::SerdeError(e)))?;
    api.patch(
        &name,
        &PatchParams::apply(MANAGER).force(),
        &Patch::Apply(&obj),
    )
    .await
    .map_err(err)?;
    Ok(())
}

/// Install everything on the Control Plane behind `client`.
pub async fn install(client: &kube::Client) -> Result<(), ControlPlaneError> {
    let crd_ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
        "customresourcedefinitions",
    );
    let crd_api: Api<DynamicObject> = Api::all_with(client.clone(), &crd_ar);
    for crd in crds()? {
        apply(&crd_api, crd, "CRD").await?;
    }
    let ns_ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("", "v1", "Namespace"),
        "namespaces",
    );
    let ns_api: Api<DynamicObject> = Api::all_with(client.clone(), &ns_ar);
    apply(&ns_api, serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "crossplane-system"}}), "namespace").await?;
    // The template assets are written in the example-backend group.
    let t_ar = TemplateApiGroup::ExampleBackend.api_resource();
    for (file, text) in EXPORT_TEMPLATES {
        let t = parse(file, text)?;
        let ns = t["metadata"]["namespace"]
            .as_str()
            .unwrap_or("crossplane-system")
            .to_string();
        let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), &ns, &t_ar);
        apply(&api, t, "export template").await?;
    }
    Ok(())
}
