//! The connection details of a service binding: the Secret the provider writes for it (a9s:
//! `<binding>-creds`; a8s: the one `status.managed.secret` names, `<binding>-service-binding`
//! by default), which the konnector brings to the App Cluster. Read only when asked for, never
//! logged: the values live in a type whose `Debug` shows the keys only.

use super::{Claims, ClaimsError, api_err, to_json};
use k8s_openapi::api::core::v1::Secret;
use klutch::claims::{ClaimKind, Flavour};
use kube::api::Api;
use std::collections::BTreeMap;
use std::fmt;

/// A binding's connection details, key by key.
pub struct Credentials {
    /// The Secret they came from.
    pub secret: String,
    values: BTreeMap<String, String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("secret", &self.secret)
            .field("keys", &self.values.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Credentials {
    /// Every key and value, sorted by key.
    pub fn values(&self) -> &BTreeMap<String, String> {
        &self.values
    }
}

/// Why there are no credentials to show.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// The binding could not be read.
    #[error(transparent)]
    Claims(#[from] ClaimsError),
    /// The binding has no Secret yet.
    #[error(
        "service binding {binding} has no Secret {secret} in namespace {namespace} yet (the binding is {state}); wait until it is Ready: klutch-tui get servicebindings {binding} -n {namespace} --watch"
    )]
    NotYet {
        /// The binding.
        binding: String,
        /// The Secret it will have.
        secret: String,
        /// Its namespace.
        namespace: String,
        /// How the binding is doing.
        state: String,
    },
}

/// The name of the Secret the provider writes for the ServiceBinding `binding` (`json`).
pub fn secret_name(binding: &str, json: &serde_json::Value) -> String {
    match Flavour::of(json, ClaimKind::ServiceBinding) {
        Flavour::A9s => format!("{binding}-creds"),
        Flavour::A8s => json
            .pointer("/status/managed/secret/name")
            .and_then(|v| v.as_str())
            .map_or_else(|| format!("{binding}-service-binding"), str::to_string),
    }
}

impl Claims {
    /// The connection details of the ServiceBinding `binding` in `namespace`.
    pub async fn credentials(
        &self,
        namespace: &str,
        binding: &str,
    ) -> Result<Credentials, CredentialsError> {
        let obj = self
            .get(ClaimKind::ServiceBinding, namespace, binding)
            .await?;
        let json = to_json(&obj, &self.resource(ClaimKind::ServiceBinding).await?);
        let secret = secret_name(binding, &json);
        let api: Api<Secret> = Api::namespaced(self.app.clone(), namespace);
        let found = api
            .get_opt(&secret)
            .await
            .map_err(api_err(format!("reading Secret {secret}")))?;
        let Some(found) = found else {
            let st = klutch::status::status(&json, &klutch::status::conditions(&json), false);
            let state = match st.message {
                Some(m) => format!("{}: {m}", st.text),
                None => st.text,
            };
            return Err(CredentialsError::NotYet {
                binding: binding.to_string(),
                secret,
                namespace: namespace.to_string(),
                state,
            });
        };
        let values = found
            .data
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, String::from_utf8_lossy(&v.0).into_owned()))
            .collect();
        Ok(Credentials { secret, values })
    }
}
