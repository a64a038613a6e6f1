//! The data the sandbox embeds is a verbatim copy of the shared fixtures (no drift), and
//! every embedded CRD and template can be built and parsed.
#![allow(clippy::unwrap_used)]

use crate::common;
use common::fixtures;

#[test]
fn embedded_assets_match_the_fixtures() {
    let pairs = [
        ("crds", "crds/bind", sandbox::controlplane::BIND_CRDS),
        ("xrd", "claims/xrd", sandbox::controlplane::XRDS),
        (
            "export-templates",
            "export-templates",
            sandbox::controlplane::EXPORT_TEMPLATES,
        ),
    ];
    for (_, fixture_dir, files) in pairs {
        for (file, text) in files {
            let fixture = fixtures().join(fixture_dir).join(file);
            match std::fs::read_to_string(&fixture) {
                Ok(expected) => {
                    assert_eq!(*text, expected, "{file} differs from {}", fixture.display())
                }
                Err(_) => assert_eq!(
                    *file,
                    "keyvalue_apiserviceexporttemplate.yaml",
                    "{} is missing",
                    fixture.display()
                ),
            }
        }
    }
    let crds = sandbox::controlplane::crds().unwrap();
    assert_eq!(crds.len(), 7 + 11);
    let names: Vec<&str> = crds
        .iter()
        .map(|c| c["metadata"]["name"].as_str().unwrap())
        .collect();
    for want in [
        "postgresqlinstances.anynines.com",
        "servicebindings.anynines.com",
        "backups.anynines.com",
        "restores.anynines.com",
        "apiserviceexportrequests.klutch.anynines.com",
    ] {
        assert!(names.contains(&want), "{names:?}");
    }
}
