//! A persistent sandbox's files hold its CA key, admin tokens and (in the databases)
//! ServiceAccount tokens and kubeconfig Secrets: whatever the umask, the state directory
//! is 0700 and every file in it 0600, and files are written under names nobody could
//! have prepared.
#![allow(clippy::unwrap_used)]

use crate::common;
use common::*;
use std::os::unix::fs::PermissionsExt;

fn mode(p: &std::path::Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread")]
async fn state_files_are_private_whatever_the_umask() {
    // The usual umask, which would leave new files readable by everyone (0644).
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o022));
    let outer = tempfile::tempdir().unwrap();
    let state = outer.path().join("state");
    // A file an earlier run left readable, and a link planted at the name the kubeconfig's
    // temporary file once had, pointing at a file of the "attacker".
    std::fs::create_dir_all(&state).unwrap();
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(state.join("klutch-tui.log"), "old log\n").unwrap();
    std::fs::set_permissions(
        state.join("klutch-tui.log"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let bait = outer.path().join("bait");
    std::fs::write(&bait, "untouched").unwrap();
    let kubeconfig = outer.path().join("kubeconfig");
    std::os::unix::fs::symlink(
        &bait,
        kubeconfig.with_extension(format!("tmp{}", std::process::id())),
    )
    .unwrap();

    let env = Env::start_with(|c| {
        c.state_dir = Some(state.clone());
        c.kubeconfig_out = kubeconfig.clone();
        c.info_out = outer.path().join("info.json");
    })
    .await;
    assert_eq!(mode(&state), 0o700, "the state directory");
    let mut files: Vec<String> = Vec::new();
    for entry in std::fs::read_dir(&state).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        assert_eq!(mode(&entry.path()), 0o600, "{name}");
        assert!(!name.ends_with(".tmp"), "a temporary file was left: {name}");
        files.push(name);
    }
    for f in [
        "app.redb",
        "control-plane.redb",
        "sandbox-state.json",
        "sandbox.lock",
    ] {
        assert!(files.iter().any(|n| n == f), "{f} in {files:?}");
    }
    assert_eq!(mode(&kubeconfig), 0o600, "the kubeconfig");
    assert_eq!(
        mode(&outer.path().join("info.json")),
        0o600,
        "the info file"
    );
    assert_eq!(std::fs::read_to_string(&bait).unwrap(), "untouched");
    env.sb.shutdown().await;
}
