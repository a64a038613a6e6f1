//! Unbinding: delete one APIServiceBinding in `klutch-bind`. What stays is said plainly:
//! the export and the objects on the Control Plane are kept (the backend owns them), and
//! so is the kubeconfig Secret (the konnector may still need it to let go, and binding
//! again reuses it).

use klutch::bind::APIServiceBinding;
use klutch::bind::names::KONNECTOR_NAMESPACE;
use kube::api::{Api, DeleteParams, ListParams};
use kube::{Client, ResourceExt};

use super::app::bindings_served;
use super::error::{BindError, kube_text};

/// What an unbind did and left.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unbound {
    /// The binding deleted.
    pub binding: String,
    /// The kubeconfig Secret (kept).
    pub secret: String,
    /// The other bindings that use that Secret.
    pub sharing: Vec<String>,
    /// The provider it was bound to, if the binding said.
    pub provider: Option<String>,
}

/// The binding `resource` names: `<resource>.<group>`, or a plural that only one has.
pub async fn find(app: &Client, resource: &str) -> Result<APIServiceBinding, BindError> {
    if !bindings_served(app).await {
        return Err(BindError::AppCluster(
            "it has no APIServiceBindings (nothing was ever bound here)".into(),
        ));
    }
    let all = Api::<APIServiceBinding>::namespaced(app.clone(), KONNECTOR_NAMESPACE)
        .list(&ListParams::default())
        .await
        .map_err(|e| {
            BindError::AppCluster(format!(
                "cannot list the APIServiceBindings: {}",
                kube_text(&e)
            ))
        })?
        .items;
    let matches: Vec<&APIServiceBinding> = all
        .iter()
        .filter(|b| {
            let name = b.name_any();
            name == resource
                || name
                    .split_once('.')
                    .is_some_and(|(plural, _)| plural == resource)
        })
        .collect();
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(BindError::AppCluster(format!(
            "no APIServiceBinding {resource:?} in {KONNECTOR_NAMESPACE}; bound are: {}",
            if all.is_empty() {
                "none".to_owned()
            } else {
                all.iter()
                    .map(ResourceExt::name_any)
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ))),
        several => Err(BindError::AppCluster(format!(
            "{resource:?} names several bindings ({}); name one with its group",
            several
                .iter()
                .map(|b| b.name_any())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Delete `binding`.
pub async fn unbind(app: &Client, binding: &APIServiceBinding) -> Result<Unbound, BindError> {
    let api = Api::<APIServiceBinding>::namespaced(app.clone(), KONNECTOR_NAMESPACE);
    let name = binding.name_any();
    api.delete(&name, &DeleteParams::background())
        .await
        .map_err(|e| {
            BindError::AppCluster(format!(
                "cannot delete APIServiceBinding {name}: {}",
                kube_text(&e)
            ))
        })?;
    let secret = binding.spec.kubeconfig_secret_ref.name.clone();
    let sharing = api
        .list(&ListParams::default())
        .await
        .map(|l| {
            l.items
                .iter()
                .filter(|b| b.name_any() != name && b.spec.kubeconfig_secret_ref.name == secret)
                .map(ResourceExt::name_any)
                .collect()
        })
        .unwrap_or_default();
    Ok(Unbound {
        binding: name,
        secret,
        sharing,
        provider: binding
            .status
            .as_ref()
            .and_then(|s| s.provider_pretty_name.clone()),
    })
}
