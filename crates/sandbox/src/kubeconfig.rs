//! The kubeconfig the sandbox writes: contexts `klutch-app` and `klutch-control-plane`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

pub const APP_CONTEXT: &str = "klutch-app";
pub const CONTROL_PLANE_CONTEXT: &str = "klutch-control-plane";

pub fn render(
    ca_pem: &str,
    app_url: &str,
    app_token: &str,
    cp_url: &str,
    cp_token: &str,
) -> String {
    let ca = STANDARD.encode(ca_pem.as_bytes());
    let cluster = |name: &str, url: &str| json!({"name": name, "cluster": {"server": url, "certificate-authority-data": ca}});
    let user = |name: &str, token: &str| json!({"name": format!("{name}-admin"), "user": {"token": token}});
    let context = |name: &str| json!({"name": name, "context": {"cluster": name, "user": format!("{name}-admin"), "namespace": "default"}});
    let doc = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [cluster(APP_CONTEXT, app_url), cluster(CONTROL_PLANE_CONTEXT, cp_url)],
        "users": [user(APP_CONTEXT, app_token), user(CONTROL_PLANE_CONTEXT, cp_token)],
        "contexts": [context(APP_CONTEXT), context(CONTROL_PLANE_CONTEXT)],
        "current-context": APP_CONTEXT,
        "preferences": {},
    });
    serde_saphyr::to_string(&doc).unwrap_or_else(|_| doc.to_string())
}
