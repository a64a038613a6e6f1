//! The Control Plane's side of a bind, through the kubeconfig the backend handed out (the
//! binder's ServiceAccount in the cluster namespace): the export requests — named
//! `<resource>.<group>`, `generateName` `<name>-` when that name is taken, as upstream's
//! CLI — and waiting, by watch, until the backend has turned them into exports.

use std::time::Duration;

use klutch::bind::{
    APIServiceExport, APIServiceExportRequest, APIServiceExportRequestResponse, ExportRequestPhase,
};
use kube::api::{Api, DeleteParams, PostParams};
use kube::runtime::wait::await_condition;
use kube::{Client, ResourceExt};

use super::error::{BindError, kube_text};
use super::machine::Made;

/// How long the backend may take to answer an export request.
pub const EXPORT_TIMEOUT: Duration = Duration::from_secs(120);

fn cp_error(what: &str, e: &kube::Error) -> BindError {
    BindError::ControlPlane(format!("{what}: {}", kube_text(e)))
}

/// A client from the handed-out kubeconfig, and its namespace (the cluster namespace).
pub async fn client(kubeconfig: &[u8]) -> Result<(Client, String), BindError> {
    let bad =
        |reason: String| BindError::ControlPlane(format!("the handed-out kubeconfig: {reason}"));
    let text = std::str::from_utf8(kubeconfig).map_err(|e| bad(e.to_string()))?;
    let kc = kube::config::Kubeconfig::from_yaml(text).map_err(|e| bad(e.to_string()))?;
    let config =
        kube::Config::from_custom_kubeconfig(kc, &kube::config::KubeConfigOptions::default())
            .await
            .map_err(|e| bad(e.to_string()))?;
    let namespace = config.default_namespace.clone();
    let client = Client::try_from(config).map_err(|e| bad(e.to_string()))?;
    Ok((client, namespace))
}

/// Create the requests whose export does not exist yet; all or none.
pub async fn create_requests(
    cp: &Client,
    namespace: &str,
    requests: &[APIServiceExportRequestResponse],
) -> Result<(Vec<Made>, Vec<String>), BindError> {
    let api = Api::<APIServiceExportRequest>::namespaced(cp.clone(), namespace);
    let exports = Api::<APIServiceExport>::namespaced(cp.clone(), namespace);
    let mut made = Vec::new();
    let mut existing = Vec::new();
    for request in requests {
        let name = request.metadata.name.clone();
        let exported = request
            .spec
            .resources
            .iter()
            .map(|r| r.crd_name())
            .collect::<Vec<_>>();
        let mut all_there = !exported.is_empty();
        for export in &exported {
            match exports.get_opt(export).await {
                Ok(Some(_)) => {}
                Ok(None) => all_there = false,
                Err(e) => {
                    undo_requests(cp, &made).await;
                    return Err(cp_error(&format!("cannot read export {export}"), &e));
                }
            }
        }
        if all_there {
            existing.extend(exported);
            continue;
        }
        let mut object = request.to_request(namespace);
        let created = match api.create(&PostParams::default(), &object).await {
            Err(kube::Error::Api(s)) if s.code == 409 => {
                // Taken (an older request): upstream retries with a generated name.
                object.metadata.generate_name = Some(format!(
                    "{}-",
                    if name.is_empty() { "export" } else { &name }
                ));
                object.metadata.name = None;
                api.create(&PostParams::default(), &object).await
            }
            other => other,
        };
        match created {
            Ok(r) => made.push(Made::ExportRequest {
                namespace: namespace.to_owned(),
                name: r.name_any(),
            }),
            Err(e) => {
                undo_requests(cp, &made).await;
                return Err(cp_error(
                    &format!("cannot create export request {name} in {namespace}"),
                    &e,
                ));
            }
        }
    }
    Ok((made, existing))
}

async fn undo_requests(cp: &Client, made: &[Made]) {
    for m in made {
        if let Made::ExportRequest { namespace, name } = m {
            let _ = delete_request(cp, namespace, name).await;
        }
    }
}

/// Delete an export request.
pub async fn delete_request(cp: &Client, namespace: &str, name: &str) -> Result<(), kube::Error> {
    Api::<APIServiceExportRequest>::namespaced(cp.clone(), namespace)
        .delete(name, &DeleteParams::background())
        .await
        .map(|_| ())
}

/// Wait until each request is no longer Pending; a Failed one is the backend's denial.
pub async fn wait_for_exports(
    cp: &Client,
    namespace: &str,
    names: &[String],
) -> Result<(), BindError> {
    let api = Api::<APIServiceExportRequest>::namespaced(cp.clone(), namespace);
    for name in names {
        let decided = |r: Option<&APIServiceExportRequest>| {
            r.is_none_or(|r| r.phase() != ExportRequestPhase::Pending)
        };
        let request = match tokio::time::timeout(
            EXPORT_TIMEOUT,
            await_condition(api.clone(), name, decided),
        )
        .await
        {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => {
                return Err(BindError::ControlPlane(format!(
                    "cannot watch export request {name}: {e}"
                )));
            }
            Err(_) => {
                return Err(BindError::Timeout {
                    step: "waiting for the exports",
                    seconds: EXPORT_TIMEOUT.as_secs(),
                    detail: format!(
                        "export request {namespace}/{name} is still Pending; ask the Control Plane's operator whether the klutch-bind backend runs"
                    ),
                });
            }
        };
        match request {
            None => {
                return Err(BindError::ExportDenied {
                    name: name.clone(),
                    message: "it was deleted before it was answered".into(),
                });
            }
            Some(r) if r.phase() == ExportRequestPhase::Failed => {
                let message = r
                    .status
                    .and_then(|s| s.terminal_message)
                    .unwrap_or_else(|| "no reason given".into());
                return Err(BindError::ExportDenied {
                    name: name.clone(),
                    message,
                });
            }
            Some(_) => {}
        }
    }
    Ok(())
}
