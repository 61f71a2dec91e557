//! `azurerm_kubernetes_cluster` to `Microsoft.ContainerService/managedClusters` and
//! `azurerm_kubernetes_cluster_node_pool` to `managedClusters/agentPools`, with the
//! provider's defaults (outbound type `loadBalancer` and a `standard` load balancer
//! once a `network_profile` is written; pools of type `VirtualMachineScaleSets`).

use super::blocks::BlockInst;
use super::emit::{node, string, Obj};
use super::ids::names_in;
use super::map::{base, identity, name_of, Ctx};
use crate::arm::value::Val;
use crate::json::{Node, Span, Value};

/// The managedClusters apiVersion of the azurerm major versions (the provider's
/// CHANGELOG): 5.x writes 2025-10-01 (4.64 began the move to it), 4.x 2024-05-01 (from
/// 4.0; later 4.x minors moved on, see [`cluster_api`]), 3.x (since 3.60)
/// 2023-04-02-preview.
pub(crate) fn aks_api(major: u32) -> &'static str {
    match major {
        m if m >= 5 => "2025-10-01",
        4 => "2024-05-01",
        _ => "2023-04-02-preview",
    }
}

/// A cluster's apiVersion: a 4.x cluster that uses what 4.44.0 added (`bootstrap_profile`,
/// outbound type `none`) needs 4.44 at least, which wrote 2025-05-01 (since 4.42.0).
fn cluster_api(cx: &Ctx, b: &BlockInst) -> &'static str {
    let needs_4_44 = || {
        cx.block(b, "bootstrap_profile").is_some()
            || cx.block(b, "network_profile").is_some_and(|np| {
                matches!(cx.attr(&np, "outbound_type"), Some((Val::Str(o), _)) if o.eq_ignore_ascii_case("none"))
            })
    };
    if cx.m.major == 4 && needs_4_44() {
        "2025-05-01"
    } else {
        aks_api(cx.m.major)
    }
}

pub(crate) fn cluster(cx: &Ctx, b: &BlockInst) -> Option<Node> {
    let at = cx.sp(b.span);
    let name = name_of(cx, b);
    let mut r = base(
        cx,
        b,
        "Microsoft.ContainerService/managedClusters",
        cluster_api(cx, b),
        &[name],
    );
    if let Some(ib) = cx.block(b, "identity") {
        r.put("identity", identity(cx, &ib));
    }
    if let Some((v, s)) = cx.attr(b, "sku_tier") {
        let mut sku = Obj::default();
        sku.put("name", string("Base", s));
        sku.put_val("tier", &v, s);
        r.put("sku", sku.node(s));
    }
    let mut p = Obj::default();
    cx.copy(&mut p, "dnsPrefix", b, "dns_prefix");
    cx.copy(&mut p, "kubernetesVersion", b, "kubernetes_version");
    cx.copy(&mut p, "nodeResourceGroup", b, "node_resource_group");
    if let Some(sp) = cx.block(b, "service_principal") {
        let mut o = Obj::default();
        cx.copy(&mut o, "clientId", &sp, "client_id");
        p.put("servicePrincipalProfile", o.node(cx.sp(sp.span)));
    }
    if let Some(pool) = cx.block(b, "default_node_pool") {
        let mut prof = pool_profile(cx, &pool);
        let n = name_of(cx, &pool);
        prof.put_val("name", &n.0, n.1);
        prof.put("mode", string("System", cx.sp(pool.span)));
        p.put(
            "agentPoolProfiles",
            Node {
                value: Value::Array(vec![prof.node(cx.sp(pool.span))]),
                span: cx.sp(pool.span),
            },
        );
    }
    if let Some(np) = cx.block(b, "network_profile") {
        p.put("networkProfile", network_profile(cx, &np));
    }
    let mut api = Obj::default();
    cx.copy(
        &mut api,
        "enablePrivateCluster",
        b,
        "private_cluster_enabled",
    );
    // 3.x only: the authorized ranges at the top level.
    cx.copy(
        &mut api,
        "authorizedIPRanges",
        b,
        "api_server_authorized_ip_ranges",
    );
    if let Some(ap) = cx.block(b, "api_server_access_profile") {
        cx.copy(&mut api, "authorizedIPRanges", &ap, "authorized_ip_ranges");
        cx.copy(&mut api, "subnetId", &ap, "subnet_id");
        if let Some((v, s)) = cx.attr_any(
            &ap,
            &[
                "virtual_network_integration_enabled",
                "vnet_integration_enabled",
            ],
        ) {
            api.put_val("enableVnetIntegration", &v, s);
        }
    }
    if !api.is_empty() {
        p.put("apiServerAccessProfile", api.node(at));
    }
    // 4.44.0+: where nodes get their artifacts (`Cache`: a network isolated cluster).
    if let Some(bp) = cx.block(b, "bootstrap_profile") {
        let mut o = Obj::default();
        if !cx.copy(&mut o, "artifactSource", &bp, "artifact_source") {
            o.put("artifactSource", string("Direct", cx.sp(bp.span)));
        }
        cx.copy(&mut o, "containerRegistryId", &bp, "container_registry_id");
        p.put("bootstrapProfile", o.node(cx.sp(bp.span)));
    }
    r.put("properties", p.node(at));
    Some(r.node(at))
}

/// The agent pool properties a pool block (`default_node_pool`, or a node pool
/// resource) gives.
fn pool_profile(cx: &Ctx, b: &BlockInst) -> Obj {
    let mut p = Obj::default();
    cx.copy(&mut p, "count", b, "node_count");
    cx.copy(&mut p, "vmSize", b, "vm_size");
    if !cx.copy(&mut p, "type", b, "type") {
        p.put("type", string("VirtualMachineScaleSets", cx.sp(b.span)));
    }
    cx.copy(&mut p, "vnetSubnetID", b, "vnet_subnet_id");
    cx.copy(&mut p, "podSubnetID", b, "pod_subnet_id");
    // 4.x `node_public_ip_enabled`, 3.x `enable_node_public_ip`.
    if let Some((v, s)) = cx.attr_any(b, &["node_public_ip_enabled", "enable_node_public_ip"]) {
        p.put_val("enableNodePublicIP", &v, s);
    }
    cx.copy(
        &mut p,
        "nodePublicIPPrefixID",
        b,
        "node_public_ip_prefix_id",
    );
    cx.copy(&mut p, "availabilityZones", b, "zones");
    cx.copy(&mut p, "osType", b, "os_type");
    if let Some((v, s)) = cx.attr_any(b, &["auto_scaling_enabled", "enable_auto_scaling"]) {
        p.put_val("enableAutoScaling", &v, s);
    }
    cx.copy(&mut p, "minCount", b, "min_count");
    cx.copy(&mut p, "maxCount", b, "max_count");
    p
}

pub(crate) fn node_pool(cx: &Ctx, b: &BlockInst) -> Option<Node> {
    let at = cx.sp(b.span);
    let cluster = match cx.attr(b, "kubernetes_cluster_id") {
        Some((Val::Str(id), s)) => match names_in(&id).first() {
            Some(n) => (Val::Str(n.clone()), s),
            None => (Val::unknown(id.clone(), "not a cluster id"), s),
        },
        Some((v, s)) => (v, s),
        None => (Val::unknown("kubernetes_cluster_id", "not set"), at),
    };
    let name = name_of(cx, b);
    let mut r = base(
        cx,
        b,
        "Microsoft.ContainerService/managedClusters/agentPools",
        aks_api(cx.m.major),
        &[cluster, name],
    );
    let mut p = pool_profile(cx, b);
    if !cx.copy(&mut p, "mode", b, "mode") {
        p.put("mode", string("User", at));
    }
    r.put("properties", p.node(at));
    Some(r.node(at))
}

/// `[{id: x}, ...]` from a list of ids (an unknown list stays unknown).
fn id_list(v: &Val, span: Span) -> Node {
    match v {
        Val::Array(a) => Node {
            value: Value::Array(
                a.iter()
                    .map(|x| {
                        let mut o = Obj::default();
                        o.put_val("id", x, span);
                        o.node(span)
                    })
                    .collect(),
            ),
            span,
        },
        other => node(other, span),
    }
}

fn network_profile(cx: &Ctx, np: &BlockInst) -> Node {
    let at = cx.sp(np.span);
    let mut o = Obj::default();
    cx.copy(&mut o, "networkPlugin", np, "network_plugin");
    cx.copy(&mut o, "networkPluginMode", np, "network_plugin_mode");
    cx.copy(&mut o, "networkPolicy", np, "network_policy");
    cx.copy(&mut o, "networkDataplane", np, "network_data_plane");
    cx.copy(&mut o, "podCidr", np, "pod_cidr");
    cx.copy(&mut o, "serviceCidr", np, "service_cidr");
    cx.copy(&mut o, "dnsServiceIP", np, "dns_service_ip");
    if !cx.copy(&mut o, "outboundType", np, "outbound_type") {
        o.put("outboundType", string("loadBalancer", at));
    }
    if !cx.copy(&mut o, "loadBalancerSku", np, "load_balancer_sku") {
        o.put("loadBalancerSku", string("standard", at));
    }
    if let Some(lb) = cx.block(np, "load_balancer_profile") {
        let lat = cx.sp(lb.span);
        let mut l = Obj::default();
        let mut managed = Obj::default();
        cx.copy(&mut managed, "count", &lb, "managed_outbound_ip_count");
        cx.copy(
            &mut managed,
            "countIPv6",
            &lb,
            "managed_outbound_ipv6_count",
        );
        if !managed.is_empty() {
            l.put("managedOutboundIPs", managed.node(lat));
        }
        if let Some((v, s)) = cx.attr(&lb, "outbound_ip_address_ids") {
            let mut x = Obj::default();
            x.put("publicIPs", id_list(&v, s));
            l.put("outboundIPs", x.node(s));
        }
        if let Some((v, s)) = cx.attr(&lb, "outbound_ip_prefix_ids") {
            let mut x = Obj::default();
            x.put("publicIPPrefixes", id_list(&v, s));
            l.put("outboundIPPrefixes", x.node(s));
        }
        cx.copy(
            &mut l,
            "allocatedOutboundPorts",
            &lb,
            "outbound_ports_allocated",
        );
        cx.copy(
            &mut l,
            "idleTimeoutInMinutes",
            &lb,
            "idle_timeout_in_minutes",
        );
        o.put("loadBalancerProfile", l.node(lat));
    }
    if let Some(ng) = cx.block(np, "nat_gateway_profile") {
        let nat = cx.sp(ng.span);
        let mut n = Obj::default();
        let mut managed = Obj::default();
        cx.copy(&mut managed, "count", &ng, "managed_outbound_ip_count");
        if !managed.is_empty() {
            n.put("managedOutboundIPProfile", managed.node(nat));
        }
        cx.copy(
            &mut n,
            "idleTimeoutInMinutes",
            &ng,
            "idle_timeout_in_minutes",
        );
        o.put("natGatewayProfile", n.node(nat));
    }
    o.node(at)
}
