//! The upstream bind CRDs in ../shared/fixtures load as they are, and objects of them
//! (the export templates among them) can be created and read back.
#![allow(clippy::unwrap_used)]

use crate::common;
use common::*;

#[tokio::test(flavor = "multi_thread")]
async fn bind_crds_and_templates_load() {
    let env = Env::start().await;
    let dir = fixtures().join("crds/bind");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("release-bundle")
        {
            continue;
        }
        let out = env
            .ok(&[
                "--context",
                sandbox::CONTROL_PLANE_CONTEXT,
                "apply",
                "-f",
                path.to_str().unwrap(),
            ])
            .await;
        names.push(out);
    }
    assert_eq!(names.len(), 7);
    let crds = env
        .ok(&[
            "--context",
            sandbox::CONTROL_PLANE_CONTEXT,
            "get",
            "crds",
            "-o",
            "name",
        ])
        .await;
    for want in [
        "apiserviceexportrequests.klutch.anynines.com",
        "apiserviceexporttemplates.example-backend.klutch.anynines.com",
        "clusterbindings.klutch.anynines.com",
    ] {
        assert!(crds.contains(want), "{crds}");
    }
    // The release bundle ships the template kind under bind.anynines.com too.
    env.ok(&[
        "--context",
        sandbox::CONTROL_PLANE_CONTEXT,
        "apply",
        "-f",
        dir.join("release-bundle_kube-bind-crds.yaml")
            .to_str()
            .unwrap(),
    ])
    .await;
    // The sandbox made crossplane-system when it installed its templates.
    env.ok(&[
        "--context",
        sandbox::CONTROL_PLANE_CONTEXT,
        "get",
        "namespace",
        "crossplane-system",
    ])
    .await;
    let templates = fixtures().join("export-templates");
    let mut applied = 0;
    for entry in std::fs::read_dir(&templates).unwrap() {
        let path = entry.unwrap().path();
        let o = env
            .kubectl(&[
                "--context",
                sandbox::CONTROL_PLANE_CONTEXT,
                "apply",
                "-f",
                path.to_str().unwrap(),
            ])
            .await;
        assert_eq!(o.code, 0, "{}: {}{}", path.display(), o.stdout, o.stderr);
        applied += 1;
    }
    assert!(applied >= 9);
    let listed = env
        .ok(&[
            "--context",
            sandbox::CONTROL_PLANE_CONTEXT,
            "get",
            "apiserviceexporttemplates.example-backend.klutch.anynines.com",
            "-A",
            "-o",
            "name",
        ])
        .await;
    assert!(listed.lines().count() >= 7, "{listed}");
    // A ClusterBinding must be named `cluster` (a CEL rule in the fixture CRD).
    let cb = "apiVersion: klutch.anynines.com/v1alpha1\nkind: ClusterBinding\nmetadata:\n  name: cluster\n  namespace: default\nspec:\n  kubeconfigSecretRef: {name: kubeconfig, key: kubeconfig}\n  providerPrettyName: sandbox\n";
    let o = env
        .kubectl_stdin(
            &[
                "--context",
                sandbox::CONTROL_PLANE_CONTEXT,
                "apply",
                "-f",
                "-",
            ],
            cb,
        )
        .await;
    assert_eq!(o.code, 0, "{}", o.stderr);
}
