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
    let mut nics: Vec<Value> = Vec::new();
    let mut load_balancers: Vec<Value> = Vec::new();
    let mut gateways: Vec<Value> = Vec::new();
    let mut policies: Vec<Value> = Vec::new();
    let mut child_groups: Vec<(String, Value)> = Vec::new();
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
                let props = r.node.get("properties");
                // The private IPs a route's next hop can name; unknown until deployment
                // when the template leaves them to Azure.
                let ips = private_ips(props);
                firewalls.push(json!({
                    "name": name,
                    "key": format!("azurefirewalls/{}", name.to_ascii_lowercase()),
                    "privateIPAddress": ips.first().cloned().unwrap_or(Value::Null),
                    "privateIPAddresses": ips,
                    "firewallPolicy": id_ref_json(props.and_then(|p| p.get("firewallPolicy"))),
                    "applicationRuleCollections": value_json(props.and_then(|p| p.get("applicationRuleCollections"))),
                    "networkRuleCollections": value_json(props.and_then(|p| p.get("networkRuleCollections"))),
                    "properties": if props.is_some_and(|p| matches!(p.value, RValue::Unknown(_))) { value_json(props) } else { Value::Null },
                    "location": loc(i, json!([])),
                }));
            }
            "microsoft.network/networkinterfaces" => {
                let props = r.node.get("properties");
                nics.push(json!({
                    "name": name,
                    "key": format!("networkinterfaces/{}", name.to_ascii_lowercase()),
                    "enableIPForwarding": value_json(props.and_then(|p| p.get("enableIPForwarding"))),
                    "privateIPAddresses": private_ips(props),
                    "loadBalancers": backend_of(props),
                    "location": loc(i, json!([])),
                }));
            }
            // Hold a private IP a route can name without forwarding what they are sent
            // themselves: an internal load balancer hands it to its backends (the NVAs
            // behind it), an application gateway to nothing.
            "microsoft.network/loadbalancers" => {
                let props = r.node.get("properties");
                load_balancers.push(json!({
                    "name": name,
                    "key": format!("loadbalancers/{}", name.to_ascii_lowercase()),
                    "privateIPAddresses": private_ips_in(props, "frontendIPConfigurations"),
                    "backendIPAddresses": pool_addresses(props),
                    "backends": [],
                    "location": loc(i, json!([])),
                }));
            }
            "microsoft.network/applicationgateways" => {
                let props = r.node.get("properties");
                gateways.push(json!({
                    "name": name,
                    "key": format!("applicationgateways/{}", name.to_ascii_lowercase()),
                    "privateIPAddresses": private_ips_in(props, "frontendIPConfigurations"),
                    "location": loc(i, json!([])),
                }));
            }
            "microsoft.network/firewallpolicies" => {
                policies.push(json!({
                    "name": name,
                    "key": format!("firewallpolicies/{}", name.to_ascii_lowercase()),
                    "ruleCollectionGroups": [],
                    "location": loc(i, json!([])),
                }));
            }
            "microsoft.network/firewallpolicies/rulecollectiongroups" => {
                if let Some((policy, _)) = name.split_once('/') {
                    let props = r.node.get("properties");
                    child_groups.push((
                        policy.to_ascii_lowercase(),
                        json!({
                            "name": name,
                            "priority": value_json(props.and_then(|p| p.get("priority"))),
                            "ruleCollections": value_json(props.and_then(|p| p.get("ruleCollections"))),
                            "properties": if props.is_some_and(|p| matches!(p.value, RValue::Unknown(_))) { value_json(props) } else { Value::Null },
                            "location": loc(i, json!([])),
                        }),
                    ));
                }
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
    for (policy, group) in child_groups {
        if let Some(p) = policies
            .iter_mut()
            .find(|p| p["key"].as_str() == Some(&format!("firewallpolicies/{policy}")))
        {
            if let Some(groups) = p["ruleCollectionGroups"].as_array_mut() {
                groups.push(group);
            }
        }
    }
    // The appliances at each known private IP, indexed once: every route looks its next
    // hop up here rather than in every firewall and interface.
    let mut at_ip: std::collections::HashMap<String, Vec<Value>> = Default::default();
    for (kind, list) in [
        ("firewall", &firewalls),
        ("networkInterface", &nics),
        ("loadBalancer", &load_balancers),
        ("applicationGateway", &gateways),
    ] {
        for (j, a) in list.iter().enumerate() {
            for ip in a["privateIPAddresses"].as_array().into_iter().flatten() {
                if let Some(ip) = ip.as_str() {
                    at_ip
                        .entry(ip.trim().to_string())
                        .or_default()
                        .push(json!({"kind": kind, "index": j, "name": a["name"]}));
                }
            }
        }
    }
    // What each load balancer hands traffic to: the interfaces its backend pools hold
    // (they name the balancer) and the appliances at the pools' addresses.
    for lb in load_balancers.iter_mut() {
        let key = lb["key"].clone();
        let mut backends: Vec<Value> = nics
            .iter()
            .enumerate()
            .filter(|(_, n)| {
                n["loadBalancers"]
                    .as_array()
                    .is_some_and(|l| l.contains(&key))
            })
            .map(|(j, n)| json!({"kind": "networkInterface", "index": j, "name": n["name"]}))
            .collect();
        for ip in lb["backendIPAddresses"].as_array().into_iter().flatten() {
            let found = ip.as_str().and_then(|ip| at_ip.get(ip.trim()));
            for a in found.into_iter().flatten() {
                if matches!(a["kind"].as_str(), Some("firewall" | "networkInterface"))
                    && !backends.contains(a)
                {
                    backends.push(a.clone());
                }
            }
        }
        lb["backends"] = Value::Array(backends);
    }
    for t in tables.iter_mut() {
        for r in t["routes"].as_array_mut().into_iter().flatten() {
            let Some(hop) = r["nextHopIpAddress"].as_str().map(|h| h.trim().to_string()) else {
                continue;
            };
            let found = at_ip.get(&hop).cloned().unwrap_or_default();
            // Kept for user policies written against the first contract.
            if let Some(fw) = found.iter().find(|a| a["kind"] == "firewall") {
                r["firewall"] = fw["name"].clone();
            }
            r["appliances"] = Value::Array(found);
        }
    }
    json!({
        "subnets": subnets,
        "routeTables": tables,
        "firewalls": firewalls,
        "firewallPolicies": policies,
        "networkInterfaces": nics,
        "loadBalancers": load_balancers,
        "applicationGateways": gateways,
    })
}

/// The load balancers (`loadbalancers/<name>`) whose backend pools an interface's IP
/// configurations join.
fn backend_of(props: Option<&RNode>) -> Vec<Value> {
    let mut out: Vec<Value> = props
        .and_then(|p| p.get("ipConfigurations"))
        .and_then(RNode::as_array)
        .unwrap_or_default()
        .iter()
        .filter_map(|c| c.get("properties")?.get("loadBalancerBackendAddressPools"))
        .flat_map(|l| l.as_array().unwrap_or_default())
        .filter_map(|pool| pool.get("id")?.as_str().and_then(balancer_key))
        .map(Value::String)
        .collect();
    out.dedup();
    out
}

/// `loadbalancers/<name>` of a backend pool's id
/// (`.../loadBalancers/<name>/backendAddressPools/<pool>`).
fn balancer_key(pool_id: &str) -> Option<String> {
    let lower = pool_id.to_ascii_lowercase();
    let parts: Vec<&str> = lower.trim_end_matches('/').split('/').collect();
    let at = parts.iter().rposition(|p| *p == "loadbalancers")?;
    let name = parts.get(at + 1).filter(|n| !n.is_empty())?;
    Some(format!("loadbalancers/{name}"))
}

/// The addresses a load balancer's backend pools list directly
/// (`loadBalancerBackendAddresses[].properties.ipAddress`).
fn pool_addresses(props: Option<&RNode>) -> Vec<Value> {
    props
        .and_then(|p| p.get("backendAddressPools"))
        .and_then(RNode::as_array)
        .unwrap_or_default()
        .iter()
        .filter_map(|pool| pool.get("properties")?.get("loadBalancerBackendAddresses"))
        .flat_map(|l| l.as_array().unwrap_or_default())
        .filter_map(|a| a.get("properties")?.get("ipAddress"))
        .map(crate::input::to_json)
        .collect()
}

/// Every `ipConfigurations[].properties.privateIPAddress` of a firewall or network
/// interface, in order (markers included: an unknown address cannot be matched, but the
/// rule says so).
fn private_ips(props: Option<&RNode>) -> Vec<Value> {
    private_ips_in(props, "ipConfigurations")
}

/// The `privateIPAddress` of every item of `list` (`ipConfigurations`, or a load
/// balancer's or application gateway's `frontendIPConfigurations`).
fn private_ips_in(props: Option<&RNode>, list: &str) -> Vec<Value> {
    props
        .and_then(|p| p.get(list))
        .and_then(RNode::as_array)
        .unwrap_or_default()
        .iter()
        .filter_map(|c| c.get("properties").and_then(|p| p.get("privateIPAddress")))
        .map(crate::input::to_json)
        .collect()
}

/// A `{"id": ...}` reference as its lower-cased id (null when absent; a marker when
/// unknown).
fn id_ref_json(n: Option<&RNode>) -> Value {
    let Some(n) = n else {
        return Value::Null;
    };
    match n.get("id") {
        Some(id) => match &id.value {
            RValue::Str(s) => Value::String(s.to_ascii_lowercase()),
            _ => crate::input::to_json(id),
        },
        None => match &n.value {
            RValue::Null => Value::Null,
            _ => crate::input::to_json(n),
        },
    }
}

/// Resource types that make up the network view shared across files.
use crate::plan::{CLUSTER_TYPE, POOL_TYPE, SHARED_TYPES};
use crate::source::{FileId, Site, Sources};
use crate::text::{Pool, Text};

/// The provider-relative key of a resource id: `virtualnetworks/<vnet>/subnets/<subnet>`
/// for a subnet id, `<type>/<name>` for a top-level resource id, lower-cased. Ids from
/// `resourceId()` (placeholder subscription and resource group) and literal ids meet here.
fn id_key(id: &str) -> Option<String> {
    let lower = id.to_ascii_lowercase();
    let parts: Vec<&str> = lower.trim_end_matches('/').split('/').collect();
    let n = parts.len();
    if n >= 4 && parts[n - 2] == "subnets" {
        return Some(parts[n - 4..].join("/"));
    }
    (n >= 2).then(|| parts[n - 2..].join("/"))
}

/// The keys a shared network resource can be found under.
fn keys_of(r: &Resource) -> Vec<String> {
    let Some(name) = name_str(&r.name) else {
        return Vec::new();
    };
    let name = name.to_ascii_lowercase();
    match r.ty.to_ascii_lowercase().as_str() {
        "microsoft.network/virtualnetworks" => r
            .node
            .get("properties")
            .and_then(|p| p.get("subnets"))
            .and_then(RNode::as_array)
            .unwrap_or_default()
            .iter()
            .filter_map(|s| s.get("name").and_then(name_str))
            .map(|s| format!("virtualnetworks/{name}/subnets/{}", s.to_ascii_lowercase()))
            .collect(),
        "microsoft.network/virtualnetworks/subnets" => name
            .split_once('/')
            .map(|(v, s)| vec![format!("virtualnetworks/{v}/subnets/{s}")])
            .unwrap_or_default(),
        "microsoft.network/routetables" => vec![format!("routetables/{name}")],
        "microsoft.network/routetables/routes" => name
            .split_once('/')
            .map(|(t, _)| vec![format!("routetables/{t}")])
            .unwrap_or_default(),
        // A rule collection group comes with its policy.
        "microsoft.network/firewallpolicies/rulecollectiongroups" => name
            .split_once('/')
            .map(|(p, _)| vec![format!("firewallpolicies/{p}")])
            .unwrap_or_default(),
        // An appliance is also found by its private IPs: a route names its next hop by
        // address, not by id.
        t @ ("microsoft.network/azurefirewalls"
        | "microsoft.network/networkinterfaces"
        | "microsoft.network/loadbalancers"
        | "microsoft.network/applicationgateways") => {
            let short = t.rsplit('/').next().unwrap_or(t);
            let props = r.node.get("properties");
            let mut keys = vec![format!("{short}/{name}")];
            let ips = match short {
                "loadbalancers" | "applicationgateways" => {
                    private_ips_in(props, "frontendIPConfigurations")
                }
                _ => private_ips(props),
            };
            keys.extend(ips.iter().filter_map(Value::as_str).map(ip_key));
            // An interface in a load balancer's backend pool is found from the balancer.
            keys.extend(
                backend_of(props)
                    .iter()
                    .filter_map(Value::as_str)
                    .map(backend_key),
            );
            keys
        }
        t => t
            .rsplit('/')
            .next()
            .map(|short| vec![format!("{short}/{name}")])
            .unwrap_or_default(),
    }
}

/// The key an appliance's private IP is indexed under.
fn ip_key(ip: &str) -> String {
    format!("ip/{}", ip.trim())
}

/// The key the interfaces in a load balancer's backend pools are indexed under
/// (`balancer` is `loadbalancers/<name>`).
fn backend_key(balancer: &str) -> String {
    format!("backend/{balancer}")
}

/// The keys of what a shared network resource leads to: the route tables and firewall
/// policies its ids name, and the appliances at its routes' next hop addresses.
fn refs_of(r: &Resource) -> Vec<String> {
    let mut ids = Vec::new();
    referenced_ids(&r.node, &mut ids);
    let mut refs: Vec<String> = ids
        .iter()
        .filter_map(|id| {
            id_key(id)
                .filter(|k| k.starts_with("routetables/") || k.starts_with("firewallpolicies/"))
        })
        .collect();
    let hop = |n: &RNode| {
        n.get("properties")
            .and_then(|p| p.get("nextHopIpAddress"))
            .and_then(RNode::as_str)
            .map(ip_key)
    };
    match r.ty.to_ascii_lowercase().as_str() {
        "microsoft.network/routetables" => refs.extend(
            r.node
                .get("properties")
                .and_then(|p| p.get("routes"))
                .and_then(RNode::as_array)
                .unwrap_or_default()
                .iter()
                .filter_map(hop),
        ),
        "microsoft.network/routetables/routes" => refs.extend(hop(&r.node)),
        // A load balancer leads to its backends: the interfaces that join its pools and
        // the appliances at the addresses they list.
        "microsoft.network/loadbalancers" => {
            if let Some(name) = name_str(&r.name) {
                refs.push(backend_key(&format!(
                    "loadbalancers/{}",
                    name.to_ascii_lowercase()
                )));
            }
            refs.extend(
                pool_addresses(r.node.get("properties"))
                    .iter()
                    .filter_map(Value::as_str)
                    .map(ip_key),
            );
        }
        _ => {}
    }
    refs.sort_unstable();
    refs.dedup();
    refs
}

/// Every string in a resolved tree that looks like a resource id (contains `/providers/`).
fn referenced_ids(n: &RNode, out: &mut Vec<String>) {
    match &n.value {
        RValue::Str(s) if s.to_ascii_lowercase().contains("/providers/") => out.push(s.clone()),
        RValue::Array(items) => items.iter().for_each(|i| referenced_ids(i, out)),
        RValue::Object(members) => members.iter().for_each(|m| referenced_ids(&m.value, out)),
        _ => {}
    }
}

/// Adds to every unit that deploys a cluster the network resources of *other* files that
/// it references: the subnets its pools name, the route tables those subnets use, the
/// public IPs its load balancer lists, so a cluster's `vnetSubnetID` can be followed to a
/// subnet and route table defined elsewhere (the aks-baseline layout). Only referenced
/// resources are added, so the cost does not grow with the size of the repository. A
/// network template evaluated with several parameter files contributes each distinct
/// resource once (the first pairing's values). When a pool's subnet is unknown, the
/// scan's subnets with a route table are added for the single-candidate fallback
/// ([`assume_subnets`]).
pub fn attach_externals(units: &mut [Unit], sources: &Sources) {
    let mut shared = Shared::default();
    let mut kept: Vec<Resource> = Vec::new();
    for (origin, u) in units.iter().enumerate() {
        kept.extend(shared.add(origin, u).into_iter().map(detached));
    }
    let shared = shared.finish();
    for u in units.iter_mut() {
        shared.attach(u, sources, &mut |i| Some(kept[i].clone()));
    }
}

/// How many leading directories two paths share.
fn shared_dirs(a: &str, b: &str) -> usize {
    fn dir(p: &str) -> &str {
        p.rsplit_once('/').map_or("", |(d, _)| d)
    }
    let (a, b) = (dir(a), dir(b));
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    a.split('/')
        .zip(b.split('/'))
        .take_while(|(x, y)| x == y)
        .count()
}

#[cfg(test)]
mod tests {
    #[test]
    fn shared_dirs_counts_leading_directories() {
        use super::shared_dirs;
        assert_eq!(shared_dirs("dev/aks/a.json", "dev/net/b.json"), 1);
        assert_eq!(shared_dirs("dev/aks/a.json", "dev/aks/b.json"), 2);
        assert_eq!(shared_dirs("dev/a.json", "prod/b.json"), 0);
        assert_eq!(shared_dirs("a.json", "b.json"), 0);
        assert_eq!(shared_dirs("a.json", "dev/b.json"), 0);
    }
}

/// What the index keeps of a shared network resource: enough to decide which clusters
/// reference it, not the resource itself, so the index stays small however many
/// network files a repository has. The resource is fetched again when it is attached.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Which evaluation deployed it, as numbered by the caller of [`Shared::add`]: how
    /// the caller finds the resource again.
    pub origin: usize,
    /// Where the resource is written.
    pub site: Site,
    /// The file of the evaluation that deployed it (a linked template's resources are
    /// written in one file and deployed by another's evaluation).
    file: FileId,
    /// The keys its id is found under ([`keys_of`]), shared with the index.
    keys: Vec<Text>,
    /// What it leads to, by key ([`refs_of`]): route tables, firewall policies, the
    /// appliances at its next hops.
    tables: Vec<Text>,
    /// How many subnets with a route table it holds.
    udr_ready: usize,
}

impl Entry {
    /// Makes the entry's keys the copies `keys` holds (adding those it lacks): the
    /// same network names recur from file to file (one folder per environment), and
    /// each entry's own copies took 2.9 MB more at 100,000 files.
    pub fn share_keys(&mut self, keys: &mut Pool) {
        self.keys
            .iter_mut()
            .chain(self.tables.iter_mut())
            .for_each(|k| keys.share(k));
        // Collected in place from the `String`s they were made from, both lists kept
        // that room.
        self.keys.shrink_to_fit();
        self.tables.shrink_to_fit();
    }

    fn of(origin: usize, file: FileId, r: &Resource) -> Entry {
        let tables = refs_of(r).into_iter().map(Text::from).collect();
        Entry {
            origin,
            site: r.site,
            file,
            keys: keys_of(r).into_iter().map(Text::from).collect(),
            tables,
            udr_ready: udr_ready_in(std::slice::from_ref(r)).len(),
        }
    }
}

/// Of the resources deployed under the same id by several files, those nearest to the
/// file that references them (sharing the most directories with it): in a repository
/// with one folder per environment, `dev/aks.json` means the subnet `dev/network.json`
/// deploys, not the same-named one of `prod/`. Equally near candidates are all kept.
fn nearest(candidates: &[usize], entries: &[Entry], from: FileId, sources: &Sources) -> Vec<usize> {
    let from = sources.get(from).rel;
    let score = |i: &usize| shared_dirs(from, sources.get(entries[*i].site.file).rel);
    let best = candidates.iter().map(score).max().unwrap_or(0);
    candidates
        .iter()
        .filter(|i| score(i) == best)
        .copied()
        .collect()
}

/// The network resources of a whole scan, by the keys their ids are found under.
#[derive(Default)]
pub struct Shared {
    entries: Vec<Entry>,
    seen: std::collections::HashSet<Site>,
    by_key: std::collections::HashMap<Text, Vec<usize>>,
    /// Subnets with a route table anywhere in the scan: the fallback's candidates, as
    /// (entry, number of such subnets in it).
    udr_ready: Vec<(usize, usize)>,
}

/// A unit's own network resources, and its clusters (an agent pool resource of
/// another file deploys into one): what the index takes of it.
pub fn shared_resources(u: &Unit) -> impl Iterator<Item = &Resource> {
    u.own_resources().iter().filter(|r| {
        let t = r.ty.to_ascii_lowercase();
        t == CLUSTER_TYPE || SHARED_TYPES.contains(&t.as_str())
    })
}

/// The keys of the clusters the unit's own standalone agent pools deploy into that the
/// unit does not deploy itself (`<cluster>/<pool>` names another file's cluster, or an
/// `existing` one).
fn foreign_clusters(u: &Unit) -> Vec<String> {
    let own = u.own_resources();
    // Looked up by name once per pool: a unit may deploy thousands of clusters.
    let deployed: std::collections::HashSet<String> = own
        .iter()
        .filter(|r| r.ty.eq_ignore_ascii_case(CLUSTER_TYPE))
        .filter_map(|r| r.name.as_str().map(str::to_ascii_lowercase))
        .collect();
    let mut keys: Vec<String> = own
        .iter()
        .filter(|r| r.parent.is_none() && r.ty.eq_ignore_ascii_case(POOL_TYPE))
        .filter_map(|r| {
            r.name
                .as_str()?
                .split_once('/')
                .map(|(c, _)| c.to_ascii_lowercase())
        })
        .filter(|c| !c.is_empty() && !deployed.contains(c))
        .map(|c| format!("managedclusters/{c}"))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// A resource as the index hands it to another unit: without its place in the unit
/// that deployed it.
pub fn detached(r: &Resource) -> Resource {
    let mut r = r.clone();
    r.parent = None;
    r
}

impl Shared {
    /// Indexes the unit's own network resources, deployed by evaluation `origin` (the
    /// first evaluation to deploy a resource wins), and returns those it took, in the
    /// order their entries were added.
    pub fn add<'u>(&mut self, origin: usize, u: &'u Unit) -> Vec<&'u Resource> {
        let taken: Vec<&Resource> = shared_resources(u)
            .filter(|r| self.seen.insert(r.site))
            .collect();
        self.entries
            .extend(taken.iter().map(|r| Entry::of(origin, u.file, r)));
        taken
    }

    /// [`Shared::add`] of entries made elsewhere (by a worker thread), in order.
    pub fn add_entries(&mut self, entries: Vec<Entry>) {
        for e in entries {
            if self.seen.insert(e.site) {
                self.entries.push(e);
            }
        }
    }

    /// The entries of a unit's own network resources, for [`Shared::add_entries`].
    pub fn entries_of(origin: usize, u: &Unit) -> Vec<Entry> {
        shared_resources(u)
            .map(|r| Entry::of(origin, u.file, r))
            .collect()
    }

    /// Indexes what was added; [`Shared::attach`] is ready.
    pub fn finish(mut self) -> Shared {
        for (i, e) in self.entries.iter().enumerate() {
            for k in &e.keys {
                self.by_key.entry(k.clone()).or_default().push(i);
            }
        }
        self.udr_ready = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.udr_ready > 0)
            .map(|(i, e)| (i, e.udr_ready))
            .collect();
        self.seen = Default::default();
        self
    }

    /// The entry a [`Shared::attach`] fetch is asked for.
    pub fn entry(&self, i: usize) -> &Entry {
        &self.entries[i]
    }

    /// Adds to a unit that deploys a cluster the network resources of other files that
    /// it references (see [`attach_externals`]). `fetch` gives the resource of an entry
    /// (by its index): the caller kept it, or deploys its origin again. A resource that
    /// cannot be fetched is left out, as if no file deployed it.
    pub fn attach(
        &self,
        u: &mut Unit,
        sources: &Sources,
        fetch: &mut dyn FnMut(usize) -> Option<Resource>,
    ) {
        let Some(demand) = Demand::of(u) else {
            return;
        };
        let start = u.resources.len();
        let wanted = self.wanted(&demand, sources);
        if let Some(site) = u
            .own_resources()
            .iter()
            .find(|r| crate::plan::CLUSTER_TYPES.contains(&r.ty.to_ascii_lowercase().as_str()))
            .map(|r| r.site)
        {
            u.assumptions
                .extend(wanted.ambiguous.iter().map(|(key, n)| crate::resolve::Problem {
                    site,
                    message: format!(
                        "AKS005 not checked for {key}: {n} scanned files in the same folder deploy it, and aksgate does not choose between them"
                    ),
                }));
        }
        u.resources
            .extend(wanted.entries.into_iter().filter_map(fetch));
        if u.resources.len() > start {
            u.external_start = Some(start);
        }
    }

    /// The entries [`Shared::attach`] adds to a unit with this demand, in order, and the
    /// keys it leaves out as ambiguous.
    pub fn wanted(&self, d: &Demand, sources: &Sources) -> Wanted {
        let mut out = Wanted::default();
        if self.entries.is_empty() {
            return out;
        }
        let (entries, by_key, udr_ready) = (&self.entries, &self.by_key, &self.udr_ready);
        let mut have = std::collections::HashSet::new();
        let mut wanted: Vec<usize> = Vec::new();
        // Each (key, directory asking) is looked up once: nearness depends only on the
        // directory, and many subnets of one folder name the same route table.
        let mut asked = std::collections::HashSet::new();
        let mut look = |k: &str,
                        from: FileId,
                        wanted: &mut Vec<usize>,
                        have: &mut std::collections::HashSet<usize>,
                        out: &mut Wanted| {
            let Some(found) = by_key.get(k) else {
                return;
            };
            if !asked.insert((k.to_string(), dir_of(sources.get(from).rel).to_string())) {
                return;
            }
            let near = nearest(found, entries, from, sources);
            let mut files: Vec<FileId> = near
                .iter()
                .map(|&i| entries[i].site.file)
                .filter(|&f| f != d.file)
                .collect();
            files.sort_unstable();
            files.dedup();
            if files.len() > MAX_EQUALLY_NEAR {
                out.ambiguous.push((k.to_string(), files.len()));
                return;
            }
            for i in near {
                if have.insert(i) {
                    wanted.push(i);
                }
            }
        };
        for k in &d.keys {
            look(k, d.file, &mut wanted, &mut have, &mut out);
        }
        if d.unknown_subnet {
            // Only an unambiguous candidate is worth adding: the fallback never guesses
            // between two, so the others need not be carried into the input.
            let others: Vec<&(usize, usize)> = udr_ready
                .iter()
                .filter(|(i, _)| entries[*i].file != d.file)
                .collect();
            let total: usize = d.own_udr_ready + others.iter().map(|(_, n)| n).sum::<usize>();
            if total == 1 {
                if let Some((i, _)) = others.first() {
                    if have.insert(*i) {
                        wanted.push(*i);
                    }
                }
            }
        }
        // The route tables the wanted subnets use, and their child routes.
        let mut j = 0;
        while j < wanted.len() {
            let e = &entries[wanted[j]];
            for k in &e.tables {
                look(k, e.site.file, &mut wanted, &mut have, &mut out);
            }
            j += 1;
        }
        wanted.sort_unstable();
        wanted.retain(|&i| {
            let e = &entries[i];
            e.file != d.file && e.site.file != d.file && d.own_sites.binary_search(&e.site).is_err()
        });
        out.entries = wanted;
        out
    }
}

/// More files than this deploying one resource id equally near a cluster (all in one
/// folder, say) make the reference ambiguous: none is attached, and a note says so.
/// Attaching them all made a folder of 600 look-alike templates take minutes (every
/// cluster carried hundreds of same-named subnets and route tables).
pub const MAX_EQUALLY_NEAR: usize = 8;

/// What [`Shared::wanted`] answers.
#[derive(Debug, Default, PartialEq)]
pub struct Wanted {
    /// The entries to attach, in order.
    pub entries: Vec<usize>,
    /// Keys deployed by more than [`MAX_EQUALLY_NEAR`] equally near files, with how many.
    pub ambiguous: Vec<(String, usize)>,
}

impl Wanted {
    /// Nothing to attach and nothing to say: the unit is as if the scan had no network.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.ambiguous.is_empty()
    }
}

fn dir_of(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(d, _)| d)
}

/// What a unit asks of the scan's network: everything [`Shared::wanted`] needs to know
/// of it, so the answer can be checked again once the index is complete.
#[derive(Debug, Clone)]
pub struct Demand {
    file: FileId,
    /// The keys of the resource ids its clusters and pools reference.
    keys: Vec<Text>,
    /// A pool's `vnetSubnetID` is unknown: the single-candidate fallback applies.
    unknown_subnet: bool,
    /// Subnets with a route table among its own resources.
    own_udr_ready: usize,
    /// Where its own resources written in other files (linked templates) are: never
    /// added again. (Those written in its own file are never added: see
    /// [`Shared::wanted`].) Sorted: every job that deploys a network and a cluster
    /// keeps one until the index is complete (as a hash set, twice the room); listing
    /// every resource of the unit took 4.1 MB more at 100,009 files.
    own_sites: Box<[Site]>,
}

impl Demand {
    /// Makes the demand's keys the copies `keys` holds, as [`Entry::share_keys`].
    pub fn share_keys(&mut self, keys: &mut Pool) {
        self.keys.iter_mut().for_each(|k| keys.share(k));
    }

    /// `None` when the unit references nothing the index could give.
    pub fn of(u: &Unit) -> Option<Demand> {
        let cluster_like =
            |r: &Resource| crate::plan::CLUSTER_TYPES.contains(&r.ty.to_ascii_lowercase().as_str());
        let mut ids = Vec::new();
        let mut unknown_subnet = false;
        for r in u.own_resources().iter().filter(|r| cluster_like(r)) {
            referenced_ids(&r.node, &mut ids);
            unknown_subnet |= has_unknown_subnet(r);
        }
        let clusters = foreign_clusters(u);
        if ids.is_empty() && !unknown_subnet && clusters.is_empty() {
            return None;
        }
        // What the unit's own network leads to in other files: a spoke's route table
        // sends 0.0.0.0/0 to the hub's firewall, which uses another file's policy.
        // Only what the unit does not deploy itself: its own firewall at the next hop
        // is the one, not another environment's at the same address.
        let own: Vec<&Resource> = shared_resources(u)
            .filter(|r| !r.ty.eq_ignore_ascii_case(CLUSTER_TYPE))
            .collect();
        let own_keys: std::collections::HashSet<String> =
            own.iter().flat_map(|r| keys_of(r)).collect();
        let own_refs = own
            .iter()
            .flat_map(|r| refs_of(r))
            .filter(|k| !own_keys.contains(k))
            .collect::<Vec<_>>();
        Some(Demand {
            file: u.file,
            keys: ids
                .iter()
                .filter_map(|id| id_key(id))
                .chain(clusters)
                .chain(own_refs)
                .map(Text::from)
                .collect(),
            unknown_subnet,
            own_udr_ready: if unknown_subnet {
                udr_ready_in(u.own_resources()).len()
            } else {
                0
            },
            own_sites: {
                let mut sites: Vec<Site> = u
                    .resources
                    .iter()
                    .map(|r| r.site)
                    .filter(|s| s.file != u.file)
                    .collect();
                sites.sort_unstable();
                sites.dedup();
                sites.into_boxed_slice()
            },
        })
    }
}

fn has_unknown_subnet(r: &Resource) -> bool {
    let unknown = |p: &RNode| {
        p.get("vnetSubnetID")
            .is_some_and(|s| matches!(s.value, RValue::Unknown(_)))
    };
    match r.ty.to_ascii_lowercase().as_str() {
        "microsoft.containerservice/managedclusters" => r
            .node
            .get("properties")
            .and_then(|p| p.get("agentPoolProfiles"))
            .and_then(RNode::as_array)
            .unwrap_or_default()
            .iter()
            .any(unknown),
        _ => r.node.get("properties").is_some_and(unknown),
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
    udr_ready_in(&u.resources)
}

/// Subnets (with a route table) among `resources`, by id, with where each is written.
fn udr_ready_in(resources: &[Resource]) -> Vec<(String, crate::source::Site)> {
    let mut out: Vec<(String, crate::source::Site)> = Vec::new();
    for r in resources {
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
