# Builders for the rule packs' unit tests (no rules of its own; test use only).
package aksgate.test.fixtures

import rego.v1

marker(expr) := {"$unknown": {"expr": expr, "reason": "parameter has no default and no parameter file sets it"}}

subnet_id(vnet, name) := sprintf(
	"/subscriptions/{subscription}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/%s/subnets/%s",
	[vnet, name],
)

route_table_id(name) := sprintf("/subscriptions/{subscription}/resourceGroups/rg/providers/Microsoft.Network/routeTables/%s", [name])

# A managedClusters resource (ref 0) with the given properties.
cluster(api, props) := {
	"ref": 0,
	"type": "Microsoft.ContainerService/managedClusters",
	"apiVersion": api,
	"name": "aks",
	"parent": null,
	"properties": props,
}

# A cluster with a network profile and agent pools.
cluster_np(api, np, pools) := cluster(api, {"networkProfile": np, "agentPoolProfiles": pools})

# A VMSS pool in subnet vnet/aks, with extra (or overriding) properties.
pool(name, extra) := object.union(
	{"name": name, "type": "VirtualMachineScaleSets", "vnetSubnetID": subnet_id("vnet", "aks")},
	extra,
)

# The good UDR cluster: Azure CNI, a pool in vnet/aks.
udr_np := {"outboundType": "userDefinedRouting", "networkPlugin": "azure", "loadBalancerSku": "standard"}

udr_cluster := cluster_np("2021-07-01", udr_np, [pool("system", {})])

# An input document without network items.
doc(resources) := doc_net(resources, [], [])

doc_net(resources, subnets, route_tables) := {
	"aksgate": {"inputVersion": 1},
	"file": "infra/aks.json",
	"kind": "template",
	"resources": resources,
	"network": {"subnets": subnets, "routeTables": route_tables},
}

# A network item for subnet vnet/<name> written in resource 1, with a route table id
# (or null).
subnet(name, route_table) := {
	"id": lower(subnet_id("vnet", name)),
	"key": sprintf("virtualnetworks/vnet/subnets/%s", [lower(name)]),
	"vnet": "vnet",
	"name": name,
	"routeTable": route_table,
	"location": {"resource": 1, "path": ["properties", "subnets", 0]},
}

# A route table item written in resource 2.
route_table(name, routes) := {
	"id": lower(route_table_id(name)),
	"key": sprintf("routetables/%s", [lower(name)]),
	"name": name,
	"location": {"resource": 2, "path": []},
	"routes": routes,
}

# A route at index i of route table resource 2.
route(i, prefix, hop, ip) := {
	"name": sprintf("r%d", [i]),
	"addressPrefix": prefix,
	"nextHopType": hop,
	"nextHopIpAddress": ip,
	"location": {"resource": 2, "path": ["properties", "routes", i]},
}

rules_of(findings) := {f.rule | some f in findings}

by_rule(findings, id) := {f | some f in findings; f.rule == id}

# The single element of a set or array (undefined unless there is exactly one).
only(xs) := x if {
	count(xs) == 1
	some x in xs
}
