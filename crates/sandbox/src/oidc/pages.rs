//! The HTML pages a person sees: the login form of the code flow, the device
//! verification form, and plain result or error pages. All text is escaped.

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

const STYLE: &str = "body{font-family:sans-serif;max-width:26em;margin:4em auto;color:#222}\
form{display:grid;gap:.6em}input{padding:.4em;font-size:1em}\
.error{color:#b00020;font-weight:bold}.note{color:#666;font-size:.9em}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>{}</title><style>{STYLE}</style></head><body><h1>{}</h1>{body}</body></html>",
        text(title),
        text(title)
    )
}

fn error_line(error: Option<&str>) -> String {
    error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", text(e)))
        .unwrap_or_default()
}

const CREDENTIALS: &str = "<label>Username <input name=\"username\" autocomplete=\"username\" \
    required autofocus></label><label>Password <input name=\"password\" type=\"password\" \
    autocomplete=\"current-password\" required></label>";

/// The login form of the authorization endpoint; it posts back to `action`.
pub(crate) fn login(action: &str, client_id: &str, error: Option<&str>) -> String {
    page(
        "Klutch sandbox login",
        &format!(
            "<p>Log in to continue to <b>{}</b>.</p>{}<form method=\"post\" action=\"{}\">\
             {CREDENTIALS}<button name=\"action\" value=\"login\" type=\"submit\">Log in</button>\
             <button name=\"action\" value=\"deny\" type=\"submit\" formnovalidate>Cancel</button>\
             </form><p class=\"note\">Development issuer of the klutch-tui sandbox.</p>",
            text(client_id),
            error_line(error),
            attr(action)
        ),
    )
}

/// The device verification form: user code, credentials, approve or deny.
pub(crate) fn device(action: &str, user_code: Option<&str>, error: Option<&str>) -> String {
    page(
        "Connect a device",
        &format!(
            "<p>Enter the code shown on your device and log in.</p>{}\
             <form method=\"post\" action=\"{}\"><label>Code <input name=\"user_code\" \
             value=\"{}\" autocomplete=\"off\" required></label>{CREDENTIALS}\
             <button name=\"action\" value=\"approve\" type=\"submit\">Approve</button>\
             <button name=\"action\" value=\"deny\" type=\"submit\">Deny</button></form>",
            error_line(error),
            attr(action),
            attr(user_code.unwrap_or_default())
        ),
    )
}

/// A page with a title and one message.
pub(crate) fn message(title: &str, message: &str) -> String {
    page(title, &format!("<p>{}</p>", text(message)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn everything_shown_is_escaped() {
        let html = super::login("/authorize?a=1&b=\"x\"", "<script>", Some("bad & worse"));
        assert!(
            html.contains("action=\"/authorize?a=1&amp;b=&quot;x&quot;\""),
            "{html}"
        );
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("bad &amp; worse"));
        assert!(!html.contains("<script>"));
    }
}
