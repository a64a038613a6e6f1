//! An App claim and its Control Plane copy, found the way the konnector maps them: the
//! APIServiceBinding of the claim's kind (`<plural>.anynines.com` in `klutch-bind`) names the
//! kubeconfig Secret whose context namespace is the cluster namespace on the Control Plane;
//! the APIServiceNamespace named like the App namespace there says (`status.namespace`)
//! where the copies live; the copy has the claim's name. Without a binding on the App side
//! (a Control Plane context used as the App Cluster, say) the cluster namespace is the one
//! holding an APIServiceNamespace of that name, when only one does.

use super::{Claims, ClaimsError, api_err, to_json};
use k8s_openapi::api::core::v1::Secret;
use klutch::bind::names::KONNECTOR_NAMESPACE;
use klutch::bind::{APIServiceBinding, APIServiceNamespace};
use klutch::claims::ClaimKind;
use klutch::claims::pairing::{self, Sync};
use kube::api::{Api, DynamicObject, ListParams};
use serde_json::Value;

/// A claim and its copy.
#[derive(Clone, Debug)]
pub struct Pair {
    /// The claim's kind.
    pub kind: ClaimKind,
    /// Its App namespace.
    pub namespace: String,
    /// Its name (the copy's too).
    pub name: String,
    /// The binding's cluster namespace on the Control Plane.
    pub cluster_namespace: String,
    /// Where the copies of this App namespace live (`None`: not mapped yet).
    pub cp_namespace: Option<String>,
    /// The App claim.
    pub app: Value,
    /// The Control Plane copy.
    pub cp: Option<Value>,
    /// Whether the copy has caught up, and how long it took.
    pub sync: Sync,
}

/// Why a claim could not be paired.
#[derive(Debug, thiserror::Error)]
pub enum PairError {
    /// No Control Plane is connected.
    #[error("pairing needs the Control Plane: name its context with --cp-context")]
    NoControlPlane,
    /// The claim could not be read.
    #[error(transparent)]
    Claims(#[from] ClaimsError),
    /// Neither side says which cluster namespace serves this App Cluster.
    #[error(
        "no cluster namespace on the Control Plane maps namespace {namespace} ({why}); bind it first: klutch-tui bind URL"
    )]
    Unmapped {
        /// The App namespace.
        namespace: String,
        /// What was looked at.
        why: String,
    },
}

impl Claims {
    /// The claim `name` of `kind` in `namespace` and its Control Plane copy.
    pub async fn pair(
        &self,
        kind: ClaimKind,
        namespace: &str,
        name: &str,
    ) -> Result<Pair, PairError> {
        let cp = self.cp.clone().ok_or(PairError::NoControlPlane)?;
        let resource = self.resource(kind).await?;
        let app = to_json(&self.get(kind, namespace, name).await?, &resource);
        let cluster_namespace = self.cluster_namespace(kind, namespace, &cp).await?;
        let mapping: Api<APIServiceNamespace> = Api::namespaced(cp.clone(), &cluster_namespace);
        let cp_namespace = mapping
            .get_opt(namespace)
            .await
            .map_err(api_err(format!(
                "reading APIServiceNamespace {namespace} in {cluster_namespace}"
            )))?
            .and_then(|m| m.status.and_then(|s| s.namespace));
        let copy = match &cp_namespace {
            Some(ns) => Api::<DynamicObject>::namespaced_with(cp.clone(), ns, &resource)
                .get_opt(name)
                .await
                .map_err(api_err(format!("reading the copy of {name} in {ns}")))?
                .map(|o| to_json(&o, &resource)),
            None => None,
        };
        let sync = pairing::sync(&app, copy.as_ref());
        Ok(Pair {
            kind,
            namespace: namespace.to_string(),
            name: name.to_string(),
            cluster_namespace,
            cp_namespace,
            app,
            cp: copy,
            sync,
        })
    }

    /// The cluster namespace on the Control Plane that serves `kind` for this App Cluster.
    async fn cluster_namespace(
        &self,
        kind: ClaimKind,
        namespace: &str,
        cp: &kube::Client,
    ) -> Result<String, PairError> {
        let binding = format!("{}.{}", kind.plural(), klutch::claims::GROUP);
        let bindings: Api<APIServiceBinding> =
            Api::namespaced(self.app.clone(), KONNECTOR_NAMESPACE);
        let found = match bindings.get_opt(&binding).await {
            Ok(found) => found,
            // No APIServiceBinding kind here: a Control Plane context used as the App Cluster.
            Err(kube::Error::Api(s)) if s.code == 404 => None,
            Err(e) => return Err(api_err(format!("reading APIServiceBinding {binding}"))(e).into()),
        };
        if let Some(b) = found {
            let r = &b.spec.kubeconfig_secret_ref;
            let secrets: Api<Secret> = Api::namespaced(self.app.clone(), &r.namespace);
            let secret = secrets.get(&r.name).await.map_err(api_err(format!(
                "reading the kubeconfig Secret {}/{} of {binding}",
                r.namespace, r.name
            )))?;
            if let Some(ns) = kubeconfig_namespace(&secret) {
                return Ok(ns);
            }
        }
        let all: Api<APIServiceNamespace> = Api::all(cp.clone());
        let named = all
            .list(&ListParams::default().fields(&format!("metadata.name={namespace}")))
            .await
            .map_err(api_err("listing APIServiceNamespaces"))?;
        let homes: Vec<String> = named
            .items
            .into_iter()
            .filter_map(|m| m.metadata.namespace)
            .collect();
        match homes.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(PairError::Unmapped {
                namespace: namespace.to_string(),
                why: format!(
                    "no APIServiceBinding {binding} in {KONNECTOR_NAMESPACE}, no APIServiceNamespace {namespace}"
                ),
            }),
            several => Err(PairError::Unmapped {
                namespace: namespace.to_string(),
                why: format!(
                    "APIServiceNamespaces {namespace} in {} and no APIServiceBinding {binding} to choose",
                    several.join(", ")
                ),
            }),
        }
    }
}

/// The namespace of the current context of the kubeconfig in a binding's Secret.
fn kubeconfig_namespace(secret: &Secret) -> Option<String> {
    let bytes = secret
        .data
        .as_ref()?
        .get(klutch::bind::names::KUBECONFIG_SECRET_KEY)?;
    let kc = kube::config::Kubeconfig::from_yaml(std::str::from_utf8(&bytes.0).ok()?).ok()?;
    let current = kc.current_context.as_deref()?;
    let context = kc.contexts.iter().find(|c| c.name == current)?;
    context.context.as_ref()?.namespace.clone()
}
