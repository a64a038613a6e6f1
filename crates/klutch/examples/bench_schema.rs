//! Prints how long the API server's write pipeline (prune, default, validate incl. CEL) takes
//! for 1,000 PostgresqlInstance claims built from the claim CRD of the fixture XRD, and for
//! updates of the same claims (transition rules with `oldSelf`), then the creates again on two
//! threads sharing the compiled schema.
//!
//! Run: `cargo run --release -p klutch --example bench_schema`

use klutch::claims;
use klutch::schema::{Operation, Schema};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::{Duration, Instant};

const CLAIMS: usize = 1_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let xrd_path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/fixtures/claims/xrd/postgresql_definition.yaml"
    ));
    let started = Instant::now();
    let crd = claims::crd_from_xrd(&claims::read_yaml(&xrd_path)?)?;
    let props = crd.spec.versions[0]
        .schema
        .clone()
        .and_then(|s| s.open_api_v3_schema)
        .ok_or("the claim CRD has no schema")?;
    let schema = Schema::new(props)?;
    println!("compile claim CRD + schema: {:?}", started.elapsed());

    let plans = [
        "postgresql-single-nano",
        "postgresql-single-small",
        "postgresql-replica-big",
    ];
    let objects: Vec<Value> = (0..CLAIMS)
        .map(|i| {
            json!({
                "apiVersion": "anynines.com/v1",
                "kind": "PostgresqlInstance",
                "metadata": {"name": format!("pg-{i}"), "namespace": "team-a"},
                "spec": {
                    "service": "a9s-postgresql13",
                    "plan": plans[i % plans.len()],
                    "compositionRef": {"name": "a9s-postgresql"},
                    "parameters": {"maxConnections": 100, "walWriterDelay": 200, "logStatement": "ddl"},
                    "unknownField": true
                }
            })
        })
        .collect();

    let mut stored = Vec::with_capacity(CLAIMS);
    let started = Instant::now();
    let mut invalid = 0;
    for obj in &objects {
        let mut obj = obj.clone();
        schema.prune(&mut obj);
        schema.apply_defaults(&mut obj);
        if !schema.check(&obj, Operation::Create).is_valid() {
            invalid += 1;
        }
        stored.push(obj);
    }
    report(
        "create (prune + default + validate)",
        started.elapsed(),
        invalid,
    );

    let started = Instant::now();
    let mut refused = 0;
    for old in &stored {
        let mut new = old.clone();
        new["spec"]["plan"] = json!("postgresql-replica-small");
        schema.prune(&mut new);
        schema.apply_defaults(&mut new);
        if !schema.check(&new, Operation::Update { old }).is_valid() {
            refused += 1;
        }
    }
    report("update (transition rules)", started.elapsed(), refused);

    // The sandbox validates writes concurrently: the same creates on two threads sharing one
    // compiled schema.
    let started = Instant::now();
    let halves = objects.split_at(CLAIMS / 2);
    let refused: usize = std::thread::scope(|scope| {
        [halves.0, halves.1]
            .map(|half| {
                let schema = &schema;
                scope.spawn(move || {
                    half.iter()
                        .filter(|obj| {
                            let mut obj = (*obj).clone();
                            schema.prune(&mut obj);
                            schema.apply_defaults(&mut obj);
                            !schema.check(&obj, Operation::Create).is_valid()
                        })
                        .count()
                })
            })
            .into_iter()
            .map(|h| h.join().unwrap_or(0))
            .sum()
    });
    report("create on 2 threads", started.elapsed(), refused);
    Ok(())
}

fn report(what: &str, total: Duration, failures: usize) {
    println!(
        "{what}: {CLAIMS} claims in {total:?} ({:?} per claim, {failures} refused)",
        total / CLAIMS as u32
    );
}
