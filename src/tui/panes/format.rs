//! Text helpers for drawing: ages as kubectl prints them, and fitting text into columns.

use jiff::Timestamp;
use unicode_width::UnicodeWidthStr;

/// The age of `t` at `now`, as kubectl prints it (`45s`, `4m10s`, `2h`, `3d4h`, `20d`).
pub fn age(now: Timestamp, t: Option<Timestamp>) -> String {
    let Some(t) = t else { return "-".into() };
    span(now.as_second().saturating_sub(t.as_second()))
}

/// A duration as kubectl prints ages (`-` for none).
pub fn age_of(d: Option<jiff::SignedDuration>) -> String {
    d.map_or_else(|| "-".into(), |d| span(d.as_secs()))
}

fn span(secs: i64) -> String {
    let secs = secs.max(0);
    let (m, h, d) = (secs / 60, secs / 3600, secs / 86400);
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 600 => format!("{m}m{}s", s % 60),
        s if s < 3 * 3600 => format!("{m}m"),
        s if s < 8 * 3600 => format!("{h}h{}m", m % 60),
        s if s < 2 * 86400 => format!("{h}h"),
        s if s < 8 * 86400 => format!("{d}d{}h", h % 24),
        _ => format!("{d}d"),
    }
}

/// Parse an RFC 3339 time as found in status fields.
pub fn parse_time(text: &str) -> Option<Timestamp> {
    text.parse().ok()
}

/// `text` cut or padded to exactly `width` columns (cut text ends in `…`).
pub fn fit(text: &str, width: usize) -> String {
    let w = text.width();
    if w <= width {
        let mut s = String::with_capacity(width);
        s.push_str(text);
        s.extend(std::iter::repeat_n(' ', width - w));
        return s;
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + cw > width - 1 {
            break;
        }
        out.push(c);
        used += cw;
    }
    out.push('…');
    used += 1;
    out.extend(std::iter::repeat_n(' ', width - used));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_like_kubectl() {
        let now: Timestamp = "2026-06-10T12:00:00Z".parse().unwrap();
        let ago = |s: i64| {
            age(
                now,
                Some(Timestamp::from_second(now.as_second() - s).unwrap()),
            )
        };
        assert_eq!(ago(5), "5s");
        assert_eq!(ago(250), "4m10s");
        assert_eq!(ago(3600), "60m");
        assert_eq!(ago(4 * 3600 + 120), "4h2m");
        assert_eq!(ago(30 * 3600), "30h");
        assert_eq!(ago(3 * 86400 + 4 * 3600), "3d4h");
        assert_eq!(ago(20 * 86400), "20d");
        assert_eq!(ago(-5), "0s");
        assert_eq!(age(now, None), "-");
    }

    #[test]
    fn fit_pads_and_cuts() {
        assert_eq!(fit("abc", 5), "abc  ");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 0), "");
        assert_eq!(fit("✓ Ready", 8), "✓ Ready ");
    }
}
