//! The HTML a person sees from the backend: the catalogue of bindable resources
//! and plain result or error pages. Everything shown is escaped.

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::catalog::Exportable;

const STYLE: &str = "body{font-family:sans-serif;max-width:48em;margin:3em auto;color:#222}\
.card{border:1px solid #ccc;border-radius:6px;padding:.8em 1em;margin:.8em 0}\
.card h2{margin:.1em 0;font-size:1.15em}.muted{color:#666}.error{color:#b00020}\
a.bind{display:inline-block;margin-top:.4em;padding:.3em .9em;background:#1565c0;color:#fff;\
border-radius:4px;text-decoration:none}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{}</title>\
         <style>{STYLE}</style></head><body><h1>{}</h1>{body}</body></html>",
        text(title),
        text(title)
    )
}

/// A page with a title and one message (results and refusals).
pub fn message(title: &str, message: &str) -> String {
    page(
        title,
        &format!("<p class=\"error\" role=\"alert\">{}</p>", text(message)),
    )
}

/// The catalogue: one card per exportable resource with a Bind link.
pub fn resources(provider: &str, sid: &str, exportable: &[Exportable]) -> String {
    let mut body = format!(
        "<p class=\"muted\">Choose a service of <b>{}</b> to bind into your cluster.</p>",
        text(provider)
    );
    if exportable.is_empty() {
        body.push_str("<p>No resources are exported yet.</p>");
    }
    for e in exportable {
        let names = &e.crd.spec.names;
        let group = &e.crd.spec.group;
        let versions: Vec<&str> = e
            .crd
            .spec
            .versions
            .iter()
            .filter(|v| v.served)
            .map(|v| v.name.as_str())
            .collect();
        let href = format!(
            "/bind?s={}&resource={}&group={}",
            encode(sid),
            encode(&names.plural),
            encode(group)
        );
        body.push_str(&format!(
            "<div class=\"card\"><h2>{}</h2><div class=\"muted\">{}.{} · {} · versions {}</div>\
             <a class=\"bind\" href=\"{}\">Bind</a></div>",
            text(&names.kind),
            text(&names.plural),
            text(group),
            text(&e.crd.spec.scope),
            text(&versions.join(", ")),
            attr(&href)
        ));
    }
    page("Bind a service", &body)
}

fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn messages_are_escaped() {
        let html = super::message("t", "<script>&");
        assert!(html.contains("&lt;script&gt;&amp;"), "{html}");
    }
}
