//! Terraform resources to ARM resources: the mapping table of docs/terraform.md.
//! Each mapped resource instance becomes the ARM resource its provider would PUT,
//! with the canonical ARM type, the apiVersion the provider major version uses, and
//! the provider's defaults where an attribute is absent. Network resources here, the
//! cluster and its pools in `map_aks.rs`.

use super::blocks::{all_blocks, BlockInst};
use super::emit::{node, string, Obj};
use super::ids::names_in;
use super::module::{span_of, Module};
use crate::arm::value::Val;
use crate::json::{Node, Span};

/// The apiVersion aksgate gives the network resources it maps.
pub(crate) const NETWORK_API: &str = "2023-09-01";

/// The Terraform resource types aksgate maps (others are not deployment resources
/// the rules look at, and are left out).
pub(crate) const MAPPED: &[&str] = &[
    "azurerm_kubernetes_cluster",
    "azurerm_kubernetes_cluster_node_pool",
    "azurerm_virtual_network",
    "azurerm_subnet",
    "azurerm_route_table",
    "azurerm_route",
    "azurerm_public_ip",
    "azurerm_public_ip_prefix",
    "azurerm_nat_gateway",
    "azurerm_firewall",
    "azurerm_firewall_policy",
    "azurerm_firewall_policy_rule_collection_group",
    "azurerm_network_interface",
    "azapi_resource",
    // Merged into the resource it updates (update.rs): maps to nothing itself.
    "azapi_update_resource",
];

/// Where mapped values are written: the module, the file the body is in, and the
/// span every node takes instead of its own (a module's resources point at the
/// `module` block that brings them in).
pub(crate) struct Ctx<'a, 'r> {
    pub m: &'a Module<'r>,
    pub fi: usize,
    pub over: Option<Span>,
}

impl Ctx<'_, '_> {
    pub fn sp(&self, s: Span) -> Span {
        self.over.unwrap_or(s)
    }

    pub fn attr(&self, b: &BlockInst, name: &str) -> Option<(Val, Span)> {
        let a = b.body.get_attribute(name)?;
        let span = self.sp(span_of(&a.value));
        if self.over.is_none() {
            super::vars::note(self.m, &a.value, span);
        }
        Some((self.m.eval_in(self.fi, &a.value, &b.scope), span))
    }

    /// The first of several attribute names that is set (an attribute renamed
    /// between provider versions).
    pub fn attr_any(&self, b: &BlockInst, names: &[&str]) -> Option<(Val, Span)> {
        names.iter().find_map(|n| self.attr(b, n))
    }

    pub fn blocks<'b>(&self, b: &BlockInst<'b>, name: &str) -> Vec<BlockInst<'b>> {
        all_blocks(self.m, self.fi, b.body, &b.scope)
            .into_iter()
            .filter(|(n, _)| n == name)
            .map(|(_, i)| i)
            .collect()
    }

    pub fn block<'b>(&self, b: &BlockInst<'b>, name: &str) -> Option<BlockInst<'b>> {
        self.blocks(b, name).into_iter().next()
    }

    /// `obj[key] = b.attr` when the attribute is set; whether it was.
    pub fn copy(&self, obj: &mut Obj, key: &str, b: &BlockInst, attr: &str) -> bool {
        match self.attr(b, attr) {
            Some((v, s)) => {
                obj.put_val(key, &v, s);
                true
            }
            None => false,
        }
    }

    /// `{ "id": <value> }` for a reference to another resource.
    pub fn id_ref(&self, v: &Val, span: Span) -> Node {
        let mut o = Obj::default();
        o.put_val("id", v, span);
        o.node(span)
    }
}

/// The skeleton of an ARM resource: type, apiVersion, name (the given segments
/// joined by `/`), location.
pub(crate) fn base(cx: &Ctx, b: &BlockInst, ty: &str, api: &str, names: &[(Val, Span)]) -> Obj {
    let at = cx.sp(b.span);
    let mut r = Obj::default();
    r.put("type", string(ty, at));
    r.put("apiVersion", string(api, at));
    let name = join_names(names);
    let span = names.last().map_or(at, |n| n.1);
    r.put_val("name", &name, span);
    if let Some((v, s)) = cx.attr(b, "location") {
        r.put_val("location", &v, s);
    }
    r
}

fn join_names(names: &[(Val, Span)]) -> Val {
    let mut out = Vec::new();
    for (v, _) in names {
        match v {
            Val::Str(s) => out.push(s.clone()),
            u @ Val::Unknown(_) => return u.clone(),
            other => out.push(other.to_string()),
        }
    }
    Val::Str(out.join("/"))
}

pub(crate) fn name_of(cx: &Ctx, b: &BlockInst) -> (Val, Span) {
    cx.attr(b, "name").unwrap_or_else(|| {
        (
            Val::unknown("name", "the resource has no name"),
            cx.sp(b.span),
        )
    })
}

/// Maps one instance of a resource of type `ty`; nothing for a type not mapped.
pub(crate) fn resource(cx: &Ctx, ty: &str, b: &BlockInst, out: &mut Vec<Node>) {
    let r = match ty {
        "azurerm_kubernetes_cluster" => super::map_aks::cluster(cx, b),
        "azurerm_kubernetes_cluster_node_pool" => super::map_aks::node_pool(cx, b),
        "azurerm_virtual_network" => vnet(cx, b),
        "azurerm_subnet" => subnet(cx, b),
        "azurerm_route_table" => route_table(cx, b),
        "azurerm_route" => route(cx, b),
        "azurerm_public_ip" => public_ip(cx, b, "Microsoft.Network/publicIPAddresses"),
        "azurerm_public_ip_prefix" => public_ip(cx, b, "Microsoft.Network/publicIPPrefixes"),
        "azurerm_nat_gateway" => nat_gateway(cx, b),
        "azurerm_firewall" => firewall(cx, b),
        "azurerm_firewall_policy" => firewall_policy(cx, b),
        "azurerm_firewall_policy_rule_collection_group" => {
            super::map_fw::rule_collection_group(cx, b)
        }
        "azurerm_network_interface" => super::map_fw::network_interface(cx, b),
        "azapi_resource" => azapi(cx, b),
        _ => None,
    };
    out.extend(r);
}

/// A subnet's properties from its attributes (standalone `azurerm_subnet` or an
/// inline `subnet` block), with the route table and NAT gateway associations of the
/// module that name it.
fn subnet_props(cx: &Ctx, b: &BlockInst, vnet: &Val, name: &Val) -> Obj {
    let mut p = Obj::default();
    if !cx.copy(&mut p, "addressPrefixes", b, "address_prefixes") {
        cx.copy(&mut p, "addressPrefix", b, "address_prefix");
    }
    if let Some((v, s)) = cx.attr(b, "security_group") {
        p.put("networkSecurityGroup", cx.id_ref(&v, s));
    }
    if let Some((v, s)) = cx.attr(b, "route_table_id") {
        p.put("routeTable", cx.id_ref(&v, s));
    }
    if let (Val::Str(v), Val::Str(n)) = (vnet, name) {
        let key = format!("virtualnetworks/{v}/subnets/{n}").to_ascii_lowercase();
        for (kind, id) in associations(cx.m) {
            if kind.0 == key {
                let prop = if kind.1 { "routeTable" } else { "natGateway" };
                if p.get_mut(prop).is_none() {
                    p.put(prop, cx.id_ref(&id, cx.sp(b.span)));
                }
            }
        }
    }
    p
}

/// The module's subnet associations: ((subnet key, is a route table), id).
fn associations(m: &Module) -> Vec<((String, bool), Val)> {
    let mut out = Vec::new();
    for ((ty, _), &at) in &m.resources {
        let (rt, attr) = match ty.as_str() {
            "azurerm_subnet_route_table_association" => (true, "route_table_id"),
            "azurerm_subnet_nat_gateway_association" => (false, "nat_gateway_id"),
            _ => continue,
        };
        let Some(block) = m.block(at) else { continue };
        for inst in m.instances(at).unwrap_or_default() {
            let get = |k: &str| {
                block
                    .body
                    .get_attribute(k)
                    .map(|a| m.eval_in(at.0, &a.value, &inst.scope))
            };
            if let (Some(Val::Str(subnet)), Some(id)) = (get("subnet_id"), get(attr)) {
                let n = names_in(&subnet);
                if n.len() == 2 {
                    let key =
                        format!("virtualnetworks/{}/subnets/{}", n[0], n[1]).to_ascii_lowercase();
                    out.push(((key, rt), id));
                }
            }
        }
    }
    out
}

fn vnet(cx: &Ctx, b: &BlockInst) -> Option<Node> {
    let name = name_of(cx, b);
    let mut r = base(
        cx,
        b,
        "Microsoft.Network/virtualNetworks",
        NETWORK_API,
        std::slice::from_ref(&name),
    );
    let mut p = Obj::default();
    if let Some((v, s)) = cx.attr(b, "address_space") {
        let mut a = Obj::default();
        a.put_val("addressPrefixes", &v, s);
        p.put("addressSpace", a.node(s));
    }
    let mut subnets = Vec::new();
    for sb in cx.blocks(b, "subnet") {
        let sname = name_of(cx, &sb);
        let props = subnet_props(cx, &sb, &name.0, &sname.0);
        let mut s = Obj::default();
        s.put_val("name", &sname.0, sname.1);
        s.put("properties", props.node(cx.sp(sb.span)));
        subnets.push(s.node(cx.sp(sb.span)));
    }
    if !subnets.is_empty() {
        let at = subnets[0].span;
        p.put(
            "subnets",
            Node {
                value: crate::json::Value::Array(subnets),
                span: at,
            },
        );
    }
    r.put("properties", p.node(cx.sp(b.span)));
    Some(r.node(cx.sp(b.span)))
}

fn subnet(cx: &Ctx, b: &BlockInst) -> Option<Node> {
    let vnet = cx.attr(b, "virtual_network_name").unwrap_or_else(|| {
        (
            Val::unknown("virtual_network_name", "not set"),
            cx.sp(b.span),
        )
    });
    let name = name_of(cx, b);
    let mut r = base(
        cx,
        b,
        "Microsoft.Network/virtualNetworks/subnets",
        NETWORK_API,
        &[vnet.clone(), name.clone()],
    );
    let p = subnet_props(cx, b, &vnet.0, &name.0);
    r.put("properties", p.node(cx.sp(b.span)));
    Some(r.node(cx.sp(b.span)))
}

fn route_props(cx: &Ctx, b: &BlockInst) -> Obj {
    let mut p = Obj::default();
    cx.copy(&mut p, "addressPrefix", b, "address_prefix");
    cx.copy(&mut p, "nextHopType", b, "next_hop_type");
    cx.copy(&mut p, "nextHopIpAddress", b, "next_hop_in_ip_address");
    p
}

fn route_table(cx: &Ctx, b: &BlockInst) -> Option<Node> {
    let name = name_of(cx, b);
    let mut r = base(cx, b, "Microsoft.Network/routeTables", NETWORK_API, &[name]);
    let mut p = Obj::default();
    let mut routes = Vec::new();
    for rb in cx.blocks(b, "route") {
        let mut o = Obj::default();
        let n = name_of(cx, &rb);
        o.put_val("name", &n.0, n.1);
        o.put("properties", route_props(cx, &rb).node(cx.sp(rb.span)));
        routes.push(o.node(cx.sp(rb.span)));
    }
    p.put(
        "routes",
        Node {
            value: crate::json::Value::Array(routes),
            span: cx.sp(b.span),
        },
    );
    // 3.x `disable_bgp_route_propagation`, 4.x `bgp_route_propagation_enabled`.
    if let Some((v, s)) = cx.attr(b, "disable_bgp_route_propagation") {
        p.put_val("disableBgpRoutePropagation", &v, s);
    } else if let Some((v, s)) = cx.attr(b, "bgp_route_propagation_enabled") {
        let inv = match v {
            Val::Bool(x) => Val::Bool(!x),
            other => other,
        };
        p.put_val("disableBgpRoutePropagation", &inv, s);
    }
    r.put("properties", p.node(cx.sp(b.span)));
    Some(r.node(cx.sp(b.span)))
}

fn route(cx: &Ctx, b: &BlockInst) -> Option<Node> {
    let table = cx
        .attr(b, "route_table_name")
        .unwrap_or_else(|| (Val::unknown("route_table_name", "not set"), cx.sp(b.span)));
    let name = name_of(cx, b);
    let mut r = base(
        cx,
        b,
        "Microsoft.Network/routeTables/routes",
        NETWORK_API,
        &[table, name],
    );
    r.put("properties", route_props(cx, b).node(cx.sp(b.span)));
    Some(r.node(cx.sp(b.span)))
}

fn public_ip(cx: &Ctx, b: &BlockInst, ty: &str) -> Option<Node> {
    let name = name_of(cx, b);
    let mut r = base(cx, b, ty, NETWORK_API, &[name]);
    let mut sku = Obj::default();
    match cx.attr(b, "sku") {
        Some((v, s)) => sku.put_val("name", &v, s),
        // azurerm 4.x defaults public IPs to Standard, 3.x to Basic; prefixes are
        // Standard in both.
        None => {
            let d = if cx.m.major >= 4 || ty.ends_with("Prefixes") {
                "Standard"
            } else {
                "Basic"
            };
            sku.put("name", string(d, cx.sp(b.span)));
        }
    }
    r.put("sku", sku.node(cx.sp(b.span)));
    let mut p = Obj::default();
    cx.copy(&mut p, "publicIPAllocationMethod", b, "allocation_method");
    cx.copy(&mut p, "prefixLength", b, "prefix_length");
    if let Some((v, s)) = cx.attr(b, "public_ip_prefix_id") {
        p.put("publicIPPrefix", cx.id_ref(&v, s));
    }
    r.put("properties", p.node(cx.sp(b.span)));
    Some(r.node(cx.sp(b.span)))
}

fn nat_gateway(cx: &Ctx, b: &BlockInst) -> Option<Node> {
    let name = name_of(cx, b);
    let mut r = base(cx, b, "Microsoft.Network/natGateways", NETWORK_API, &[name]);
    let mut sku = Obj::default();
    if !cx.copy(&mut sku, "name", b, "sku_name") {
        sku.put("name", string("Standard", cx.sp(b.span)));
    }
    r.put("sku", sku.node(cx.sp(b.span)));
    let mut p = Obj::default();
    cx.copy(&mut p, "idleTimeoutInMinutes", b, "idle_timeout_in_minutes");
    r.put("properties", p.node(cx.sp(b.span)));
    Some(r.node(cx.sp(b.span)))
}

fn firewall(cx: &Ctx, b: &BlockInst) -> Option<Node> {
    let name = name_of(cx, b);
    let fw_name = name.0.clone();
    let mut r = base(
        cx,
        b,
        "Microsoft.Network/azureFirewalls",
        NETWORK_API,
        &[name],
    );
    let mut p = Obj::default();
    let mut sku = Obj::default();
    cx.copy(&mut sku, "name", b, "sku_name");
    cx.copy(&mut sku, "tier", b, "sku_tier");
    if !sku.is_empty() {
        p.put("sku", sku.node(cx.sp(b.span)));
    }
    let mut configs = Vec::new();
    for ib in cx.blocks(b, "ip_configuration") {
        let mut c = Obj::default();
        let n = name_of(cx, &ib);
        c.put_val("name", &n.0, n.1);
        let mut cp = Obj::default();
        if let Some((v, s)) = cx.attr(&ib, "subnet_id") {
            cp.put("subnet", cx.id_ref(&v, s));
        }
        if let Some((v, s)) = cx.attr(&ib, "public_ip_address_id") {
            cp.put("publicIPAddress", cx.id_ref(&v, s));
        }
        c.put("properties", cp.node(cx.sp(ib.span)));
        configs.push(c.node(cx.sp(ib.span)));
    }
    if !configs.is_empty() {
        let at = configs[0].span;
        p.put(
            "ipConfigurations",
            Node {
                value: crate::json::Value::Array(configs),
                span: at,
            },
        );
    }
    if let Some((v, s)) = cx.attr(b, "firewall_policy_id") {
        p.put("firewallPolicy", cx.id_ref(&v, s));
    }
    // Classic rule collections are resources of their own in Terraform, inline in ARM.
    if let Some((apps, nets)) = super::map_fw::classic_collections(cx, &fw_name, cx.sp(b.span)) {
        p.put("applicationRuleCollections", apps);
        p.put("networkRuleCollections", nets);
    }
    r.put("properties", p.node(cx.sp(b.span)));
    Some(r.node(cx.sp(b.span)))
}

fn firewall_policy(cx: &Ctx, b: &BlockInst) -> Option<Node> {
    let name = name_of(cx, b);
    let mut r = base(
        cx,
        b,
        "Microsoft.Network/firewallPolicies",
        NETWORK_API,
        &[name],
    );
    r.put("properties", Obj::default().node(cx.sp(b.span)));
    Some(r.node(cx.sp(b.span)))
}

/// `azapi_resource`: `type = "Microsoft.X/y@version"` and `body` are the ARM request
/// itself; the name of a child type takes its parent's names from `parent_id`.
fn azapi(cx: &Ctx, b: &BlockInst) -> Option<Node> {
    let (tv, ts) = cx.attr(b, "type")?;
    let at = cx.sp(b.span);
    let Val::Str(full) = tv else {
        let mut r = Obj::default();
        r.put_val("type", &tv, ts);
        return Some(r.node(at));
    };
    let (ty, api) = full.split_once('@').unwrap_or((full.as_str(), ""));
    let segs = ty.split('/').count();
    let name = name_of(cx, b);
    let mut names: Vec<(Val, Span)> = Vec::new();
    if segs > 2 {
        match cx.attr(b, "parent_id") {
            Some((Val::Str(pid), s)) => {
                let parents = names_in(&pid);
                let want = segs - 2;
                if parents.len() >= want {
                    for n in &parents[parents.len() - want..] {
                        names.push((Val::Str(n.clone()), s));
                    }
                } else {
                    names.push((
                        Val::unknown(
                            pid.clone(),
                            "the parent_id is not a resource id of the parent type",
                        ),
                        s,
                    ));
                }
            }
            Some((v, s)) => names.push((v, s)),
            None => names.push((Val::unknown("parent_id", "not set"), at)),
        }
    }
    names.push(name);
    let mut r = base(cx, b, ty, api, &names);
    if let Some((body, s)) = cx.attr(b, "body") {
        // azapi 1.x takes the body as a JSON string, 2.x as an object.
        let body = match body {
            Val::Str(text) => match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(j) => Val::from_json(&j),
                Err(e) => Val::unknown("body", format!("the body is not JSON: {e}")),
            },
            other => other,
        };
        match &body {
            Val::Object(_) => {
                // An object written in HCL (2.x): each property at its own line.
                let mut n = node(&body, s);
                if let Some(a) = b.body.get_attribute("body").filter(|_| cx.over.is_none()) {
                    super::emit::spans_from(&mut n, &a.value);
                }
                if let crate::json::Value::Object(members) = n.value {
                    for m in members {
                        if !matches!(m.key.as_str(), "type" | "apiVersion" | "name") {
                            r.put(&m.key.clone(), m.value);
                            if let Some(last) = r.members.last_mut() {
                                last.key_span = m.key_span;
                            }
                        }
                    }
                }
            }
            other => r.put_val("properties", other, s),
        }
    }
    if let Some(ib) = cx.block(b, "identity") {
        r.put("identity", identity(cx, &ib));
    }
    Some(r.node(at))
}

/// An `identity` block: `{type, userAssignedIdentities}`.
pub(crate) fn identity(cx: &Ctx, ib: &BlockInst) -> Node {
    let mut o = Obj::default();
    cx.copy(&mut o, "type", ib, "type");
    if let Some((Val::Array(ids), s)) = cx.attr(ib, "identity_ids") {
        let mut u = Obj::default();
        for id in ids {
            let key = match &id {
                Val::Str(x) => x.clone(),
                _ => "(an identity id known only after apply)".to_string(),
            };
            u.put(&key, Obj::default().node(s));
        }
        o.put("userAssignedIdentities", u.node(s));
    }
    o.node(cx.sp(ib.span))
}
