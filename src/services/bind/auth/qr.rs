//! A URL as a QR code in Unicode half blocks (two modules per character), so that a login
//! can be finished on a phone when this terminal has no browser (an SSH session).

use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;

/// The QR code of `text`, one line per row (light on dark terminals works as well: the
/// quiet zone is drawn). Empty if `text` is too long for a QR code.
pub fn render(text: &str) -> String {
    match QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_url_becomes_half_block_rows() {
        let qr = super::render("http://127.0.0.1:5556/device?user_code=ABCD-EFGH");
        let rows: Vec<&str> = qr.lines().collect();
        assert!(rows.len() > 10, "{qr}");
        let width = rows[0].chars().count();
        assert!(rows.iter().all(|r| r.chars().count() == width));
        assert!(
            qr.chars()
                .all(|c| matches!(c, ' ' | '▀' | '▄' | '█' | '\n'))
        );
        assert!(super::render(&"x".repeat(8000)).is_empty());
    }
}
