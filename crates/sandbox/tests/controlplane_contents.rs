//! What a fresh sandbox's Control Plane holds, seen with kubectl as an operator would: the
//! bind CRDs, one claim CRD per XRD (Established), and one APIServiceExportTemplate per
//! exported resource, each selecting a CRD that exists. Expectations come from the shared
//! fixtures, not from the sandbox's own copy of them.
#![allow(clippy::unwrap_used)]

use crate::common;
use common::*;
use serde_json::Value;
use std::collections::BTreeSet;

const CP: &str = sandbox::CONTROL_PLANE_CONTEXT;

/// Every YAML document of the fixture files in `dir` whose name matches `keep`.
fn documents(dir: &str, keep: impl Fn(&str) -> bool) -> Vec<Value> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(fixtures().join(dir)).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        if !keep(&file) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let docs: Vec<Value> = serde_saphyr::from_multiple(&text).unwrap();
        out.extend(docs.into_iter().filter(|d| d.is_object()));
    }
    out
}

fn lines(s: &str) -> BTreeSet<String> {
    s.lines()
        .map(str::to_owned)
        .filter(|l| !l.is_empty())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_control_plane_holds_the_bind_crds_claim_crds_and_templates() {
    let env = Env::start().await;
    let crds = lines(
        &env.ok(&[
            "--context",
            CP,
            "get",
            "crds",
            "-o",
            "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}",
        ])
        .await,
    );

    // The bind CRDs, as upstream ships them in klutch.anynines.com and the template group.
    let bind: Vec<Value> = documents("crds/bind", |f| !f.starts_with("release-bundle"));
    assert_eq!(bind.len(), 7);
    for crd in &bind {
        let name = crd["metadata"]["name"].as_str().unwrap();
        assert!(crds.contains(name), "bind CRD {name} missing: {crds:?}");
    }

    // One claim CRD per XRD: <claim plural>.<group>, Established.
    let xrds = documents("claims/xrd", |f| f.ends_with(".yaml"));
    assert_eq!(
        xrds.len(),
        11,
        "eight data services, ServiceBinding, Backup, Restore"
    );
    for xrd in &xrds {
        let name = format!(
            "{}.{}",
            xrd["spec"]["claimNames"]["plural"].as_str().unwrap(),
            xrd["spec"]["group"].as_str().unwrap()
        );
        assert!(crds.contains(&name), "claim CRD {name} missing");
        let established = env
            .ok(&[
                "--context",
                CP,
                "get",
                "crd",
                &name,
                "-o",
                "jsonpath={.status.conditions[?(@.type==\"Established\")].status}",
            ])
            .await;
        assert_eq!(established, "True", "{name}");
    }

    // One template per exported resource (upstream's bind/deploy/resources, plus the
    // keyvalue one upstream lacks), listed with -A as the "done" says.
    let mut want: BTreeSet<String> = documents("export-templates", |f| {
        f.ends_with("_apiserviceexporttemplate.yaml")
    })
    .iter()
    .map(|t| {
        format!(
            "{}/{} {}.{}",
            t["metadata"]["namespace"].as_str().unwrap(),
            t["metadata"]["name"].as_str().unwrap(),
            t["spec"]["APIServiceSelector"]["resource"]
                .as_str()
                .unwrap(),
            t["spec"]["APIServiceSelector"]["group"].as_str().unwrap(),
        )
    })
    .collect();
    assert_eq!(want.len(), 10);
    let got = lines(
        &env.ok(&[
            "--context",
            CP,
            "get",
            "apiserviceexporttemplates",
            "-A",
            "-o",
            "jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name} {.spec.APIServiceSelector.resource}.{.spec.APIServiceSelector.group}{\"\\n\"}{end}",
        ])
        .await,
    );
    let extra: Vec<&String> = got.difference(&want).collect();
    assert_eq!(
        extra.len(),
        1,
        "only the authored keyvalue template is extra: {extra:?}"
    );
    assert!(
        extra[0].ends_with(" keyvalueinstances.anynines.com"),
        "{extra:?}"
    );
    want.insert(extra[0].clone());
    assert_eq!(got, want);
    for line in &got {
        let crd = line.split_once(' ').unwrap().1;
        assert!(
            crds.contains(crd),
            "template {line} selects a CRD that is not there"
        );
    }
    // The default table lists them too, one row each under a NAMESPACE column.
    let table = env
        .ok(&["--context", CP, "get", "apiserviceexporttemplates", "-A"])
        .await;
    assert!(table.starts_with("NAMESPACE"), "{table}");
    assert_eq!(table.lines().count(), got.len() + 1, "{table}");
    env.sb.shutdown().await;
}
