//! The App Cluster's side of a bind, the way upstream's CLI leaves it so that either CLI
//! can manage what the other bound: namespace `klutch-bind` (its UID gives the cluster
//! id), the kubeconfig Secret (`generateName: kubeconfig-`, key `kubeconfig`, reused when
//! server and namespace match) and one APIServiceBinding `<resource>.<group>` per export.
//! Permissions are checked before anything is made; each write that fails part-way undoes
//! its own part, and [`undo`] removes what a failed bind made.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{Namespace, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use klutch::bind::names::{KONNECTOR_NAMESPACE, KUBECONFIG_SECRET_KEY};
use klutch::bind::{
    APIServiceBinding, APIServiceBindingSpec, APIServiceBindingStatus, AcceptablePermissionClaim,
    ClaimState, Condition, ConditionSeverity, ConditionStatus, KubeconfigKey, KubeconfigSecretRef,
    cluster_id,
};
use kube::api::{Api, DeleteParams, ListParams, ObjectMeta, PostParams};
use kube::runtime::wait::{await_condition, conditions};
use kube::{Client, ResourceExt};

use super::error::{BindError, kube_text};
use super::machine::{AppFacts, KonnectorMode, Made, NewBinding};
use super::plan::{KubeconfigSecret, kubeconfig_target};

/// The APIServiceBinding CRD (installed by a konnector).
pub const BINDING_CRD: &str = "apiservicebindings.klutch.anynines.com";

fn app_error(what: &str, e: &kube::Error) -> BindError {
    BindError::AppCluster(format!("{what}: {}", kube_text(e)))
}

/// May the App Cluster user `verb` `resource` (in `namespace`)?
async fn may(
    app: &Client,
    verb: &str,
    group: &str,
    resource: &str,
    namespace: Option<&str>,
) -> Result<bool, BindError> {
    crate::cluster::access::may(app, verb, group, resource, namespace)
        .await
        .map_err(|e| app_error("cannot ask what this user may do", &e))
}

/// One permission a bind needs: verb, group, resource, namespace, what for, and the way
/// around it.
type Need = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
);

/// What each mode of the bind needs, checked before anything is made.
async fn preflight(
    app: &Client,
    konnector: &KonnectorMode,
    namespace_exists: bool,
) -> Result<(), BindError> {
    let ns = Some(KONNECTOR_NAMESPACE);
    let mut needs: Vec<Need> = vec![
        (
            "list",
            "",
            "secrets",
            ns,
            "storing the provider's kubeconfig",
            "",
        ),
        (
            "create",
            "",
            "secrets",
            ns,
            "storing the provider's kubeconfig",
            "",
        ),
        (
            "update",
            "",
            "secrets",
            ns,
            "storing the provider's kubeconfig",
            "",
        ),
        (
            "create",
            "klutch.anynines.com",
            "apiservicebindings",
            ns,
            "binding",
            "",
        ),
    ];
    if !namespace_exists {
        needs.push((
            "create",
            "",
            "namespaces",
            None,
            "making namespace klutch-bind",
            "",
        ));
    }
    let no_install = ", or bind with --konnector local (or none) and run the konnector yourself";
    if let KonnectorMode::Install(_) = konnector {
        needs.extend([
            (
                "create",
                "rbac.authorization.k8s.io",
                "clusterroles",
                None,
                "installing the konnector",
                no_install,
            ),
            (
                "create",
                "rbac.authorization.k8s.io",
                "clusterrolebindings",
                None,
                "installing the konnector",
                no_install,
            ),
            (
                "create",
                "",
                "serviceaccounts",
                ns,
                "installing the konnector",
                no_install,
            ),
            (
                "create",
                "apps",
                "deployments",
                ns,
                "installing the konnector",
                no_install,
            ),
        ]);
    }
    if *konnector == KonnectorMode::Local {
        needs.push((
            "create",
            "apiextensions.k8s.io",
            "customresourcedefinitions",
            None,
            "running the konnector here",
            ", or use --konnector install",
        ));
    }
    for (verb, group, resource, namespace, why, alternative) in needs {
        if !may(app, verb, group, resource, namespace).await? {
            return Err(BindError::forbidden(
                verb,
                resource,
                namespace,
                why,
                alternative,
            ));
        }
    }
    Ok(())
}

/// Whether the App Cluster serves APIServiceBindings.
pub async fn bindings_served(app: &Client) -> bool {
    app.list_api_group_resources(klutch::bind::API_VERSION)
        .await
        .is_ok_and(|l| l.resources.iter().any(|r| r.name == "apiservicebindings"))
}

/// Check permissions, ensure `klutch-bind`, and read what is there.
pub async fn inspect(app: &Client, konnector: &KonnectorMode) -> Result<AppFacts, BindError> {
    let namespaces = Api::<Namespace>::all(app.clone());
    let existing = match namespaces.get_opt(KONNECTOR_NAMESPACE).await {
        Ok(ns) => ns,
        Err(kube::Error::Api(s)) if s.code == 403 => {
            return Err(BindError::forbidden(
                "get",
                "namespaces",
                None,
                "reading the cluster id (the UID of namespace klutch-bind)",
                "",
            ));
        }
        Err(e) => return Err(app_error("cannot read namespace klutch-bind", &e)),
    };
    preflight(app, konnector, existing.is_some()).await?;
    let served = bindings_served(app).await;
    if !served && *konnector == KonnectorMode::None {
        return Err(BindError::AppCluster(
            "it does not serve APIServiceBindings yet (no konnector has run there); bind with --konnector install or --konnector local, or start one (klutch-tui konnector) first".into(),
        ));
    }
    let (namespace, created) = match existing {
        Some(ns) => (ns, false),
        None => {
            let ns = Namespace {
                metadata: ObjectMeta {
                    name: Some(KONNECTOR_NAMESPACE.into()),
                    ..ObjectMeta::default()
                },
                ..Namespace::default()
            };
            let made = namespaces
                .create(&PostParams::default(), &ns)
                .await
                .map_err(|e| app_error("cannot create namespace klutch-bind", &e))?;
            (made, true)
        }
    };
    let uid = namespace.metadata.uid.clone().unwrap_or_default();
    let secrets = Api::<Secret>::namespaced(app.clone(), KONNECTOR_NAMESPACE)
        .list(&ListParams::default())
        .await
        .map_err(|e| app_error("cannot list the Secrets in klutch-bind", &e))?
        .items
        .into_iter()
        .filter_map(|s| {
            let data = s.data.as_ref()?.get(KUBECONFIG_SECRET_KEY)?;
            Some(KubeconfigSecret {
                name: s.name_any(),
                target: kubeconfig_target(&data.0)?,
            })
        })
        .collect();
    let bindings = if served {
        Api::<APIServiceBinding>::namespaced(app.clone(), KONNECTOR_NAMESPACE)
            .list(&ListParams::default())
            .await
            .map_err(|e| app_error("cannot list the APIServiceBindings", &e))?
            .items
    } else {
        Vec::new()
    };
    Ok(AppFacts {
        cluster_id: cluster_id(&uid),
        namespace_created: created,
        secrets,
        bindings,
    })
}

/// Write the kubeconfig into `reuse`, or into a new Secret `kubeconfig-…`.
pub async fn store_kubeconfig(
    app: &Client,
    kubeconfig: &[u8],
    reuse: Option<&str>,
) -> Result<(String, bool), BindError> {
    let api = Api::<Secret>::namespaced(app.clone(), KONNECTOR_NAMESPACE);
    let data = BTreeMap::from([(
        KUBECONFIG_SECRET_KEY.to_owned(),
        ByteString(kubeconfig.to_vec()),
    )]);
    if let Some(name) = reuse {
        for _ in 0..3 {
            let mut secret = api
                .get(name)
                .await
                .map_err(|e| app_error(&format!("cannot read Secret klutch-bind/{name}"), &e))?;
            secret
                .data
                .get_or_insert_with(BTreeMap::new)
                .extend(data.clone());
            match api.replace(name, &PostParams::default(), &secret).await {
                Ok(_) => return Ok((name.to_owned(), false)),
                Err(kube::Error::Api(s)) if s.code == 409 => continue,
                Err(e) => {
                    return Err(app_error(
                        &format!("cannot update Secret klutch-bind/{name}"),
                        &e,
                    ));
                }
            }
        }
        return Err(BindError::AppCluster(format!(
            "Secret klutch-bind/{name} keeps changing under us; run bind again"
        )));
    }
    let secret = Secret {
        metadata: ObjectMeta {
            generate_name: Some("kubeconfig-".into()),
            namespace: Some(KONNECTOR_NAMESPACE.into()),
            ..ObjectMeta::default()
        },
        data: Some(data),
        ..Secret::default()
    };
    let made = api
        .create(&PostParams::default(), &secret)
        .await
        .map_err(|e| app_error("cannot create the kubeconfig Secret in klutch-bind", &e))?;
    Ok((made.name_any(), true))
}

fn binding_of(new: &NewBinding) -> APIServiceBinding {
    let claims: Vec<AcceptablePermissionClaim> = new
        .claims
        .iter()
        .map(|(claim, accepted)| AcceptablePermissionClaim {
            claim: claim.clone(),
            state: if *accepted {
                ClaimState::Accepted
            } else {
                ClaimState::Rejected
            },
        })
        .collect();
    let mut binding = APIServiceBinding::new(
        &new.name,
        APIServiceBindingSpec {
            kubeconfig_secret_ref: KubeconfigSecretRef {
                namespace: KONNECTOR_NAMESPACE.into(),
                name: new.secret.clone(),
                key: KubeconfigKey::Kubeconfig,
            },
            permission_claims: (!claims.is_empty()).then_some(claims),
        },
    );
    binding.metadata.namespace = Some(KONNECTOR_NAMESPACE.into());
    binding
}

/// Create the bindings (upstream also marks each `Ready=False Pending`); all or none.
pub async fn create_bindings(
    app: &Client,
    bindings: &[NewBinding],
) -> Result<Vec<Made>, BindError> {
    let api = Api::<APIServiceBinding>::namespaced(app.clone(), KONNECTOR_NAMESPACE);
    let mut made = Vec::new();
    for new in bindings {
        match api.create(&PostParams::default(), &binding_of(new)).await {
            Ok(mut created) => {
                made.push(Made::Binding(new.name.clone()));
                created.status = Some(APIServiceBindingStatus {
                    conditions: Some(vec![Condition::false_(
                        klutch::bind::condition_types::READY,
                        ConditionSeverity::Info,
                        "Pending",
                        "Pending",
                        Time(jiff::Timestamp::now()),
                    )]),
                    ..APIServiceBindingStatus::default()
                });
                // Best effort, as upstream: the konnector writes the real status.
                let _ = api
                    .replace_status(&new.name, &PostParams::default(), &created)
                    .await;
            }
            Err(e) => {
                undo(app, None, &made).await;
                return Err(app_error(
                    &format!("cannot create APIServiceBinding klutch-bind/{}", new.name),
                    &e,
                ));
            }
        }
    }
    Ok(made)
}

/// Wait until every binding is Ready (the konnector connected it).
pub async fn wait_bound(app: &Client, names: &[String], within: Duration) -> Result<(), BindError> {
    let api = Api::<APIServiceBinding>::namespaced(app.clone(), KONNECTOR_NAMESPACE);
    for name in names {
        let ready = |b: Option<&APIServiceBinding>| {
            b.and_then(|b| b.status.as_ref())
                .and_then(|s| s.conditions.as_ref())
                .and_then(|c| klutch::bind::condition(c, klutch::bind::condition_types::READY))
                .is_some_and(|c| c.status == ConditionStatus::True)
        };
        match tokio::time::timeout(within, await_condition(api.clone(), name, ready)).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                return Err(BindError::AppCluster(format!(
                    "cannot watch APIServiceBinding {name}: {e}"
                )));
            }
            Err(_) => {
                let why = api
                    .get_opt(name)
                    .await
                    .ok()
                    .flatten()
                    .and_then(|b| b.status)
                    .and_then(|s| s.conditions)
                    .and_then(|c| {
                        klutch::bind::condition(&c, klutch::bind::condition_types::READY)
                            .and_then(|c| c.message.clone())
                    })
                    .unwrap_or_else(|| "no konnector has reported on it".into());
                return Err(BindError::Timeout {
                    step: "waiting until bound",
                    seconds: within.as_secs(),
                    detail: format!(
                        "{name}: {why}; check the konnector (klutch-tui konnector, or the klutch-bind/konnector Deployment)"
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Wait until the App Cluster serves APIServiceBindings (a konnector installs the CRD).
pub async fn wait_bindings_served(app: &Client, within: Duration) -> Result<(), BindError> {
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    let crds = Api::<CustomResourceDefinition>::all(app.clone());
    match tokio::time::timeout(
        within,
        await_condition(crds, BINDING_CRD, conditions::is_crd_established()),
    )
    .await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(BindError::Konnector(format!("cannot watch the CRDs: {e}"))),
        Err(_) => Err(BindError::Timeout {
            step: "the konnector",
            seconds: within.as_secs(),
            detail: format!("CRD {BINDING_CRD} was not installed; check the konnector's log"),
        }),
    }
}

/// Remove what a failed bind made in the App Cluster (and, with `cp`, on the Control
/// Plane), newest first; what could not be removed, in words.
pub async fn undo(app: &Client, cp: Option<&Client>, made: &[Made]) -> Vec<String> {
    let mut left = Vec::new();
    let dp = DeleteParams::background();
    for m in made.iter().rev() {
        let (what, result) = match m {
            Made::Binding(name) => (
                format!("APIServiceBinding klutch-bind/{name}"),
                Api::<APIServiceBinding>::namespaced(app.clone(), KONNECTOR_NAMESPACE)
                    .delete(name, &dp)
                    .await
                    .map(|_| ()),
            ),
            Made::Secret(name) => (
                format!("Secret klutch-bind/{name}"),
                Api::<Secret>::namespaced(app.clone(), KONNECTOR_NAMESPACE)
                    .delete(name, &dp)
                    .await
                    .map(|_| ()),
            ),
            Made::Namespace(name) => (
                format!("Namespace {name}"),
                Api::<Namespace>::all(app.clone())
                    .delete(name, &dp)
                    .await
                    .map(|_| ()),
            ),
            Made::ExportRequest { namespace, name } => match cp {
                Some(cp) => (
                    format!("APIServiceExportRequest {namespace}/{name}"),
                    super::control_plane::delete_request(cp, namespace, name).await,
                ),
                None => continue,
            },
            Made::Object { .. } => (
                super::konnector::describe(m),
                super::konnector::delete_object(app, m).await,
            ),
        };
        match result {
            Ok(()) => tracing::info!(%what, "bind: rolled back"),
            Err(kube::Error::Api(s)) if s.code == 404 => {}
            Err(e) => left.push(format!("{what} ({})", kube_text(&e))),
        }
    }
    left
}
