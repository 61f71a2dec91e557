//! The network view policies use to follow a cluster's subnet to its route table:
//! subnets (inline in virtual networks or as child resources) and route tables (with
//! inline routes or `routeTables/routes` children), under normalised resource ids.

use crate::resolve::tree::{RNode, RValue};
use crate::resolve::{Resource, Unit};
use serde_json::{json, Value};

const SUB: &str = "{subscription}";
const RG: &str = "{resourcegroup}";

fn name_str(n: &RNode) -> Option<String> {
    n.as_str().map(str::to_string)
}

fn value_json(n: Option<&RNode>) -> Value {
    n.map(crate::input::to_json).unwrap_or(Value::Null)
}

fn subnet_id(vnet: &str, subnet: &str) -> String {
    format!("/subscriptions/{SUB}/resourcegroups/{RG}/providers/microsoft.network/virtualnetworks/{vnet}/subnets/{subnet}")
        .to_ascii_lowercase()
}

fn route_table_id(name: &str) -> String {
    format!(
        "/subscriptions/{SUB}/resourcegroups/{RG}/providers/microsoft.network/routetables/{name}"
    )
    .to_ascii_lowercase()
}

fn loc(resource: usize, path: Value) -> Value {
    json!({"resource": resource, "path": path})
}

fn route_json(route: &RNode, resource: usize, path: Value) -> Value {
    let props = route.get("properties");
    json!({
        "name": value_json(route.get("name")),
        "addressPrefix": value_json(props.and_then(|p| p.get("addressPrefix"))),
        "nextHopType": value_json(props.and_then(|p| p.get("nextHopType"))),
        "nextHopIpAddress": value_json(props.and_then(|p| p.get("nextHopIpAddress"))),
        "location": loc(resource, path),
    })
}

fn subnet_json(vnet: &str, name: &str, props: Option<&RNode>, location: Value) -> Value {
    let route_table = match props.and_then(|p| p.get("routeTable")) {
        None => Value::Null,
        Some(rt) => match rt.get("id") {
            Some(id) => match &id.value {
                RValue::Str(s) => Value::String(s.to_ascii_lowercase()),
                _ => crate::input::to_json(id),
            },
            None => match &rt.value {
                RValue::Null => Value::Null,
                _ => crate::input::to_json(rt),
            },
        },
    };
    json!({
        "id": subnet_id(vnet, name),
        "key": format!("virtualnetworks/{vnet}/subnets/{name}").to_ascii_lowercase(),
        "vnet": vnet,
        "name": name,
        "routeTable": route_table,
        "properties": value_json(props),
        "location": location,
    })
}

/// The network section of the policy input for a set of units' resources.
pub fn build(unit: &Unit) -> Value {
    let mut subnets = Vec::new();
    let mut tables: Vec<Value> = Vec::new();
    let mut child_routes: Vec<(String, Value)> = Vec::new();
    let mut firewalls: Vec<Value> = Vec::new();
    for (i, r) in unit.resources.iter().enumerate() {
        let ty = r.ty.to_ascii_lowercase();
        let Some(name) = name_str(&r.name) else {
            continue;
        };
        match ty.as_str() {
            "microsoft.network/virtualnetworks" => {
                let list = r.node.get("properties").and_then(|p| p.get("subnets"));
                for (j, s) in list
                    .and_then(RNode::as_array)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                {
                    if let Some(sn) = s.get("name").and_then(name_str) {
                        subnets.push(subnet_json(
                            &name,
                            &sn,
                            s.get("properties"),
                            loc(i, json!(["properties", "subnets", j])),
                        ));
                    }
                }
            }
            "microsoft.network/virtualnetworks/subnets" => {
                if let Some((vnet, sn)) = name.split_once('/') {
                    subnets.push(subnet_json(
                        vnet,
                        sn,
                        r.node.get("properties"),
                        loc(i, json!([])),
                    ));
                }
            }
            "microsoft.network/routetables" => {
                let list = r.node.get("properties").and_then(|p| p.get("routes"));
                let routes: Vec<Value> = list
                    .and_then(RNode::as_array)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                    .map(|(j, rt)| route_json(rt, i, json!(["properties", "routes", j])))
                    .collect();
                let id = route_table_id(&name);
                tables.push(json!({
                    "id": id,
                    "key": format!("routetables/{}", name.to_ascii_lowercase()),
                    "name": name,
                    "routes": routes,
                    "location": loc(i, json!([])),
                }));
            }
            "microsoft.network/azurefirewalls" => {
                // The private IP a route's next hop names; unknown until deployment when
                // the template leaves it to Azure.
                let ip = r
                    .node
                    .get("properties")
                    .and_then(|p| p.get("ipConfigurations"))
                    .and_then(RNode::as_array)
                    .and_then(|c| c.first())
                    .and_then(|c| c.get("properties"))
                    .and_then(|p| p.get("privateIPAddress"));
                firewalls.push(json!({
                    "name": name,
                    "privateIPAddress": value_json(ip),
                    "location": loc(i, json!([])),
                }));
            }
            "microsoft.network/routetables/routes" => {
                if let Some((table, _)) = name.split_once('/') {
                    child_routes.push((
                        table.to_ascii_lowercase(),
                        route_json(&r.node, i, json!([])),
                    ));
                }
            }
            _ => {}
        }
    }
    for (table, route) in child_routes {
        if let Some(t) = tables.iter_mut().find(|t| {
            t["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(&table))
        }) {
            if let Some(routes) = t["routes"].as_array_mut() {
                routes.push(route);
            }
        }
    }
    // Name the firewall a route's next hop is, when its private IP is known.
    for t in tables.iter_mut() {
        for r in t["routes"].as_array_mut().into_iter().flatten() {
            let hop = r["nextHopIpAddress"].clone();
            if let Some(fw) = firewalls
                .iter()
                .find(|f| hop.is_string() && f["privateIPAddress"] == hop)
            {
                r["firewall"] = fw["name"].clone();
            }
        }
    }
    json!({"subnets": subnets, "routeTables": tables, "firewalls": firewalls})
}

/// Resource types that make up the network view shared across files.
const SHARED_TYPES: &[&str] = &[
    "microsoft.network/virtualnetworks",
    "microsoft.network/virtualnetworks/subnets",
    "microsoft.network/routetables",
    "microsoft.network/routetables/routes",
    "microsoft.network/azurefirewalls",
    "microsoft.network/natgateways",
    "microsoft.network/networksecuritygroups",
    "microsoft.network/publicipaddresses",
    "microsoft.network/publicipprefixes",
];

/// Adds to every unit the network resources that the *other* files of the scan deploy,
/// so a cluster's `vnetSubnetID` can be followed to a subnet and route table defined
/// elsewhere (the aks-baseline layout). A network template evaluated with several
/// parameter files contributes each distinct resource once (the first pairing's values).
pub fn attach_externals(units: &mut [Unit]) {
    let mut shared: Vec<(crate::source::FileId, Resource)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for u in units.iter() {
        for r in u.own_resources() {
            if SHARED_TYPES.contains(&r.ty.to_ascii_lowercase().as_str()) && seen.insert(r.site) {
                let mut r = r.clone();
                r.parent = None;
                shared.push((u.file, r));
            }
        }
    }
    if shared.is_empty() {
        return;
    }
    for u in units.iter_mut() {
        // Only clusters follow subnets: other units do not need the shared view.
        let has_pools = u.own_resources().iter().any(|r| {
            let t = r.ty.to_ascii_lowercase();
            t == "microsoft.containerservice/managedclusters"
                || t == "microsoft.containerservice/managedclusters/agentpools"
        });
        if !has_pools {
            continue;
        }
        let start = u.resources.len();
        let file = u.file;
        let own_sites: std::collections::HashSet<_> = u.resources.iter().map(|r| r.site).collect();
        u.resources.extend(
            shared
                .iter()
                .filter(|(f, r)| *f != file && r.site.file != file && !own_sites.contains(&r.site))
                .map(|(_, r)| r.clone()),
        );
        if u.resources.len() > start {
            u.external_start = Some(start);
        }
    }
}

/// Label of the provenance step that marks an assumed subnet; findings that involve it
/// say so in their message.
pub const ASSUMED: &str = "assumed";

/// The documented fallback for a pool whose `vnetSubnetID` is unknown (a parameter no
/// file sets): when the scan deploys exactly one subnet that has a route table (one
/// "UDR-ready" subnet), the pool is taken to use it, and every finding that relies on it
/// says so. With two or more candidates nothing is assumed: no guessing.
pub fn assume_subnets(units: &mut [Unit]) {
    for u in units.iter_mut() {
        let candidates = udr_ready_subnets(u);
        let [(id, site)] = candidates.as_slice() else {
            continue;
        };
        let (id, site) = (id.clone(), *site);
        let mut assumed = Vec::new();
        for r in u.resources.iter_mut() {
            let t = r.ty.to_ascii_lowercase();
            let pools: Vec<&mut RNode> = if t == "microsoft.containerservice/managedclusters" {
                match r
                    .node
                    .member_mut("properties")
                    .and_then(|p| p.member_mut("agentPoolProfiles"))
                {
                    Some(RNode {
                        value: RValue::Array(items),
                        ..
                    }) => items.iter_mut().collect(),
                    _ => Vec::new(),
                }
            } else if t == "microsoft.containerservice/managedclusters/agentpools" {
                r.node.member_mut("properties").into_iter().collect()
            } else {
                Vec::new()
            };
            for pool in pools {
                let Some(sid) = pool.member_mut("vnetSubnetID") else {
                    continue;
                };
                if let RValue::Unknown(unknown) = &sid.value {
                    let was = unknown.expr.clone();
                    assumed.push(crate::resolve::Problem {
                        site: sid.site,
                        message: format!(
                            "AKS005 assumed: vnetSubnetID is {was} ({}); taken to be {id}, the only subnet with a route table in the scanned files",
                            unknown.reason
                        ),
                    });
                    sid.value = RValue::Str(id.clone());
                    sid.via.push(crate::resolve::tree::Origin {
                        site,
                        label: format!(
                            "{ASSUMED}: {was} has no value, and this is the only subnet with a route table in the scanned files"
                        ),
                    });
                }
            }
        }
        u.assumptions.extend(assumed);
    }
}

/// Subnets (with a route table) the unit can see, by id, with where each is written.
fn udr_ready_subnets(u: &Unit) -> Vec<(String, crate::source::Site)> {
    let mut out: Vec<(String, crate::source::Site)> = Vec::new();
    for r in &u.resources {
        let Some(name) = name_str(&r.name) else {
            continue;
        };
        let mut push = |vnet: &str, subnet: &str, props: Option<&RNode>, site| {
            let has_table = props
                .and_then(|p| p.get("routeTable"))
                .is_some_and(|t| !matches!(t.value, RValue::Null));
            let id = subnet_id(vnet, subnet);
            if has_table && !out.iter().any(|(i, _)| *i == id) {
                out.push((id, site));
            }
        };
        match r.ty.to_ascii_lowercase().as_str() {
            "microsoft.network/virtualnetworks" => {
                let list = r.node.get("properties").and_then(|p| p.get("subnets"));
                for s in list.and_then(RNode::as_array).unwrap_or_default() {
                    if let Some(sn) = s.get("name").and_then(name_str) {
                        push(&name, &sn, s.get("properties"), s.site);
                    }
                }
            }
            "microsoft.network/virtualnetworks/subnets" => {
                if let Some((vnet, sn)) = name.split_once('/') {
                    push(vnet, sn, r.node.get("properties"), r.site);
                }
            }
            _ => {}
        }
    }
    out
}
