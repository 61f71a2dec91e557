//! Terraform plans: any plan JSON lowers to a template or a problem, never a panic or a
//! hang, and every span of the template lies inside the plan. The input is a whole plan,
//! or (split at NULs) the values, `after_unknown` and configuration expressions of one
//! planned cluster, so mutations reach the generated module and its mapping.
#![no_main]
use aksgate::json::{self, Node};
use aksgate::terraform::{is_plan, lower_plan};
use libfuzzer_sys::fuzz_target;

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

fn lower(text: &str) {
    let Ok(doc) = json::parse(text) else { return };
    if !is_plan(&doc.root) {
        return;
    }
    if let Ok(l) = lower_plan(&doc, "tfplan.json") {
        spans_inside(&l.doc.root, text.len());
        for p in &l.problems {
            assert!(p.span.end <= text.len());
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if !text.contains('\0') {
        lower(&text);
        return;
    }
    let parts: Vec<&str> = text.split('\0').collect();
    let part = |i: usize| parts.get(i).copied().filter(|p| !p.is_empty()).unwrap_or("{}");
    let plan = format!(
        r#"{{"format_version": "1.2", "planned_values": {{"root_module": {{"resources": [
  {{"address": "azurerm_kubernetes_cluster.aks", "mode": "managed", "type": "azurerm_kubernetes_cluster", "name": "aks", "values": {}}},
  {{"address": "azurerm_subnet.s", "mode": "managed", "type": "azurerm_subnet", "name": "s", "values": {{"name": "s", "virtual_network_name": "v"}}}}]}}}},
 "resource_changes": [{{"address": "azurerm_kubernetes_cluster.aks", "change": {{"actions": ["create"], "after_unknown": {}}}}}],
 "configuration": {{"root_module": {{"resources": [{{"type": "azurerm_kubernetes_cluster", "name": "aks", "expressions": {}}}]}}}}}}"#,
        part(0),
        part(1),
        part(2)
    );
    lower(&plan);
});
