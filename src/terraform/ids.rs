//! The ARM resource ids of Terraform resources, built from their attributes in the
//! shape ARM's `resourceId()` gives (placeholder subscription and resource group), so
//! the network index and the policies match `azurerm_subnet.aks.id` with the subnet
//! as they match an ARM template's ids.

use crate::arm::value::Val;

const RG: &str = "/subscriptions/{subscription}/resourceGroups/{resourcegroup}";

fn s<'a>(o: &'a [(String, Val)], k: &str) -> Option<&'a str> {
    o.iter().find(|(x, _)| x == k).and_then(|(_, v)| v.as_str())
}

/// The ARM type and ARM name segments of an azurerm resource type, given its
/// attributes: `(type, [names])`.
pub(crate) fn arm_path(ty: &str, o: &[(String, Val)]) -> Option<(&'static str, Vec<String>)> {
    let name = || s(o, "name").map(str::to_string);
    Some(match ty {
        "azurerm_virtual_network" => ("Microsoft.Network/virtualNetworks", vec![name()?]),
        "azurerm_subnet" => (
            "Microsoft.Network/virtualNetworks/subnets",
            vec![s(o, "virtual_network_name")?.to_string(), name()?],
        ),
        "azurerm_route_table" => ("Microsoft.Network/routeTables", vec![name()?]),
        "azurerm_route" => (
            "Microsoft.Network/routeTables/routes",
            vec![s(o, "route_table_name")?.to_string(), name()?],
        ),
        "azurerm_public_ip" => ("Microsoft.Network/publicIPAddresses", vec![name()?]),
        "azurerm_public_ip_prefix" => ("Microsoft.Network/publicIPPrefixes", vec![name()?]),
        "azurerm_nat_gateway" => ("Microsoft.Network/natGateways", vec![name()?]),
        "azurerm_firewall" => ("Microsoft.Network/azureFirewalls", vec![name()?]),
        "azurerm_firewall_policy" => ("Microsoft.Network/firewallPolicies", vec![name()?]),
        "azurerm_network_interface" => ("Microsoft.Network/networkInterfaces", vec![name()?]),
        "azurerm_network_security_group" => {
            ("Microsoft.Network/networkSecurityGroups", vec![name()?])
        }
        "azurerm_kubernetes_cluster" => {
            ("Microsoft.ContainerService/managedClusters", vec![name()?])
        }
        "azurerm_user_assigned_identity" => (
            "Microsoft.ManagedIdentity/userAssignedIdentities",
            vec![name()?],
        ),
        _ => return None,
    })
}

/// The id of a resource (or data source) of type `ty` with attributes `o`, when its
/// names are known.
pub(crate) fn id_of(ty: &str, o: &[(String, Val)]) -> Option<Val> {
    if ty == "azurerm_resource_group" {
        return s(o, "name").map(|n| {
            Val::Str(format!(
                "/subscriptions/{{subscription}}/resourceGroups/{n}"
            ))
        });
    }
    if ty == "azurerm_kubernetes_cluster_node_pool" {
        let cluster = s(o, "kubernetes_cluster_id")?;
        return Some(Val::Str(format!("{cluster}/agentPools/{}", s(o, "name")?)));
    }
    if ty == "azapi_resource" {
        return azapi_id(o);
    }
    let (arm, names) = arm_path(ty, o)?;
    Some(Val::Str(id(arm, &names)))
}

/// `/subscriptions/.../providers/<namespace>/<t1>/<n1>/<t2>/<n2>`.
pub(crate) fn id(arm_type: &str, names: &[String]) -> String {
    let mut parts = arm_type.split('/');
    let ns = parts.next().unwrap_or_default();
    let mut out = format!("{RG}/providers/{ns}");
    for (t, n) in parts.zip(names) {
        out.push('/');
        out.push_str(t);
        out.push('/');
        out.push_str(n);
    }
    out
}

/// The names in an ARM id after its last `providers/<namespace>`: `.../virtualNetworks/v`
/// gives `["v"]`.
pub(crate) fn names_in(id: &str) -> Vec<String> {
    let parts: Vec<&str> = id.trim_end_matches('/').split('/').collect();
    let Some(p) = parts
        .iter()
        .rposition(|x| x.eq_ignore_ascii_case("providers"))
    else {
        return Vec::new();
    };
    parts[p + 2..]
        .chunks(2)
        .filter_map(|c| c.get(1).map(|n| n.to_string()))
        .collect()
}

/// An `azapi_resource`'s id: its parent's id and its type and name.
fn azapi_id(o: &[(String, Val)]) -> Option<Val> {
    let (ty, _) = s(o, "type")?.split_once('@')?;
    let parent = s(o, "parent_id")?;
    let name = s(o, "name")?;
    let segs: Vec<&str> = ty.split('/').collect();
    Some(Val::Str(if segs.len() <= 2 {
        format!("{}/providers/{ty}/{name}", parent.trim_end_matches('/'))
    } else {
        format!(
            "{}/{}/{name}",
            parent.trim_end_matches('/'),
            segs[segs.len() - 1]
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnet_ids_have_the_resource_id_shape() {
        let o = vec![
            ("name".to_string(), Val::Str("aks".into())),
            ("virtual_network_name".to_string(), Val::Str("vnet".into())),
        ];
        assert_eq!(
            id_of("azurerm_subnet", &o),
            Some(Val::Str("/subscriptions/{subscription}/resourceGroups/{resourcegroup}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/aks".into()))
        );
        assert_eq!(
            names_in("/x/providers/Microsoft.Network/virtualNetworks/vnet/subnets/s"),
            vec!["vnet", "s"]
        );
    }

    #[test]
    fn azapi_ids_of_top_level_and_child_resources() {
        let o = |t: &str, p: &str| {
            vec![
                ("type".to_string(), Val::Str(t.into())),
                ("parent_id".to_string(), Val::Str(p.into())),
                ("name".to_string(), Val::Str("n".into())),
            ]
        };
        assert_eq!(
            azapi_id(&o(
                "Microsoft.Network/virtualNetworks@2023-01-01",
                "/subscriptions/s/resourceGroups/r"
            )),
            Some(Val::Str(
                "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/n"
                    .into()
            ))
        );
        assert_eq!(
            azapi_id(&o(
                "Microsoft.Network/virtualNetworks/subnets@2023-01-01",
                "/a/providers/Microsoft.Network/virtualNetworks/v"
            )),
            Some(Val::Str(
                "/a/providers/Microsoft.Network/virtualNetworks/v/subnets/n".into()
            ))
        );
    }
}
