//! The kubeconfig the sandbox writes: contexts `klutch-app` and `klutch-control-plane`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use std::io::Write;
use std::path::Path;

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

/// Write a file readable only by its owner, atomically (temp file + rename).
pub fn write_private(path: &Path, content: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(content)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}
