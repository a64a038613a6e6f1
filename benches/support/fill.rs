//! Filling a sandbox's App server for a benchmark: the namespaces `ns-00`, `ns-01`, … and
//! thousands of claims, created 32 at a time.

use anyhow::Result;
use futures::StreamExt;
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DynamicObject, PostParams};
use kube::core::ApiResource;
use serde_json::Value;
use std::time::{Duration, Instant};

/// Create the namespaces `ns-00` to `ns-{count - 1}`.
pub async fn namespaces(client: &kube::Client, count: usize) -> Result<()> {
    let api: Api<Namespace> = Api::all(client.clone());
    for i in 0..count {
        let ns: Namespace = serde_json::from_value(
            serde_json::json!({"metadata": {"name": format!("ns-{i:02}")}}),
        )?;
        api.create(&PostParams::default(), &ns).await?;
    }
    Ok(())
}

/// Create `n` claims, the `i`th being `claim(i)`: its kind, namespace and object. Returns
/// how long that took.
pub async fn claims(
    client: &kube::Client,
    n: usize,
    claim: impl Fn(usize) -> (ApiResource, String, Value),
) -> Result<Duration> {
    let t = Instant::now();
    let results = futures::stream::iter(0..n)
        .map(|i| {
            let client = client.clone();
            let (ar, ns, obj) = claim(i);
            async move {
                let api: Api<DynamicObject> = Api::namespaced_with(client, &ns, &ar);
                let obj: DynamicObject = serde_json::from_value(obj)?;
                api.create(&PostParams::default(), &obj).await?;
                anyhow::Ok(())
            }
        })
        .buffer_unordered(32)
        .collect::<Vec<_>>()
        .await;
    results.into_iter().collect::<Result<Vec<()>>>()?;
    Ok(t.elapsed())
}
