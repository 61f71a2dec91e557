//! The spanned, ARM-tolerant JSON loader: any bytes must decode and parse to a value
//! or a located error, never a panic; every span must lie on char boundaries. The
//! first-pass skim must accept and reject exactly what the parser does, with the same
//! errors, and keep what it promises of the tree.
#![no_main]
use aksgate::classify::classify;
use aksgate::json::{self, Skim};
use aksgate::plan::Facts;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(decoded) = json::decode(data) else {
        return;
    };
    let text = decoded.text;
    let parsed = json::parse(&text);
    let skimmed = json::skim_only(&text);
    match parsed {
        Ok(doc) => {
            let _ = doc.root.to_json();
            for c in &doc.comments {
                assert!(text.is_char_boundary(c.span.start) && text.is_char_boundary(c.span.end));
            }
            let skim = skimmed.expect("the parser accepts what the skim rejects");
            let kind = classify(&doc.root);
            assert_eq!(classify(&skim.root), kind);
            assert_eq!(Facts::from_skim(&skim, &kind), Facts::of(&doc.root, &kind));
            assert_eq!(skim, Skim::of(doc));
        }
        Err(e) => {
            assert!(e.span.end <= text.len());
            assert!(text.is_char_boundary(e.span.start) && text.is_char_boundary(e.span.end));
            let _ = json::line_col(&text, e.span.start);
            assert_eq!(
                skimmed.expect_err("the skim accepts what the parser rejects"),
                e
            );
        }
    }
});
