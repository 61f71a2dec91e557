//! The Terraform front end: any `.tf` text (with a sibling file and a local module made
//! of parts of the input) lowers to a template or a problem, never a panic, a hang or
//! unbounded growth, and every span of the template lies inside the lowered file (values
//! from other files take the span of the expression that uses them).
#![no_main]
use aksgate::json::Node;
use aksgate::terraform::{lower_text, Files};
use libfuzzer_sys::fuzz_target;

/// `main.tf` and `variables.tf` in the root, `main.tf` in `m/`: the input split at NULs.
struct Parts(Vec<String>);

impl Files for Parts {
    fn dir(&self, dir: &str) -> Result<Vec<(String, String)>, String> {
        let part = |i: usize| self.0.get(i).cloned().unwrap_or_default();
        match dir {
            "" => Ok(vec![
                ("main.tf".into(), part(0)),
                ("variables.tf".into(), part(1)),
                ("terraform.tfvars".into(), part(3)),
            ]),
            "m" => Ok(vec![("main.tf".into(), part(2))]),
            _ => Err("no such directory".into()),
        }
    }
}

fn spans_inside(n: &Node, len: usize) {
    assert!(n.span.start <= n.span.end && n.span.end <= len, "{:?} outside {len}", n.span);
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
    let files = Parts(parts);
    if let Ok(l) = lower_text(&main, "main.tf", &files) {
        spans_inside(&l.doc.root, main.len());
        for p in &l.problems {
            assert!(p.span.end <= main.len());
        }
    }
});
