#![allow(clippy::unwrap_used)]

mod common;
use common::*;

#[test]
fn explore() {
    let schemas = claim_schemas();
    for dir in ["claims/e2e", "claims/examples", "claims/authored"] {
        let mut files: Vec<_> = std::fs::read_dir(fixtures().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for f in files {
            let v = klutch::claims::read_yaml(&f).unwrap();
            let kind = v["kind"].as_str().unwrap().to_string();
            let Some(s) = schemas.get(&kind) else {
                println!("{}: no schema for {kind}", f.display());
                continue;
            };
            let (_, out) = create(s, &v);
            println!(
                "{}: {:?} {:?}",
                f.file_name().unwrap().to_string_lossy(),
                messages(&out.errors),
                out.warnings
            );
        }
    }
}
