//! Claim validation against the claim CRDs built from the shared XRD fixtures: every upstream
//! example passes, and refusals are placed at their line and column with the CRD rules' own
//! candidates as hints.
#![allow(clippy::unwrap_used)]

use klutch::claims::catalog::Catalog;
use klutch::claims::source::Pos;
use klutch::claims::validate::{Problem, validate_text};
use std::path::Path;

use crate::refusals;
use refusals::refused_creates;

fn fixtures() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/fixtures/claims"
    ))
}

fn catalog() -> Catalog {
    Catalog::from_crds(klutch::claims::fixture_claim_crds(&fixtures().join("xrd")).unwrap())
}

fn problems(text: &str) -> Vec<Problem> {
    validate_text(&catalog(), text).problems
}

/// Where the first problem of `text` is, and its hint.
fn first(text: &str) -> (Pos, Option<String>) {
    let p = problems(text);
    (p[0].pos, p[0].hint.clone())
}

fn at(line: u32, column: u32) -> Pos {
    Pos { line, column }
}

/// A valid a9s PostgreSQL claim; the tests change one line at a time.
const PG: &str = include_str!("data/orders.yaml");

#[test]
fn upstream_examples_pass_and_the_known_refusals_do_not() {
    let catalog = catalog();
    let refused: Vec<String> = refused_creates().into_iter().map(|(f, _)| f).collect();
    let mut checked = 0;
    for dir in ["examples", "e2e"] {
        for entry in std::fs::read_dir(fixtures().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let name = format!("{dir}/{}", path.file_name().unwrap().to_string_lossy());
            if dir == "e2e" && !refused.contains(&name) {
                continue; // updates and binding Secrets, not creates
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let report = validate_text(&catalog, &text);
            assert_eq!(
                report.problems.is_empty(),
                !refused.contains(&name),
                "{name}: {:?}",
                report.problems
            );
            checked += 1;
        }
    }
    assert!(checked >= 30, "{checked}");
    assert!(problems(PG).is_empty());
}

#[test]
fn a_plan_the_rules_refuse_gets_the_valid_plans_for_its_service() {
    let text = PG.replace("postgresql-single-small", "postgresql-single-huge");
    let p = problems(&text);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].pos, Pos { line: 8, column: 9 });
    assert_eq!(p[0].field, "spec");
    assert_eq!(
        p[0].message,
        "Invalid value: \"object\": Unsupported plan used for postgresql"
    );
    let hint = p[0].hint.as_deref().unwrap();
    assert!(
        hint.starts_with("valid plans for a9s-postgresql15 (compositionRef.name a9s-postgresql): postgresql-single-nano, "),
        "{hint}"
    );
    // Bionic plans are for a9s-postgresql13 only (another rule): not offered for 15.
    assert!(!hint.contains("bionic"), "{hint}");
    let text13 = text.replace("a9s-postgresql15", "a9s-postgresql13");
    let hint13 = problems(&text13)[0].hint.clone().unwrap();
    assert!(hint13.contains("postgresql-single-nano-bionic"), "{hint13}");
    // A bionic plan with 15: the rule that refuses it names the service that would take it.
    let bionic = PG.replace("postgresql-single-small", "postgresql-single-small-bionic");
    assert_eq!(
        first(&bionic),
        (at(7, 12), Some("valid services for postgresql-single-small-bionic (compositionRef.name a9s-postgresql): a9s-postgresql13".to_string()))
    );
}

#[test]
fn a_service_the_rules_refuse_and_a_missing_composition() {
    let text = PG.replace("a9s-postgresql15", "a9s-postgresql99");
    assert_eq!(
        first(&text),
        (at(7, 12), Some("valid services for postgresql-single-small (compositionRef.name a9s-postgresql): a9s-postgresql13, a9s-postgresql15, a9s-postgresql17".to_string()))
    );
    let text: String = PG.lines().take(8).map(|l| format!("{l}\n")).collect();
    let p = problems(&text);
    assert!(!p.is_empty());
    assert!(
        p.iter().all(|p| p.pos == Pos { line: 6, column: 1 }),
        "{p:?}"
    );
    let hint = p[0].hint.as_deref().unwrap();
    assert_eq!(
        hint,
        "spec.compositionRef.name is not set and the rules need it; one of: a9s-postgresql"
    );
    // Service 13 is served by both compositions.
    let text = text.replace("a9s-postgresql15", "a9s-postgresql13");
    let hint = problems(&text)[0].hint.clone().unwrap();
    assert!(
        hint.ends_with("one of: a9s-postgresql, a8s-postgresql"),
        "{hint}"
    );
}

#[test]
fn a_rule_that_only_reads_a_field_gets_its_enum_as_candidates() {
    let text = "apiVersion: anynines.com/v1\nkind: KeyvalueInstance\nmetadata:\n  name: cache\nspec:\n  service: a9s-keyvalue8\n  plan: keyvalue-single-small-ssl\n  parameters:\n    hostnameResolution: enabled\n";
    let p = problems(text);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].pos, Pos { line: 7, column: 9 });
    assert_eq!(
        p[0].hint.as_deref(),
        Some(
            "valid plans: keyvalue-replica-small-ssl, keyvalue-replica-medium-ssl, keyvalue-replica-big-ssl"
        )
    );
}

#[test]
fn structural_problems_are_placed() {
    let text = PG.replace(
        "  plan: postgresql-single-small\n",
        "  plan: 5\n  colour: red\n",
    );
    let p = problems(&text);
    let shown: Vec<String> = p.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "8:9: spec.plan: Invalid value: \"integer\": spec.plan in body must be of type string: \"integer\"",
            "9:3: spec.colour: unknown field \"spec.colour\"",
        ],
        "{shown:#?}"
    );
    let p = problems(&PG.replace("kind: PostgresqlInstance", "kind: PostgresInstance"));
    assert_eq!(p[0].pos, Pos { line: 2, column: 7 });
    assert!(
        p[0].message.contains("this cluster serves: Backup, "),
        "{p:?}"
    );
    let p = problems(&PG.replace("name: orders", "name: Orders_DB"));
    assert_eq!(p[0].field, "metadata.name");
    assert_eq!(p[0].pos, Pos { line: 4, column: 9 });
    let p = problems(
        "apiVersion: anynines.com/v1\nkind: Backup\nmetadata:\n  name: b\nspec:\n  instanceRef: x\n  serviceInstanceType: oracle\n  compositionRef: {name: a9s-backup}\n",
    );
    assert_eq!(
        p[0].pos,
        Pos {
            line: 7,
            column: 24
        }
    );
    assert!(
        p[0].message
            .starts_with("Unsupported value: \"oracle\": supported values: "),
        "{p:?}"
    );
}
