//! The spanned, ARM-tolerant JSON loader: any bytes must decode and parse to a value
//! or a located error, never a panic; every span must lie on char boundaries.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(decoded) = aksgate::json::decode(data) else { return };
    let text = decoded.text;
    match aksgate::json::parse(&text) {
        Ok(doc) => {
            let _ = doc.root.to_json();
            for c in &doc.comments {
                assert!(text.is_char_boundary(c.span.start) && text.is_char_boundary(c.span.end));
            }
        }
        Err(e) => {
            assert!(e.span.end <= text.len());
            assert!(text.is_char_boundary(e.span.start) && text.is_char_boundary(e.span.end));
            let _ = aksgate::json::line_col(&text, e.span.start);
        }
    }
});
