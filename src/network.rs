//! The network view policies use to follow a cluster's subnet to its route table:
//! subnets (inline in virtual networks or as child resources) and route tables (with
//! inline routes or `routeTables/routes` children), under normalised resource ids.

use crate::resolve::tree::{RNode, RValue};
use crate::resolve::Unit;
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
    json!({"subnets": subnets, "routeTables": tables})
}
