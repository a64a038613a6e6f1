//! The table of refused create fixtures (`refused-creates.yaml` beside this file), shared by
//! the schema module's test (crates/klutch) and the API server's (crates/sandbox).

/// Creates the API server refuses, with every message; all other create fixtures are accepted.
pub fn refused_creates() -> Vec<(String, Vec<String>)> {
    #[derive(serde::Deserialize)]
    struct Refusal {
        fixture: String,
        messages: Vec<String>,
    }
    // From either crate's directory (crates/klutch or crates/sandbox).
    let path = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../klutch/tests/data/refused-creates.yaml"
    ));
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let table: Vec<Refusal> = serde_saphyr::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not a valid refusal table: {e}", path.display()));
    table.into_iter().map(|r| (r.fixture, r.messages)).collect()
}
