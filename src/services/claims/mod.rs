//! The claims service: what a developer does with proxy claims — validate claim YAML before
//! anything is sent, apply it (server dry-run, a diff against the live object, server-side
//! apply as `klutch-tui`), pair an App claim with its Control Plane copy, take backups and
//! restores and follow them to the end, read a service binding's credentials.
//!
//! No terminal here: the headless commands call this API directly and print; the cockpit
//! reaches it through effects. Validation is pure and synchronous (per keystroke); everything
//! that talks to a cluster is async, and long waits are streams of progress.

pub mod apply;
pub mod backup;
pub mod credentials;
pub mod diff;
pub mod pairing;
pub mod related;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use klutch::claims::ClaimKind;
use klutch::claims::catalog::Catalog;
pub use klutch::claims::validate::{Problem, Report, validate_text};
use kube::Client;
use kube::api::{Api, DynamicObject, ListParams};
use kube::core::{ApiResource, GroupVersionKind};
use tokio::sync::OnceCell;

/// The field manager of everything this service writes.
pub const FIELD_MANAGER: &str = "klutch-tui";

/// Why the claim kinds could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The CRDs could not be listed.
    #[error(
        "cannot read the claim kinds the App Cluster serves (list CustomResourceDefinitions): {0}"
    )]
    List(#[source] kube::Error),
}

/// The claims service for one App Cluster (and, for pairing, its Control Plane).
pub struct Claims {
    app: Client,
    cp: Option<Client>,
    catalog: OnceCell<Catalog>,
}

impl Claims {
    /// The service on `app`, with the Control Plane `cp` when one is connected.
    pub fn new(app: Client, cp: Option<Client>) -> Claims {
        Claims {
            app,
            cp,
            catalog: OnceCell::new(),
        }
    }

    /// The App Cluster's client.
    pub fn app(&self) -> &Client {
        &self.app
    }

    /// The Control Plane's client, when one is connected.
    pub fn control_plane(&self) -> Option<&Client> {
        self.cp.as_ref()
    }

    /// The namespace objects go to when they name none (the kubeconfig context's).
    pub fn default_namespace(&self) -> &str {
        self.app.default_namespace()
    }

    /// The claim kinds the App Cluster serves, from its CRDs (read once).
    pub async fn catalog(&self) -> Result<&Catalog, CatalogError> {
        self.catalog
            .get_or_try_init(|| async {
                let api: Api<CustomResourceDefinition> = Api::all(self.app.clone());
                let list = api
                    .list(&ListParams::default())
                    .await
                    .map_err(CatalogError::List)?;
                let claims = list
                    .items
                    .into_iter()
                    .filter(|crd| crd.spec.group == klutch::claims::GROUP);
                Ok(Catalog::from_crds(claims))
            })
            .await
    }
}

/// Why a claim operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ClaimsError {
    /// The claim kinds could not be read.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// The App Cluster does not serve the kind.
    #[error("the App Cluster serves no {0} claims: bind it first: klutch-tui bind URL")]
    NotBound(&'static str),
    /// No such claim.
    #[error("no {what} named {name:?} in namespace {namespace}")]
    NotFound {
        /// What was looked for.
        what: String,
        /// Its name.
        name: String,
        /// Where.
        namespace: String,
    },
    /// The name is taken by claims of several kinds.
    #[error("{name:?} names a {kinds} in namespace {namespace}; say which, e.g. {example}")]
    Ambiguous {
        /// The name.
        name: String,
        /// The kinds, joined.
        kinds: String,
        /// The namespace.
        namespace: String,
        /// `KIND/NAME` of the first.
        example: String,
    },
    /// The claim could not be built.
    #[error(transparent)]
    Build(#[from] klutch::claims::builders::BuildError),
    /// The API server failed a request.
    #[error("{what}: {source}")]
    Api {
        /// What was being done.
        what: String,
        /// The server's answer.
        #[source]
        source: kube::Error,
    },
}

impl Claims {
    /// The resource of a claim kind as the App Cluster serves it.
    pub async fn resource(&self, kind: ClaimKind) -> Result<ApiResource, ClaimsError> {
        let catalog = self.catalog().await?;
        let served = catalog
            .get(klutch::claims::GROUP, kind.kind())
            .ok_or(ClaimsError::NotBound(kind.kind()))?;
        let version = served
            .preferred()
            .ok_or(ClaimsError::NotBound(kind.kind()))?;
        let gvk = GroupVersionKind::gvk(&served.group, &version.name, &served.kind);
        Ok(ApiResource::from_gvk_with_plural(&gvk, &served.plural))
    }

    /// A claim of `kind` by name.
    pub async fn get(
        &self,
        kind: ClaimKind,
        namespace: &str,
        name: &str,
    ) -> Result<DynamicObject, ClaimsError> {
        let resource = self.resource(kind).await?;
        let api: Api<DynamicObject> = Api::namespaced_with(self.app.clone(), namespace, &resource);
        api.get_opt(name)
            .await
            .map_err(api_err(format!("reading {} {name}", kind.kind())))?
            .ok_or_else(|| ClaimsError::NotFound {
                what: kind.kind().to_string(),
                name: name.to_string(),
                namespace: namespace.to_string(),
            })
    }
}

/// The error of a failed request, saying what was being done.
pub(crate) fn api_err(what: impl Into<String>) -> impl FnOnce(kube::Error) -> ClaimsError {
    let what = what.into();
    move |source| ClaimsError::Api { what, source }
}

/// A claim as JSON with `apiVersion` and `kind` set.
pub(crate) fn to_json(obj: &DynamicObject, resource: &ApiResource) -> serde_json::Value {
    crate::cluster::entry::object_json(obj, &resource.api_version, &resource.kind)
}
