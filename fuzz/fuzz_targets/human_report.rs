//! The human renderer (`report::human::render_finding`): any file text, file name,
//! message, label and help, with any spans into the text, renders without a panic, and
//! no terminal control character or bidi override from them reaches the output.
#![no_main]
use aksgate::finding::{Finding, Label, Severity};
use aksgate::report::human::{render_finding, Style};
use aksgate::source::{Site, Sources};
use libfuzzer_sys::fuzz_target;

fn floor(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let (head, rest) = data.split_at(8);
    let Ok(rest) = std::str::from_utf8(rest) else {
        return;
    };
    let mut parts = rest.splitn(5, '\u{0}');
    let text = parts.next().unwrap_or("");
    let message = parts.next().unwrap_or("m");
    let label = parts.next().unwrap_or("l");
    let name = parts.next().unwrap_or("aks.json");
    let help = parts.next();
    let mut sources = Sources::default();
    let file = sources.add(name.to_string(), text.into());
    let offset = |i: usize| {
        let n = u16::from_le_bytes([head[i], head[i + 1]]) as usize;
        floor(
            text,
            if text.is_empty() {
                0
            } else {
                n % (text.len() + 1)
            },
        )
    };
    let site = |a: usize, b: usize| {
        let (s, e) = (offset(a), offset(b));
        Site {
            file,
            start: s.min(e),
            end: s.max(e),
        }
    };
    let primary = site(0, 2);
    let f = Finding {
        rule: "AKS001".into(),
        slug: "outbound-type-value".into(),
        severity: Severity::Error,
        message: message.into(),
        primary,
        primary_label: label.into(),
        related: vec![Label {
            site: site(4, 6),
            message: label.into(),
        }],
        help: help.map(Into::into),
        docs: None,
        about: None,
        context: None,
        suppression: None,
        resource: None,
        places: Vec::new(),
    };
    let out = render_finding(&f, &sources, &Style::plain(100));
    for c in out.chars() {
        assert!(
            // Newlines and tabs are kept (`report::safe::visible`): they move no cursor
            // but to the next line or column.
            !(c.is_control() && c != '\n' && c != '\t')
                && !('\u{202a}'..='\u{202e}').contains(&c)
                && !('\u{2066}'..='\u{2069}').contains(&c),
            "{c:?} reached the output: {out:?}"
        );
    }
});
