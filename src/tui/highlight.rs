//! A small YAML highlighter for the detail pane. The YAML shown is what our own serializer
//! wrote (block style, one key per line), so a line tokenizer is enough; a full grammar
//! engine (syntect) would add megabytes, start-up time and a second theme format for
//! nothing the pane needs. Tokens are mapped to theme slots when drawn.

/// What a piece of a YAML line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Token {
    /// Indentation and anything unclassified.
    Plain,
    /// A mapping key.
    Key,
    /// A string scalar.
    String,
    /// A number.
    Number,
    /// `true`, `false`, `null`, `~`.
    Bool,
    /// `- `, `: `, block indicators, `[]`, `{}`.
    Punct,
    /// A comment.
    Comment,
}

fn quoted_end(s: &str) -> Option<usize> {
    let quote = s.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        if quote == '"' && c == '\\' && !escaped {
            escaped = true;
            continue;
        }
        if c == quote && !escaped {
            return Some(i + 1);
        }
        escaped = false;
    }
    None
}

fn scalar(value: &str) -> Token {
    match value {
        "true" | "false" | "null" | "~" | "True" | "False" | "Null" => Token::Bool,
        "|" | ">" | "|-" | ">-" | "|+" | ">+" | "[]" | "{}" => Token::Punct,
        v if v.parse::<f64>().is_ok() => Token::Number,
        _ => Token::String,
    }
}

/// Split one line into tokens (the pieces concatenate to the line).
pub fn tokens(line: &str) -> Vec<(Token, &str)> {
    let mut out = Vec::new();
    let indent = line.len() - line.trim_start().len();
    if indent > 0 {
        out.push((Token::Plain, &line[..indent]));
    }
    let mut rest = &line[indent..];
    if rest.starts_with('#') {
        out.push((Token::Comment, rest));
        return out;
    }
    while let Some(r) = rest.strip_prefix("- ") {
        out.push((Token::Punct, &rest[..2]));
        rest = r;
    }
    if rest == "-" {
        out.push((Token::Punct, rest));
        return out;
    }
    let key_end = match quoted_end(rest) {
        Some(end) if rest[end..].starts_with(':') => Some(end),
        Some(_) => None,
        None => rest
            .find(": ")
            .or_else(|| rest.ends_with(':').then(|| rest.len() - 1)),
    };
    if let Some(end) = key_end {
        out.push((Token::Key, &rest[..end]));
        let after = &rest[end..];
        let sep = if after.starts_with(": ") { 2 } else { 1 };
        out.push((Token::Punct, &after[..sep]));
        rest = &after[sep..];
    }
    if !rest.is_empty() {
        let kind = if quoted_end(rest).is_some() {
            Token::String
        } else {
            scalar(rest)
        };
        out.push((kind, rest));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use Token::*;

    #[test]
    fn keys_values_and_lists() {
        assert_eq!(
            tokens("kind: Backup"),
            [(Key, "kind"), (Punct, ": "), (String, "Backup")]
        );
        assert_eq!(
            tokens("  size: 42"),
            [(Plain, "  "), (Key, "size"), (Punct, ": "), (Number, "42")]
        );
        assert_eq!(tokens("metadata:"), [(Key, "metadata"), (Punct, ":")]);
        assert_eq!(
            tokens("  - type: Ready"),
            [
                (Plain, "  "),
                (Punct, "- "),
                (Key, "type"),
                (Punct, ": "),
                (String, "Ready")
            ]
        );
        assert_eq!(tokens("- a9s"), [(Punct, "- "), (String, "a9s")]);
        assert_eq!(
            tokens("ok: true"),
            [(Key, "ok"), (Punct, ": "), (Bool, "true")]
        );
        assert_eq!(tokens("# note"), [(Comment, "# note")]);
    }

    #[test]
    fn quoted_keys_and_values() {
        assert_eq!(
            tokens(r#"status: "True""#),
            [(Key, "status"), (Punct, ": "), (String, r#""True""#)]
        );
        assert_eq!(
            tokens(r#""a: b": 'x'"#),
            [(Key, r#""a: b""#), (Punct, ": "), (String, "'x'")]
        );
        let line = "message: it said: no";
        let joined: std::string::String = tokens(line).iter().map(|(_, s)| *s).collect();
        assert_eq!(joined, line);
    }
}
