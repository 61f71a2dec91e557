//! Egress appliances for AKS014: `azurerm_firewall_policy_rule_collection_group` to
//! `firewallPolicies/ruleCollectionGroups` (its application and network rule
//! collections in the ARM shape), and `azurerm_network_interface` to
//! `networkInterfaces` (IP forwarding, static private IPs).

use super::blocks::BlockInst;
use super::emit::{string, Obj};
use super::ids::names_in;
use super::map::{base, name_of, Ctx, NETWORK_API};
use crate::arm::value::Val;
use crate::json::{Node, Span, Value};

fn array(items: Vec<Node>, span: Span) -> Node {
    Node {
        value: Value::Array(items),
        span,
    }
}

/// A rule collection group, named `<policy>/<group>` after the policy its
/// `firewall_policy_id` names.
pub(crate) fn rule_collection_group(cx: &Ctx, b: &BlockInst) -> Option<Node> {
    let at = cx.sp(b.span);
    let group = name_of(cx, b);
    let policy = match cx.attr(b, "firewall_policy_id") {
        Some((Val::Str(id), s)) => match names_in(&id).last() {
            Some(n) => (Val::Str(n.clone()), s),
            None => (Val::unknown(id, "not a firewall policy id"), s),
        },
        Some((v, s)) => (v, s),
        None => (
            Val::unknown("firewall_policy_id", "the group names no firewall policy"),
            at,
        ),
    };
    let mut r = base(
        cx,
        b,
        "Microsoft.Network/firewallPolicies/ruleCollectionGroups",
        NETWORK_API,
        &[policy, group],
    );
    let mut p = Obj::default();
    cx.copy(&mut p, "priority", b, "priority");
    let mut collections = Vec::new();
    for (block, rule_type) in [
        ("application_rule_collection", "ApplicationRule"),
        ("network_rule_collection", "NetworkRule"),
    ] {
        for c in cx.blocks(b, block) {
            collections.push(collection(cx, &c, rule_type));
        }
    }
    p.put("ruleCollections", array(collections, at));
    r.put("properties", p.node(at));
    Some(r.node(at))
}

/// One filter rule collection: name, priority, action and its rules.
fn collection(cx: &Ctx, c: &BlockInst, rule_type: &str) -> Node {
    let at = cx.sp(c.span);
    let mut o = Obj::default();
    o.put(
        "ruleCollectionType",
        string("FirewallPolicyFilterRuleCollection", at),
    );
    cx.copy(&mut o, "name", c, "name");
    cx.copy(&mut o, "priority", c, "priority");
    if let Some((v, s)) = cx.attr(c, "action") {
        let mut action = Obj::default();
        action.put_val("type", &v, s);
        o.put("action", action.node(s));
    }
    let rules: Vec<Node> = cx
        .blocks(c, "rule")
        .iter()
        .map(|r| rule(cx, r, rule_type))
        .collect();
    o.put("rules", array(rules, at));
    o.node(at)
}

fn rule(cx: &Ctx, r: &BlockInst, rule_type: &str) -> Node {
    let at = cx.sp(r.span);
    let mut o = Obj::default();
    o.put("ruleType", string(rule_type, at));
    cx.copy(&mut o, "name", r, "name");
    cx.copy(&mut o, "sourceAddresses", r, "source_addresses");
    cx.copy(&mut o, "sourceIpGroups", r, "source_ip_groups");
    if rule_type == "ApplicationRule" {
        cx.copy(&mut o, "fqdnTags", r, "destination_fqdn_tags");
        cx.copy(&mut o, "targetFqdns", r, "destination_fqdns");
        let protocols: Vec<Node> = cx
            .blocks(r, "protocols")
            .iter()
            .map(|p| {
                let mut x = Obj::default();
                cx.copy(&mut x, "protocolType", p, "type");
                cx.copy(&mut x, "port", p, "port");
                x.node(cx.sp(p.span))
            })
            .collect();
        o.put("protocols", array(protocols, at));
    } else {
        cx.copy(&mut o, "ipProtocols", r, "protocols");
        cx.copy(&mut o, "destinationAddresses", r, "destination_addresses");
        cx.copy(&mut o, "destinationPorts", r, "destination_ports");
        cx.copy(&mut o, "destinationFqdns", r, "destination_fqdns");
        cx.copy(&mut o, "destinationIpGroups", r, "destination_ip_groups");
    }
    o.node(at)
}

/// A network interface: IP forwarding (`ip_forwarding_enabled` in 4.x,
/// `enable_ip_forwarding` in 3.x; false when absent, the provider's default) and the
/// static private IPs of its configurations.
pub(crate) fn network_interface(cx: &Ctx, b: &BlockInst) -> Option<Node> {
    let at = cx.sp(b.span);
    let name = name_of(cx, b);
    let mut r = base(
        cx,
        b,
        "Microsoft.Network/networkInterfaces",
        NETWORK_API,
        &[name],
    );
    let mut p = Obj::default();
    match cx.attr_any(b, &["ip_forwarding_enabled", "enable_ip_forwarding"]) {
        Some((v, s)) => p.put_val("enableIPForwarding", &v, s),
        None => p.put_val("enableIPForwarding", &Val::Bool(false), at),
    }
    let configs: Vec<Node> = cx
        .blocks(b, "ip_configuration")
        .iter()
        .map(|c| {
            let mut o = Obj::default();
            cx.copy(&mut o, "name", c, "name");
            let mut cp = Obj::default();
            cx.copy(&mut cp, "privateIPAddress", c, "private_ip_address");
            if let Some((v, s)) = cx.attr(c, "subnet_id") {
                cp.put("subnet", cx.id_ref(&v, s));
            }
            o.put("properties", cp.node(cx.sp(c.span)));
            o.node(cx.sp(c.span))
        })
        .collect();
    p.put("ipConfigurations", array(configs, at));
    r.put("properties", p.node(at));
    Some(r.node(at))
}

/// The classic rule collections written as resources of their own
/// (`azurerm_firewall_application_rule_collection`, `_network_rule_collection`) that
/// name the firewall `fw` by `azure_firewall_name`, in the firewall's ARM shape
/// (`applicationRuleCollections`, `networkRuleCollections`). `None`: the module has
/// none. A collection whose firewall name is unknown makes both unknown: it may be
/// this firewall's.
pub(crate) fn classic_collections(cx: &Ctx, fw: &Val, at: Span) -> Option<(Node, Node)> {
    let mut found = false;
    let (mut apps, mut nets) = (Vec::new(), Vec::new());
    for ((ty, _), &where_) in &cx.m.resources {
        let application = match ty.as_str() {
            "azurerm_firewall_application_rule_collection" => true,
            "azurerm_firewall_network_rule_collection" => false,
            _ => continue,
        };
        found = true;
        let Some(block) = cx.m.block(where_) else {
            continue;
        };
        // A collection in another file of the module takes the firewall's span.
        let here = Ctx {
            m: cx.m,
            fi: where_.0,
            over: if where_.0 == cx.fi { cx.over } else { Some(at) },
        };
        for inst in cx.m.instances(where_).unwrap_or_default() {
            let b = BlockInst {
                body: &block.body,
                scope: inst.scope,
                span: super::module::span_of(block),
            };
            match here.attr(&b, "azure_firewall_name").map(|(v, _)| v) {
                Some(Val::Str(n)) if matches!(fw, Val::Str(f) if f.eq_ignore_ascii_case(&n)) => {}
                Some(Val::Str(_)) => continue,
                _ => {
                    let u = Val::unknown(
                        format!("{ty}.azure_firewall_name"),
                        "a rule collection names its firewall by an unknown value",
                    );
                    return Some((super::emit::node(&u, at), super::emit::node(&u, at)));
                }
            }
            let c = classic(&here, &b, application);
            if application {
                apps.push(c);
            } else {
                nets.push(c);
            }
        }
    }
    found.then(|| (array(apps, at), array(nets, at)))
}

/// One classic collection: `{name, properties: {priority, action.type, rules}}`.
fn classic(cx: &Ctx, b: &BlockInst, application: bool) -> Node {
    let at = cx.sp(b.span);
    let mut o = Obj::default();
    cx.copy(&mut o, "name", b, "name");
    let mut p = Obj::default();
    cx.copy(&mut p, "priority", b, "priority");
    if let Some((v, s)) = cx.attr(b, "action") {
        let mut action = Obj::default();
        action.put_val("type", &v, s);
        p.put("action", action.node(s));
    }
    let rules: Vec<Node> = cx
        .blocks(b, "rule")
        .iter()
        .map(|r| {
            let mut x = Obj::default();
            cx.copy(&mut x, "name", r, "name");
            cx.copy(&mut x, "sourceAddresses", r, "source_addresses");
            cx.copy(&mut x, "sourceIpGroups", r, "source_ip_groups");
            if application {
                cx.copy(&mut x, "targetFqdns", r, "target_fqdns");
                cx.copy(&mut x, "fqdnTags", r, "fqdn_tags");
                let protocols: Vec<Node> = cx
                    .blocks(r, "protocol")
                    .iter()
                    .map(|p| {
                        let mut y = Obj::default();
                        cx.copy(&mut y, "protocolType", p, "type");
                        cx.copy(&mut y, "port", p, "port");
                        y.node(cx.sp(p.span))
                    })
                    .collect();
                x.put("protocols", array(protocols, cx.sp(r.span)));
            } else {
                cx.copy(&mut x, "protocols", r, "protocols");
                cx.copy(&mut x, "destinationAddresses", r, "destination_addresses");
                cx.copy(&mut x, "destinationPorts", r, "destination_ports");
                cx.copy(&mut x, "destinationFqdns", r, "destination_fqdns");
                cx.copy(&mut x, "destinationIpGroups", r, "destination_ip_groups");
            }
            x.node(cx.sp(r.span))
        })
        .collect();
    p.put("rules", array(rules, at));
    o.put("properties", p.node(at));
    o.node(at)
}
