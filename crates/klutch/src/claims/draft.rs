//! A new claim as YAML a person edits: the [`Skeleton`]'s example claim, with a comment above
//! each field that says what it may be (the values its `enum` or CEL rules name) and a header
//! that names the required fields. Valid as it stands, so that submitting it unchanged works.

use super::skeleton::Skeleton;

/// Width comment lines are wrapped to.
const WIDTH: usize = 88;

/// The YAML of a new claim `name` in `namespace`, commented.
pub fn yaml(skeleton: &Skeleton, name: &str, namespace: &str) -> String {
    let example = skeleton.example(name, namespace);
    let body = serde_saphyr::to_string(&example).unwrap_or_default();
    let required: Vec<&str> = skeleton
        .fields
        .iter()
        .filter(|f| f.required && f.path.matches('.').count() == 1)
        .map(|f| f.path.as_str())
        .collect();
    let mut out = format!(
        "# A new {}. Change what you need, then ctrl-s: the server checks it\n# and shows what it would create before anything is. Required: {}.\n",
        skeleton.kind,
        if required.is_empty() {
            "nothing below spec".to_string()
        } else {
            required.join(", ")
        }
    );
    let mut path: Vec<(usize, String)> = Vec::new();
    for line in body.lines() {
        let indent = line.len() - line.trim_start().len();
        let Some((key, _)) = line.trim_start().split_once(':') else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        while path.last().is_some_and(|(i, _)| *i >= indent) {
            path.pop();
        }
        path.push((indent, key.to_string()));
        let dotted: Vec<&str> = path.iter().map(|(_, k)| k.as_str()).collect();
        let dotted = dotted.join(".");
        if let Some(field) = skeleton.fields.iter().find(|f| f.path == dotted)
            && !field.choices.is_empty()
        {
            let pad = " ".repeat(indent);
            let text = format!("one of: {}", field.choices.join(", "));
            for part in wrap(&text, WIDTH.saturating_sub(indent + 2)) {
                out.push_str(&format!("{pad}# {part}\n"));
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let Some(last) = lines.last_mut() else {
            break;
        };
        if !last.is_empty() && last.len() + 1 + word.len() > width.max(20) {
            lines.push(word.to_string());
        } else {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::catalog::Catalog;
    use crate::claims::skeleton::skeleton;

    #[test]
    fn a_new_postgresql_claim_is_valid_and_names_its_choices() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/fixtures/claims/xrd"
        );
        let catalog = Catalog::from_crds(
            crate::claims::fixture_claim_crds(std::path::Path::new(dir)).unwrap(),
        );
        let s = skeleton(catalog.find("PostgresqlInstance").unwrap()).unwrap();
        let text = yaml(&s, "orders", "team-a");
        assert!(text.starts_with("# A new PostgresqlInstance."), "{text}");
        assert!(text.contains("Required: spec.plan, spec.service"), "{text}");
        assert!(
            text.contains("# one of: a9s-postgresql13, a9s-postgresql15, a9s-postgresql17"),
            "{text}"
        );
        assert!(
            text.contains("# one of: a9s-postgresql, a8s-postgresql"),
            "{text}"
        );
        assert!(text.lines().all(|l| l.len() <= WIDTH + 4), "{text}");
        let report = crate::claims::validate::validate_text(&catalog, &text);
        assert!(report.problems.is_empty(), "{:?}\n{text}", report.problems);
    }
}
