//! The string formats a 1.32 API server checks (apiextensions-apiserver's `supportedFormats`,
//! validated by kube-openapi's `strfmt` registry). Any other format, `int32` and `int64`
//! included, is dropped from the schema before validation, so it checks nothing.
//!
//! The checks mirror the Go validators (`net.ParseIP`, `time.Parse`, govalidator's patterns…)
//! closely enough for real-world values; they are written out by hand rather than as regexes.

mod time;

use std::net::{Ipv4Addr, Ipv6Addr};
pub(crate) use time::parse_duration;
use time::{is_date, is_date_time};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    BsonObjectId,
    Uri,
    Email,
    Hostname,
    Ipv4,
    Ipv6,
    Cidr,
    Mac,
    Uuid,
    Uuid3,
    Uuid4,
    Uuid5,
    Isbn,
    Isbn10,
    Isbn13,
    CreditCard,
    Ssn,
    HexColor,
    RgbColor,
    Byte,
    Password,
    Date,
    Duration,
    DateTime,
}

impl Format {
    /// The format the API server checks under this name (dashes are ignored, as go-openapi
    /// normalizes names), or `None` if it strips it.
    pub(crate) fn supported(name: &str) -> Option<Format> {
        let normalized = name.replace('-', "");
        Some(match normalized.as_str() {
            "bsonobjectid" => Format::BsonObjectId,
            "uri" => Format::Uri,
            "email" => Format::Email,
            "hostname" => Format::Hostname,
            "ipv4" => Format::Ipv4,
            "ipv6" => Format::Ipv6,
            "cidr" => Format::Cidr,
            "mac" => Format::Mac,
            "uuid" => Format::Uuid,
            "uuid3" => Format::Uuid3,
            "uuid4" => Format::Uuid4,
            "uuid5" => Format::Uuid5,
            "isbn" => Format::Isbn,
            "isbn10" => Format::Isbn10,
            "isbn13" => Format::Isbn13,
            "creditcard" => Format::CreditCard,
            "ssn" => Format::Ssn,
            "hexcolor" => Format::HexColor,
            "rgbcolor" => Format::RgbColor,
            "byte" => Format::Byte,
            "password" => Format::Password,
            "date" => Format::Date,
            "duration" => Format::Duration,
            "datetime" => Format::DateTime,
            _ => return None,
        })
    }

    pub(crate) fn validates(self, s: &str) -> bool {
        match self {
            Format::BsonObjectId => s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit()),
            Format::Uri => is_request_uri(s),
            Format::Email => is_email(s),
            Format::Hostname => is_hostname(s),
            Format::Ipv4 => parse_ip_sloppy(s) && s.contains('.'),
            Format::Ipv6 => parse_ip_sloppy(s) && s.contains(':'),
            Format::Cidr => is_cidr(s),
            Format::Mac => is_mac(s),
            Format::Uuid => is_uuid(s, None),
            Format::Uuid3 => is_uuid(s, Some(b'3')),
            Format::Uuid4 => is_uuid(s, Some(b'4')),
            Format::Uuid5 => is_uuid(s, Some(b'5')),
            Format::Isbn => is_isbn10(s) || is_isbn13(s),
            Format::Isbn10 => is_isbn10(s),
            Format::Isbn13 => is_isbn13(s),
            Format::CreditCard => is_credit_card(s),
            Format::Ssn => is_ssn(s),
            Format::HexColor => is_hex_color(s),
            Format::RgbColor => is_rgb_color(s),
            Format::Byte => is_base64(s),
            Format::Password => true,
            Format::Date => is_date(s),
            Format::Duration => parse_duration(s).is_some(),
            Format::DateTime => is_date_time(s),
        }
    }
}

/// `net/url.ParseRequestURI`: an absolute URI (`scheme:…`) or an absolute path.
fn is_request_uri(s: &str) -> bool {
    if s.is_empty() || s.chars().any(|c| c.is_control()) {
        return false;
    }
    if s.starts_with('/') {
        return true;
    }
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    let scheme_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return false;
    }
    match rest.strip_prefix("//") {
        // The authority may not hold spaces (Go: "invalid character in host name").
        Some(after) => {
            let authority = after.split(['/', '?', '#']).next().unwrap_or("");
            !authority.contains(' ')
        }
        None => true,
    }
}

/// `net/mail.ParseAddress` for the common shapes: `local@domain` or `Name <local@domain>`.
fn is_email(s: &str) -> bool {
    let s = s.trim();
    let addr = match (s.rfind('<'), s.ends_with('>')) {
        (Some(i), true) => &s[i + 1..s.len() - 1],
        _ => s,
    };
    let Some((local, domain)) = addr.rsplit_once('@') else {
        return false;
    };
    let atext = |c: char| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    let local_ok = if local.starts_with('"') && local.ends_with('"') && local.len() >= 2 {
        true
    } else {
        !local.is_empty()
            && local
                .split('.')
                .all(|part| !part.is_empty() && part.chars().all(atext))
    };
    let domain_ok = if domain.starts_with('[') && domain.ends_with(']') {
        true
    } else {
        !domain.is_empty()
            && domain
                .split('.')
                .all(|part| !part.is_empty() && part.chars().all(atext))
    };
    local_ok && domain_ok
}

/// strfmt's `IsHostname`: labels of letters, digits, symbols and dashes, a last label of at
/// least two letters (or a single label), 255 bytes at most, 63 per label.
fn is_hostname(s: &str) -> bool {
    if s.is_empty() || s.len() > 255 {
        return false;
    }
    let word = |c: char| c.is_alphanumeric() || (!c.is_ascii() && !c.is_whitespace());
    let labels: Vec<&str> = s.split('.').collect();
    if labels.iter().any(|l| l.len() > 63) {
        return false;
    }
    if labels.len() == 1 {
        // `[a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)`
        let mut chars = s.chars();
        let Some(first) = chars.next() else {
            return false;
        };
        let rest: Vec<char> = chars.collect();
        if !word(first) {
            return false;
        }
        let rest = match rest.first() {
            Some('-') => &rest[1..],
            _ => &rest[..],
        };
        return rest.len() <= 62 && rest.iter().all(|c| word(*c));
    }
    let (last, init) = match labels.split_last() {
        Some(x) => x,
        None => return false,
    };
    let label_ok = |l: &str| {
        let chars: Vec<char> = l.chars().collect();
        match (chars.first(), chars.last()) {
            (Some(f), Some(e)) => {
                word(*f)
                    && word(*e)
                    && chars.len() <= 63
                    && chars.iter().all(|c| word(*c) || *c == '-')
            }
            _ => false,
        }
    };
    let last_len = last.chars().count();
    init.iter().all(|l| label_ok(l))
        && (2..=63).contains(&last_len)
        && last.chars().all(|c| c.is_alphabetic())
}

/// `netutils.ParseIPSloppy`: like `net.ParseIP`, but IPv4 octets may have leading zeros.
fn parse_ip_sloppy(s: &str) -> bool {
    parse_ipv4_sloppy(s).is_some() || s.parse::<Ipv6Addr>().is_ok()
}

fn parse_ipv4_sloppy(s: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut octets = [0u8; 4];
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        octets[i] = p.parse::<u16>().ok().filter(|v| *v <= 255)? as u8;
    }
    Some(Ipv4Addr::from(octets))
}

fn is_cidr(s: &str) -> bool {
    let Some((ip, prefix)) = s.split_once('/') else {
        return false;
    };
    let max = if parse_ipv4_sloppy(ip).is_some() {
        32
    } else if ip.parse::<Ipv6Addr>().is_ok() {
        128
    } else {
        return false;
    };
    !prefix.is_empty()
        && prefix.len() <= 3
        && prefix.bytes().all(|b| b.is_ascii_digit())
        && prefix.parse::<u32>().is_ok_and(|p| p <= max)
}

/// `net.ParseMAC`: 6, 8 or 20 octets as `xx:xx:…`, `xx-xx-…` or `xxxx.xxxx.…`.
fn is_mac(s: &str) -> bool {
    let hex = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit());
    let ok_len = |octets: usize| matches!(octets, 6 | 8 | 20);
    if s.contains(':') || s.contains('-') {
        let sep = if s.contains(':') { ':' } else { '-' };
        let parts: Vec<&str> = s.split(sep).collect();
        ok_len(parts.len()) && parts.iter().all(|p| hex(p, 2))
    } else if s.contains('.') {
        let parts: Vec<&str> = s.split('.').collect();
        ok_len(parts.len() * 2) && parts.iter().all(|p| hex(p, 4))
    } else {
        false
    }
}

/// strfmt's UUID patterns (dashes optional, any case), with the version digit for 3/4/5 and
/// the variant `[89ab]` for 4 and 5.
fn is_uuid(s: &str, version: Option<u8>) -> bool {
    let groups = [8usize, 4, 4, 4, 12];
    let mut rest = s.as_bytes();
    let mut hex = Vec::with_capacity(32);
    for (i, len) in groups.iter().enumerate() {
        if rest.len() < *len {
            return false;
        }
        let (g, tail) = rest.split_at(*len);
        if !g.iter().all(u8::is_ascii_hexdigit) {
            return false;
        }
        hex.extend_from_slice(g);
        rest = tail;
        if i < groups.len() - 1
            && let Some(tail) = rest.strip_prefix(b"-")
        {
            rest = tail;
        }
    }
    if !rest.is_empty() {
        return false;
    }
    match version {
        None => true,
        Some(v) => {
            hex[12] == v
                && (v == b'3' || matches!(hex[16].to_ascii_lowercase(), b'8' | b'9' | b'a' | b'b'))
        }
    }
}

fn isbn_digits(s: &str) -> Vec<u8> {
    s.bytes().filter(|b| *b != b' ' && *b != b'-').collect()
}

fn is_isbn10(s: &str) -> bool {
    let d = isbn_digits(s);
    if d.len() != 10
        || !d[..9].iter().all(u8::is_ascii_digit)
        || !(d[9].is_ascii_digit() || d[9] == b'X')
    {
        return false;
    }
    let sum: u32 = d
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let v = if *b == b'X' { 10 } else { u32::from(b - b'0') };
            (i as u32 + 1) * v
        })
        .sum();
    sum.is_multiple_of(11)
}

fn is_isbn13(s: &str) -> bool {
    let d = isbn_digits(s);
    if d.len() != 13 || !d.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = d[..12]
        .iter()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    (10 - sum % 10) % 10 == u32::from(d[12] - b'0')
}

/// govalidator's `IsCreditCard`: the digits (separators removed) pass Luhn and look like a
/// known card number.
fn is_credit_card(s: &str) -> bool {
    let digits: Vec<u8> = s
        .bytes()
        .filter(|b| b.is_ascii_digit())
        .map(|b| b - b'0')
        .collect();
    if !(13..=19).contains(&digits.len()) || s.bytes().any(|b| b.is_ascii_alphabetic()) {
        return false;
    }
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(*d);
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

/// govalidator's `IsSSN`: 11 characters, `^\d{3}[- ]?\d{2}[- ]?\d{4}$`.
fn is_ssn(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11
        && b[..3].iter().all(u8::is_ascii_digit)
        && matches!(b[3], b'-' | b' ')
        && b[4..6].iter().all(u8::is_ascii_digit)
        && matches!(b[6], b'-' | b' ')
        && b[7..].iter().all(u8::is_ascii_digit)
}

fn is_hex_color(s: &str) -> bool {
    let h = s.strip_prefix('#').unwrap_or(s);
    matches!(h.len(), 3 | 6) && h.bytes().all(|b| b.is_ascii_hexdigit())
}

/// govalidator's `IsRGBcolor`: `rgb(r,g,b)` with components 0-255 and optional spaces.
fn is_rgb_color(s: &str) -> bool {
    let Some(inner) = s.strip_prefix("rgb(").and_then(|r| r.strip_suffix(')')) else {
        return false;
    };
    let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 3
                && p.bytes().all(|b| b.is_ascii_digit())
                && !(p.len() > 1 && p.starts_with('0'))
                && p.parse::<u16>().is_ok_and(|v| v <= 255)
        })
}

/// govalidator's `IsBase64`: standard alphabet, padded, at least one quantum.
fn is_base64(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || !b.len().is_multiple_of(4) {
        return false;
    }
    let alpha = |c: u8| c.is_ascii_alphanumeric() || c == b'+' || c == b'/';
    let (body, last) = b.split_at(b.len() - 4);
    body.iter().all(|c| alpha(*c))
        && match last {
            [a, b2, b'=', b'='] => alpha(*a) && alpha(*b2),
            [a, b2, c, b'='] => alpha(*a) && alpha(*b2) && alpha(*c),
            [a, b2, c, d] => alpha(*a) && alpha(*b2) && alpha(*c) && alpha(*d),
            _ => false,
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let cases: &[(Format, &str, bool)] = &[
            (Format::DateTime, "2026-06-10T09:00:03Z", true),
            (Format::DateTime, "2026-06-10T09:00:03.742Z", true),
            (Format::DateTime, "2026-06-10t09:00:03+02:00", true),
            (Format::DateTime, "2026-06-10 09:00:03Z", false),
            (Format::DateTime, "2026-02-30T09:00:03Z", false),
            (Format::DateTime, "2026-06-10T24:00:00Z", false),
            (Format::DateTime, "yesterday", false),
            (Format::DateTime, "2026-06-10T09:00:00é5Z", true),
            (Format::DateTime, "2026-06-10T09:00:00éZ", false),
            (Format::Date, "2024-02-29", true),
            (Format::Date, "2023-02-29", false),
            (Format::Uuid, "123e4567-e89b-12d3-a456-426614174000", true),
            (Format::Uuid, "123E4567E89B12D3A456426614174000", true),
            (Format::Uuid, "123e4567-e89b-12d3-a456", false),
            (Format::Uuid4, "123e4567-e89b-42d3-a456-426614174000", true),
            (Format::Uuid4, "123e4567-e89b-12d3-a456-426614174000", false),
            (Format::Byte, "aGVsbG8=", true),
            (Format::Byte, "aGVsbG8", false),
            (Format::Byte, "", false),
            (Format::Ipv4, "10.0.0.1", true),
            (Format::Ipv4, "010.0.0.1", true),
            (Format::Ipv4, "::1", false),
            (Format::Ipv4, "10.0.0.256", false),
            (Format::Ipv6, "::1", true),
            (Format::Ipv6, "10.0.0.1", false),
            (Format::Cidr, "10.0.0.0/8", true),
            (Format::Cidr, "10.0.0.0/33", false),
            (Format::Cidr, "fd00::/64", true),
            (Format::Mac, "00:1a:2b:3c:4d:5e", true),
            (Format::Mac, "001a.2b3c.4d5e", true),
            (Format::Mac, "00:1a:2b", false),
            (Format::Hostname, "example.com", true),
            (Format::Hostname, "localhost", true),
            (Format::Hostname, "-bad.com", false),
            (Format::Hostname, "a.b1", false),
            (Format::Email, "dev@example.com", true),
            (Format::Email, "Dev <dev@example.com>", true),
            (Format::Email, "no-at-sign", false),
            (Format::Uri, "https://example.com/x?y#z", true),
            (Format::Uri, "/just/a/path", true),
            (Format::Uri, "relative/path", false),
            (Format::Duration, "1h30m", true),
            (Format::Duration, "3 days", true),
            (Format::Duration, "-1.5s", true),
            (Format::Duration, "soon", false),
            (Format::HexColor, "#ffF", true),
            (Format::HexColor, "#ffff", false),
            (Format::RgbColor, "rgb(255, 0, 10)", true),
            (Format::RgbColor, "rgb(256,0,0)", false),
            (Format::Ssn, "123-45-6789", true),
            (Format::Ssn, "123456789", false),
            (Format::Isbn10, "0321751043", true),
            (Format::Isbn13, "978-0321751041", true),
            (Format::Isbn, "0321751044", false),
            (Format::CreditCard, "4111 1111 1111 1111", true),
            (Format::CreditCard, "4111 1111 1111 1112", false),
            (Format::BsonObjectId, "507f1f77bcf86cd799439011", true),
            (Format::BsonObjectId, "507f1f77bcf86cd79943901", false),
            (Format::Password, "anything", true),
        ];
        for (format, input, want) in cases {
            assert_eq!(format.validates(input), *want, "{format:?} {input:?}");
        }
    }

    #[test]
    fn unsupported_formats_are_stripped() {
        assert_eq!(Format::supported("date-time"), Some(Format::DateTime));
        assert_eq!(Format::supported("int32"), None);
        assert_eq!(Format::supported("int64"), None);
        assert_eq!(Format::supported("double"), None);
    }
}
