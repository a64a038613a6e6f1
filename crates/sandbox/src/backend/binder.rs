//! What `/bind` does on the Control Plane for one identity (`<sub>#<clusterID>`):
//! find or create its cluster namespace (annotated with the identity, generateName
//! `cluster-`), the ClusterBinding `cluster`, the ServiceAccount `klutch-binder`
//! with a legacy token Secret, its RoleBinding, and the kubeconfig Secret; returns
//! that kubeconfig. A namespace made by a call that then fails is deleted again,
//! so no half-made cluster is left behind.

use std::time::Duration;

use k8s_openapi::api::core::v1::{Namespace, Secret};
use klutch::bind::names::{
    ANNOTATION_IDENTITY, BINDER_SERVICE_ACCOUNT, CLUSTER_BINDING_NAME, CLUSTER_NAMESPACE_PREFIX,
    KUBECONFIG_SECRET_KEY,
};
use klutch::bind::{ClusterBinding, ClusterBindingSpec, KubeconfigKey, LocalKubeconfigSecretRef};
use kube::api::{Api, DeleteParams, ListParams, ObjectMeta, Patch, PatchParams, PostParams};
use serde_json::json;

use super::{MANAGER, rbac};

/// Name (and key) of the kubeconfig Secret in a cluster namespace.
pub const KUBECONFIG_SECRET: &str = "kubeconfig";
/// How long the API server may take to fill the token Secret.
const TOKEN_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error("{what} failed on the Control Plane: {source}")]
    Kube {
        what: String,
        #[source]
        source: kube::Error,
    },
    #[error(
        "the token of ServiceAccount {namespace}/klutch-binder was not issued within 10 s (is the token controller running?)"
    )]
    TokenTimeout { namespace: String },
    #[error("waiting for the token in Secret {namespace}/klutch-binder failed: {message}")]
    Wait { namespace: String, message: String },
}

fn kube_err(what: impl Into<String>) -> impl FnOnce(kube::Error) -> BindError {
    let what = what.into();
    move |source| BindError::Kube { what, source }
}

/// The outcome of a bind: the cluster namespace and the kubeconfig for it.
#[derive(Debug)]
pub struct Bound {
    pub namespace: String,
    /// YAML; secret (it carries a token).
    pub kubeconfig: Vec<u8>,
}

/// Makes cluster namespaces and their credentials.
pub struct Binder {
    client: kube::Client,
    pretty_name: String,
    server: String,
    ca_pem: String,
    /// One bind at a time, so that two logins of the same identity find one namespace.
    lock: tokio::sync::Mutex<()>,
}

impl Binder {
    /// `server` and `ca_pem` are what the handed-out kubeconfig points at and trusts.
    pub fn new(client: kube::Client, pretty_name: &str, server: &str, ca_pem: &str) -> Self {
        Self {
            client,
            pretty_name: pretty_name.to_owned(),
            server: server.to_owned(),
            ca_pem: ca_pem.to_owned(),
            lock: tokio::sync::Mutex::new(()),
        }
    }

    /// Find or make the cluster namespace of `identity` and everything in it.
    pub async fn bind(&self, identity: &str) -> Result<Bound, BindError> {
        let _guard = self.lock.lock().await;
        let (namespace, created) = self.namespace_for(identity).await?;
        match self.furnish(&namespace).await {
            Ok(kubeconfig) => Ok(Bound {
                namespace,
                kubeconfig,
            }),
            Err(e) => {
                if created {
                    let api = Api::<Namespace>::all(self.client.clone());
                    if let Err(error) = api.delete(&namespace, &DeleteParams::default()).await {
                        tracing::warn!(%namespace, %error, "bind backend: cannot remove a half-made cluster namespace");
                    }
                }
                Err(e)
            }
        }
    }

    /// The namespace annotated with `identity`, or a new one; and whether it is new.
    async fn namespace_for(&self, identity: &str) -> Result<(String, bool), BindError> {
        let api = Api::<Namespace>::all(self.client.clone());
        let list = api
            .list(&ListParams::default())
            .await
            .map_err(kube_err("listing namespaces"))?;
        let found = list.items.iter().find(|ns| {
            ns.metadata.deletion_timestamp.is_none()
                && ns
                    .metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(ANNOTATION_IDENTITY))
                    .is_some_and(|v| v == identity)
        });
        if let Some(name) = found.and_then(|ns| ns.metadata.name.clone()) {
            return Ok((name, false));
        }
        let ns = Namespace {
            metadata: ObjectMeta {
                generate_name: Some(CLUSTER_NAMESPACE_PREFIX.to_owned()),
                annotations: Some([(ANNOTATION_IDENTITY.to_owned(), identity.to_owned())].into()),
                ..ObjectMeta::default()
            },
            ..Namespace::default()
        };
        let made = api
            .create(&PostParams::default(), &ns)
            .await
            .map_err(kube_err("creating a cluster namespace"))?;
        let name = made.metadata.name.unwrap_or_default();
        tracing::info!(namespace = %name, "bind backend: created a cluster namespace");
        Ok((name, true))
    }

    /// ClusterBinding, ServiceAccount, token, RoleBinding and kubeconfig Secret.
    async fn furnish(&self, ns: &str) -> Result<Vec<u8>, BindError> {
        let apply = PatchParams::apply(MANAGER).force();
        let bindings = Api::<ClusterBinding>::namespaced(self.client.clone(), ns);
        let secret_name = match bindings
            .get_opt(CLUSTER_BINDING_NAME)
            .await
            .map_err(kube_err(format!("reading ClusterBinding {ns}/cluster")))?
        {
            Some(existing) => existing.spec.kubeconfig_secret_ref.name,
            None => {
                let cb = ClusterBinding::new(
                    CLUSTER_BINDING_NAME,
                    ClusterBindingSpec {
                        kubeconfig_secret_ref: LocalKubeconfigSecretRef {
                            name: KUBECONFIG_SECRET.to_owned(),
                            key: KubeconfigKey::default(),
                        },
                        provider_pretty_name: self.pretty_name.clone(),
                        service_provider_spec: None,
                    },
                );
                bindings
                    .create(&PostParams::default(), &cb)
                    .await
                    .map_err(kube_err(format!("creating ClusterBinding {ns}/cluster")))?;
                KUBECONFIG_SECRET.to_owned()
            }
        };
        let accounts =
            Api::<k8s_openapi::api::core::v1::ServiceAccount>::namespaced(self.client.clone(), ns);
        accounts
            .patch(
                BINDER_SERVICE_ACCOUNT,
                &apply,
                &Patch::Apply(json!({"apiVersion": "v1", "kind": "ServiceAccount",
                    "metadata": {"name": BINDER_SERVICE_ACCOUNT}})),
            )
            .await
            .map_err(kube_err(format!(
                "applying ServiceAccount {ns}/klutch-binder"
            )))?;
        rbac::apply_binder_role_binding(&self.client, ns)
            .await
            .map_err(kube_err(format!("applying RoleBinding {ns}/klutch-binder")))?;
        let secrets = Api::<Secret>::namespaced(self.client.clone(), ns);
        secrets
            .patch(
                BINDER_SERVICE_ACCOUNT,
                &apply,
                &Patch::Apply(json!({"apiVersion": "v1", "kind": "Secret",
                    "type": "kubernetes.io/service-account-token",
                    "metadata": {"name": BINDER_SERVICE_ACCOUNT,
                        "annotations": {"kubernetes.io/service-account.name": BINDER_SERVICE_ACCOUNT}}})),
            )
            .await
            .map_err(kube_err(format!("applying Secret {ns}/klutch-binder")))?;
        let has_token = |s: Option<&Secret>| {
            s.and_then(|s| s.data.as_ref())
                .is_some_and(|d| d.get("token").is_some_and(|t| !t.0.is_empty()))
        };
        let filled = tokio::time::timeout(
            TOKEN_TIMEOUT,
            kube::runtime::wait::await_condition(
                secrets.clone(),
                BINDER_SERVICE_ACCOUNT,
                has_token,
            ),
        )
        .await
        .map_err(|_| BindError::TokenTimeout {
            namespace: ns.to_owned(),
        })?
        .map_err(|e| BindError::Wait {
            namespace: ns.to_owned(),
            message: e.to_string(),
        })?;
        let token = filled
            .and_then(|s| s.data)
            .and_then(|d| d.get("token").cloned())
            .map(|t| String::from_utf8_lossy(&t.0).into_owned())
            .ok_or_else(|| BindError::TokenTimeout {
                namespace: ns.to_owned(),
            })?;
        let kubeconfig = self.kubeconfig(ns, &token);
        secrets
            .patch(
                &secret_name,
                &apply,
                &Patch::Apply(
                    json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                    "metadata": {"name": secret_name},
                    "stringData": {KUBECONFIG_SECRET_KEY: String::from_utf8_lossy(&kubeconfig)}}),
                ),
            )
            .await
            .map_err(kube_err(format!("applying Secret {ns}/{secret_name}")))?;
        Ok(kubeconfig)
    }

    /// One cluster, context and user, all named `default`; the context's namespace
    /// is the cluster namespace.
    fn kubeconfig(&self, ns: &str, token: &str) -> Vec<u8> {
        use base64::Engine;
        let ca = base64::engine::general_purpose::STANDARD.encode(self.ca_pem.as_bytes());
        let doc = json!({
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "default", "cluster": {"server": self.server, "certificate-authority-data": ca}}],
            "users": [{"name": "default", "user": {"token": token}}],
            "contexts": [{"name": "default", "context": {"cluster": "default", "user": "default", "namespace": ns}}],
            "current-context": "default",
        });
        serde_saphyr::to_string(&doc)
            .unwrap_or_else(|_| doc.to_string())
            .into_bytes()
    }
}
