//! The claim kinds klutch names against the XRD fixtures: every XRD has its kind, with the
//! same group, version, plural and default composition, and every kind has its XRD.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::fixtures;
use klutch::claims::{self, ClaimKind};
use serde_json::Value;
use std::collections::BTreeSet;

#[test]
fn claim_kinds_match_the_xrds() {
    let dir = fixtures().join("claims/xrd");
    let mut seen = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let xrd = claims::read_yaml(&path).unwrap();
        let spec = &xrd["spec"];
        let name = spec["claimNames"]["kind"].as_str().unwrap();
        let kind = ClaimKind::from_kind(name).unwrap_or_else(|| panic!("{name} is not known"));
        assert_eq!(spec["group"], claims::GROUP, "{name}");
        assert_eq!(spec["claimNames"]["plural"], kind.plural(), "{name}");
        assert_eq!(
            spec["defaultCompositionRef"]["name"],
            kind.default_composition(),
            "{name}"
        );
        let versions: Vec<&Value> = spec["versions"].as_array().unwrap().iter().collect();
        assert!(
            versions.iter().any(|v| v["name"] == claims::VERSION),
            "{name}"
        );
        seen.insert(kind);
    }
    assert_eq!(seen, ClaimKind::ALL.into_iter().collect());
}
