//! What a bind leaves behind, made the way the bind walkthrough makes it: an ID token from
//! the sandbox's issuer (password grant), the backend's headless `POST /bind/token` (cluster
//! namespace, ClusterBinding, binder ServiceAccount and kubeconfig), the export requests
//! created on the Control Plane with the binder's kubeconfig until they succeed, then in the
//! App Cluster the kubeconfig Secret in `klutch-bind` and one APIServiceBinding
//! `<resource>.<group>` per resource, every permission claim accepted.

use super::Env;
use k8s_openapi::api::core::v1::{Namespace, Secret};
use klutch::bind::names::{KONNECTOR_NAMESPACE, KUBECONFIG_SECRET_KEY};
use klutch::bind::{
    APIServiceBinding, APIServiceBindingSpec, APIServiceExportRequest, AcceptablePermissionClaim,
    BindingResponse, ClaimState, ExportRequestPhase, KubeconfigKey, KubeconfigSecretRef,
};
use kube::api::{Api, ObjectMeta, Patch, PatchParams, PostParams};
use kube::runtime::wait::await_condition;
use serde_json::json;
use std::time::Duration;

/// The claim resources of the sandbox (group, plural).
pub const PG: (&str, &str) = ("anynines.com", "postgresqlinstances");
pub const SB: (&str, &str) = ("anynines.com", "servicebindings");
pub const BACKUPS: (&str, &str) = ("anynines.com", "backups");
pub const RESTORES: (&str, &str) = ("anynines.com", "restores");

/// The name of the kubeconfig Secret in `klutch-bind`.
pub const SECRET: &str = "kubeconfig-sandbox";

/// What a bind made.
pub struct Bound {
    /// The cluster namespace on the Control Plane.
    pub cluster_ns: String,
    /// The binder's kubeconfig (YAML).
    pub kubeconfig: Vec<u8>,
    /// The backend's answer.
    pub response: BindingResponse,
}

/// An ID token of the sandbox's issuer for `developer`, by password grant.
pub async fn token(env: &Env) -> String {
    let info = env.sb.info();
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/token", info.oidc_issuer))
        .form(&[
            ("grant_type", "password"),
            ("client_id", sandbox::CLI_CLIENT_ID),
            ("username", "developer"),
            ("password", "developer"),
            ("scope", "openid profile email"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["id_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no id_token: {answer}"))
        .to_owned()
}

/// The headless bind of `resources` for the App Cluster `cluster_id`.
pub async fn headless_bind(
    env: &Env,
    cluster_id: &str,
    resources: &[(&str, &str)],
) -> BindingResponse {
    let token = token(env).await;
    let resources: Vec<_> = resources
        .iter()
        .map(|(g, r)| json!({"group": g, "resource": r}))
        .collect();
    let response = reqwest::Client::new()
        .post(format!("{}/bind/token", env.sb.info().bind_url))
        .bearer_auth(token)
        .json(&json!({"clusterID": cluster_id, "resources": resources}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "headless bind refused");
    response.json().await.unwrap()
}

/// A client from a kubeconfig the backend handed out, and its context namespace.
pub async fn binder(kubeconfig: &[u8]) -> (kube::Client, String) {
    let kc = kube::config::Kubeconfig::from_yaml(std::str::from_utf8(kubeconfig).unwrap()).unwrap();
    let ns = kc.contexts[0]
        .context
        .as_ref()
        .unwrap()
        .namespace
        .clone()
        .unwrap();
    let cfg = kube::Config::from_custom_kubeconfig(kc, &Default::default())
        .await
        .unwrap();
    (kube::Client::try_from(cfg).unwrap(), ns)
}

/// Bind `resources` end to end (see the module doc); the bindings exist when this returns.
pub async fn bind(env: &Env, resources: &[(&str, &str)]) -> Bound {
    let response = headless_bind(env, "sandbox-app", resources).await;
    let (client, cluster_ns) = binder(&response.kubeconfig).await;
    let requests = Api::<APIServiceExportRequest>::namespaced(client, &cluster_ns);
    for request in &response.requests {
        let made = requests
            .create(&PostParams::default(), &request.to_request(&cluster_ns))
            .await
            .unwrap();
        let name = made.metadata.name.unwrap();
        let done = tokio::time::timeout(
            Duration::from_secs(20),
            await_condition(
                requests.clone(),
                &name,
                |r: Option<&APIServiceExportRequest>| {
                    r.is_some_and(|r| r.phase() != ExportRequestPhase::Pending)
                },
            ),
        )
        .await
        .expect("the export request ends within 20 s")
        .unwrap()
        .unwrap();
        assert_eq!(done.phase(), ExportRequestPhase::Succeeded, "{done:?}");
    }
    write_app_side(env, &response).await;
    Bound {
        cluster_ns,
        kubeconfig: response.kubeconfig.clone(),
        response,
    }
}

/// The App Cluster's half of a bind: namespace, kubeconfig Secret, the binding CRD and the
/// bindings.
pub async fn write_app_side(env: &Env, response: &BindingResponse) {
    let apply = PatchParams::apply("klutch-tui-test").force();
    Api::<Namespace>::all(env.app.clone())
        .patch(
            KONNECTOR_NAMESPACE,
            &apply,
            &Patch::Apply(json!({"apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": KONNECTOR_NAMESPACE}})),
        )
        .await
        .unwrap();
    Api::<Secret>::namespaced(env.app.clone(), KONNECTOR_NAMESPACE)
        .patch(
            SECRET,
            &apply,
            &Patch::Apply(json!({"apiVersion": "v1", "kind": "Secret",
                "metadata": {"name": SECRET, "namespace": KONNECTOR_NAMESPACE},
                "stringData": {KUBECONFIG_SECRET_KEY: String::from_utf8_lossy(&response.kubeconfig)}})),
        )
        .await
        .unwrap();
    klutch_tui::services::konnector::ensure_binding_crd(&env.app)
        .await
        .unwrap();
    let bindings = Api::<APIServiceBinding>::namespaced(env.app.clone(), KONNECTOR_NAMESPACE);
    for request in &response.requests {
        let name = request.metadata.name.clone();
        let claims: Vec<AcceptablePermissionClaim> = request
            .spec
            .resources
            .iter()
            .flat_map(|r| r.permission_claims.clone().unwrap_or_default())
            .map(|claim| AcceptablePermissionClaim {
                claim,
                state: ClaimState::Accepted,
            })
            .collect();
        let binding = APIServiceBinding {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                namespace: Some(KONNECTOR_NAMESPACE.into()),
                ..ObjectMeta::default()
            },
            spec: APIServiceBindingSpec {
                kubeconfig_secret_ref: KubeconfigSecretRef {
                    namespace: KONNECTOR_NAMESPACE.into(),
                    name: SECRET.into(),
                    key: KubeconfigKey::Kubeconfig,
                },
                permission_claims: (!claims.is_empty()).then_some(claims),
            },
            status: None,
        };
        bindings
            .create(&PostParams::default(), &binding)
            .await
            .unwrap();
    }
}
