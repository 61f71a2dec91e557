//! The Bicep front end past the parser: any `.bicep` text (with a module and the base
//! and own `.bicepparam` files made of parts of the input) lowers to a template or a
//! problem, never a panic, a hang or unbounded growth, and every span of what is lowered
//! lies inside the file lowered (a module's or a base file's values take the span of
//! the line that brings them in).
#![no_main]
use aksgate::bicep::lower::{join, lower_params_text, lower_text, Files};
use aksgate::json::Node;
use libfuzzer_sys::fuzz_target;

/// `main.bicep`, `m.bicep`, `base.bicepparam`, `p.bicepparam`, `m.json` (an ARM
/// template to import from or use as a module): the input split at NULs.
struct Parts(Vec<String>);

const NAMES: [&str; 5] = [
    "main.bicep",
    "m.bicep",
    "base.bicepparam",
    "p.bicepparam",
    "m.json",
];

impl Files for Parts {
    fn read(&self, from: &str, rel: &str) -> Result<(String, String), String> {
        let path = join(from, rel).ok_or("outside")?;
        let i = NAMES
            .iter()
            .position(|p| *p == path)
            .ok_or("no such file")?;
        Ok((path, self.0.get(i).cloned().unwrap_or_default()))
    }

    /// The one folder (for `loadDirectoryFileInfo`).
    fn list(&self, from: &str, rel: &str) -> Result<(String, Vec<String>), String> {
        match join(from, rel).ok_or("outside")?.as_str() {
            "" => Ok((String::new(), NAMES.iter().map(|n| n.to_string()).collect())),
            _ => Err("no such folder".into()),
        }
    }
}

fn spans_inside(n: &Node, len: usize) {
    assert!(
        n.span.start <= n.span.end && n.span.end <= len,
        "{:?} outside {len}",
        n.span
    );
    if let Some(items) = n.as_array() {
        items.iter().for_each(|i| spans_inside(i, len));
    }
    if let Some(members) = n.as_object() {
        for m in members {
            assert!(m.key_span.end <= len);
            spans_inside(&m.value, len);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parts: Vec<String> = text.split('\0').map(str::to_string).collect();
    let main = parts[0].clone();
    let params = parts.get(3).cloned().unwrap_or_default();
    let files = Parts(parts);
    if let Ok(l) = lower_text(&main, "main.bicep", &files) {
        spans_inside(&l.doc.root, main.len());
        for p in &l.problems {
            assert!(p.span.end <= main.len());
        }
    }
    if let Ok(l) = lower_params_text(&params, "p.bicepparam", &files) {
        spans_inside(&l.doc.root, params.len());
        for p in &l.problems {
            assert!(p.span.end <= params.len());
        }
    }
});
