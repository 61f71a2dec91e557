//! The Terraform front end on JSON syntax: any `.tf.json` text (with a native sibling,
//! a JSON sibling, a local module and a variable file made of parts of the input)
//! lowers to a template or a problem, never a panic, a hang or unbounded growth, and
//! every span lies inside the lowered file. An input starting with `'` is a string
//! written into one public IP's `name`: whatever it holds, the file declares exactly
//! one resource (no string can inject structure into the generated native text), and
//! a string with no template sequence is the name exactly.
#![no_main]
use aksgate::json::Node;
use aksgate::terraform::{lower_text, Files};
use libfuzzer_sys::fuzz_target;

/// `main.tf.json`, `variables.tf`, `locals.tf.json` and `terraform.tfvars` in the root,
/// `main.tf.json` in `m/`: the input split at NULs.
struct Parts(Vec<String>);

impl Files for Parts {
    fn dir(&self, dir: &str) -> Result<Vec<(String, String)>, String> {
        let part = |i: usize| self.0.get(i).cloned().unwrap_or_default();
        match dir {
            "" => Ok(vec![
                ("main.tf.json".into(), part(0)),
                ("variables.tf".into(), part(1)),
                ("locals.tf.json".into(), part(4)),
                ("terraform.tfvars".into(), part(3)),
            ]),
            "m" => Ok(vec![("main.tf.json".into(), part(2))]),
            _ => Err("no such directory".into()),
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
    if let Some(s) = text.strip_prefix('\'') {
        let name = serde_json::to_string(s).unwrap();
        let main = format!(
            r#"{{"resource": {{"azurerm_public_ip": {{"p": {{"name": {name}, "sku": "Standard"}}}}}}}}"#
        );
        let files = Parts(vec![main.clone()]);
        if let Ok(l) = lower_text(&main, "main.tf.json", &files) {
            spans_inside(&l.doc.root, main.len());
            let n = l
                .doc
                .root
                .get("resources")
                .and_then(Node::as_array)
                .map_or(0, <[Node]>::len);
            assert!(n <= 1, "{n} resources from one");
            if n == 1 && l.problems.is_empty() && !s.contains("${") && !s.contains("%{") {
                let r = &l.doc.root.get("resources").unwrap().as_array().unwrap()[0];
                let want = s.replace("$${", "${").replace("%%{", "%{");
                let got = r.get("name").and_then(Node::as_str);
                // An ARM string starting with `[` is written escaped (`[[`).
                if !want.starts_with('[') {
                    assert_eq!(got, Some(want.as_str()));
                }
            }
        }
        return;
    }
    let parts: Vec<String> = text.split('\0').map(str::to_string).collect();
    let main = parts[0].clone();
    let files = Parts(parts);
    if let Ok(l) = lower_text(&main, "main.tf.json", &files) {
        spans_inside(&l.doc.root, main.len());
        for p in &l.problems {
            assert!(p.span.end <= main.len());
        }
        for c in &l.doc.comments {
            assert!(c.span.end <= main.len());
        }
        for o in &l.doc.origins {
            assert!(o.at.end <= main.len());
        }
    }
});
