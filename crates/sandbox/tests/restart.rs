//! Stopping a sandbox waits for everything that holds its servers (connections, watches,
//! controllers), so a sandbox can start on the same state directory the moment the previous
//! one has stopped, even with clients still connected.
#![allow(clippy::unwrap_used)]

use crate::common;
use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, PostParams, WatchParams};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_sandbox_releases_its_state_at_once() {
    let state = tempfile::tempdir().unwrap();
    let path = state.path().to_path_buf();
    let config = |c: &mut sandbox::SandboxConfig| c.state_dir = Some(path.clone());
    for round in 0..5 {
        let env = common::Env::start_with(config).await;
        let client = env.app().await;
        let cms = Api::<ConfigMap>::namespaced(client.clone(), "default");
        let cm: ConfigMap = serde_json::from_value(
            serde_json::json!({"metadata": {"name": format!("round-{round}")}}),
        )
        .unwrap();
        cms.create(&PostParams::default(), &cm).await.unwrap();
        // A watch stays open on its own connection, and writes keep coming on others,
        // while the sandbox stops.
        let mut watch = cms
            .watch(&WatchParams::default(), "0")
            .await
            .unwrap()
            .boxed();
        assert!(watch.next().await.is_some());
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let cms = cms.clone();
                tokio::spawn(async move {
                    for i in 0.. {
                        let cm: ConfigMap = serde_json::from_value(serde_json::json!(
                            {"metadata": {"name": format!("load-{round}-{w}-{i}")}}))
                        .unwrap();
                        if cms.create(&PostParams::default(), &cm).await.is_err() {
                            break;
                        }
                    }
                })
            })
            .collect();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        env.sb.shutdown().await;
        for w in writers {
            let _ = w.await;
        }
        drop(watch);
        drop(client);
    }
    let env = common::Env::start_with(config).await;
    let names: Vec<String> = Api::<ConfigMap>::namespaced(env.app().await, "default")
        .list(&Default::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter_map(|cm| cm.metadata.name)
        .filter(|n| n.starts_with("round-"))
        .collect();
    assert_eq!(
        names,
        ["round-0", "round-1", "round-2", "round-3", "round-4"]
    );
    env.sb.shutdown().await;
}
