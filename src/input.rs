//! Builds the policy input document (see `docs/policy-contract.md`) from a resolved unit.

use crate::resolve::tree::{RNode, RValue};
use crate::resolve::{Baseline, Resource, Unit};
use crate::source::Sources;
use serde_json::{json, Map, Value};

pub const INPUT_VERSION: u32 = 1;

/// Property names in their canonical casing. ARM matches names case-insensitively, so
/// `"NetworkProfile"` must reach policies as `networkProfile`.
const CANONICAL_KEYS: &[&str] = &[
    "type",
    "apiVersion",
    "name",
    "location",
    "properties",
    "sku",
    "identity",
    "tags",
    "id",
    "networkProfile",
    "outboundType",
    "networkPlugin",
    "networkPluginMode",
    "networkPolicy",
    "networkDataplane",
    "networkMode",
    "loadBalancerSku",
    "loadBalancerProfile",
    "managedOutboundIPs",
    "count",
    "countIPv6",
    "outboundIPs",
    "publicIPs",
    "outboundIPPrefixes",
    "publicIPPrefixes",
    "allocatedOutboundPorts",
    "idleTimeoutInMinutes",
    "natGatewayProfile",
    "managedOutboundIPProfile",
    "agentPoolProfiles",
    "vnetSubnetID",
    "podSubnetID",
    "enableNodePublicIP",
    "nodePublicIPPrefixID",
    "mode",
    "vmSize",
    "apiServerAccessProfile",
    "enablePrivateCluster",
    "privateDNSZone",
    "kubernetesVersion",
    "dnsPrefix",
    "subnets",
    "routeTable",
    "routes",
    "addressPrefix",
    "addressPrefixes",
    "nextHopType",
    "nextHopIpAddress",
    "networkSecurityGroup",
    "natGateway",
    "addressSpace",
    "ipConfigurations",
    "privateIPAddress",
    "publicIPAddress",
    "publicIPAllocationMethod",
    "template",
    "parameters",
];

fn canonical_key(k: &str) -> &str {
    CANONICAL_KEYS
        .iter()
        .find(|c| c.eq_ignore_ascii_case(k))
        .copied()
        .unwrap_or(k)
}

/// The value tree as JSON with canonical key casing and the unknown marker.
pub fn to_json(node: &RNode) -> Value {
    match &node.value {
        RValue::Null => Value::Null,
        RValue::Bool(b) => Value::Bool(*b),
        RValue::Int(i) => json!(i),
        RValue::Float(f) => json!(f),
        RValue::Str(s) => Value::String(s.clone()),
        RValue::Array(items) => Value::Array(items.iter().map(to_json).collect()),
        RValue::Object(members) => {
            let mut m = Map::new();
            for mem in members {
                m.insert(canonical_key(&mem.key).to_string(), to_json(&mem.value));
            }
            Value::Object(m)
        }
        RValue::Unknown(u) => json!({"$unknown": {"expr": u.expr, "reason": u.reason}}),
    }
}

fn resource_json(i: usize, r: &Resource, kind: &crate::classify::Kind) -> Value {
    let mut obj = match to_json(&r.node) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    obj.insert("ref".into(), json!(i));
    obj.insert("type".into(), json!(r.ty));
    let api = match (&r.api_version, kind) {
        (Some(v), _) => json!(v),
        // A REST body is sent with an api-version the file does not state.
        (None, crate::classify::Kind::RestBody { .. }) => {
            json!({"$unknown": {"expr": "api-version", "reason": "the request body does not say which api-version it is sent with"}})
        }
        // Unresolved (a parameter nobody sets): the node's unknown marker, so rules that
        // depend on the apiVersion say they cannot decide instead of reading `null`.
        (None, _) => obj.get("apiVersion").cloned().unwrap_or(Value::Null),
    };
    obj.insert("apiVersion".into(), api);
    obj.insert("name".into(), to_json(&r.name));
    obj.insert("parent".into(), json!(r.parent));
    if let Some((loop_name, index)) = &r.copy {
        obj.insert("copy".into(), json!({"name": loop_name, "index": index}));
    }
    Value::Object(obj)
}

/// The `baseline` object of a resource: the resource as it was (base revision or live
/// export), with where it comes from. `ref` is what a result's `{"baseline": ref, "path"}`
/// location names.
fn baseline_json(j: usize, b: &Baseline) -> Value {
    let mut obj = match to_json(&b.base.node) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    obj.insert("ref".into(), json!(j));
    obj.insert("source".into(), json!(b.source));
    obj.insert("file".into(), json!(b.file));
    obj.insert("parameterFile".into(), json!(b.param_file));
    obj.insert("revision".into(), json!(b.revision));
    obj.insert("type".into(), json!(b.base.ty));
    obj.insert("apiVersion".into(), json!(b.base.api_version));
    obj.insert("name".into(), to_json(&b.base.name));
    Value::Object(obj)
}

/// Settings that change what the built-in rules allow, passed to every policy as
/// `input.aksgate.options`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// AKS006: an outboundType change along a migration path the AKS documentation
    /// lists as supported is a note, not an error.
    pub allow_documented_migrations: bool,
    /// The network lives in another repository: a subnet or route table that is not in
    /// the scanned files is not reported (AKS005's AKS900).
    pub external_network: bool,
    /// `docs_edition = "2019"`: AKS003 follows the 2019 text (`docsEdition`).
    pub docs_edition_2019: bool,
}

/// The day the scan runs as `YYYY-MM-DD`, which dated rules compare with (AKS013's
/// retirements; `AKSGATE_TODAY` overrides it, see [`crate::config::today`]): read and
/// formatted once, so every unit of a scan is judged on the same day.
pub fn scan_day() -> &'static str {
    static DAY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DAY.get_or_init(|| crate::config::format_date(crate::config::today()))
}

/// The input document for one unit.
/// The input document for one unit, with the scan's options.
pub fn build(unit: &Unit, sources: &Sources, network: &Value, options: &Options) -> Value {
    let resources: Vec<Value> = unit
        .resources
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut v = resource_json(i, r, &unit.kind);
            if unit.is_external(i) {
                // Deployed by another file of the scan: here for the network view only.
                v["external"] = json!(true);
                v["file"] = json!(sources.get(r.site.file).rel);
            }
            if let Some((j, b)) = unit
                .baselines
                .iter()
                .enumerate()
                .find(|(_, b)| b.resource == i)
            {
                v["baseline"] = baseline_json(j, b);
            }
            v
        })
        .collect();
    json!({
        "aksgate": {
            "inputVersion": INPUT_VERSION,
            "options": {
                "allowDocumentedMigrations": options.allow_documented_migrations,
                "externalNetwork": options.external_network,
                "docsEdition": if options.docs_edition_2019 { "2019" } else { "current" },
                "today": scan_day(),
            },
        },
        "file": sources.get(unit.file).rel,
        "kind": unit.kind.label(),
        "parameterFile": unit.param_file.map(|f| sources.get(f).rel.to_string()),
        "resources": resources,
        "network": network,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonicalises_known_keys_only() {
        let doc = crate::json::parse(
            r#"{"NetworkProfile": {"OutboundType": "UserDefinedRouting", "Custom": 1}}"#,
        )
        .unwrap();
        let v = to_json(&RNode::literal(&doc.root, 0));
        assert_eq!(
            v,
            json!({"networkProfile": {"outboundType": "UserDefinedRouting", "Custom": 1}})
        );
    }
}
