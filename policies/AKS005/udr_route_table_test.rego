package aksgate.rules.aks005_test

import data.aksgate.rules.aks005
import data.aksgate.test.fixtures as fx
import rego.v1

egress := fx.route_table_id("egress")

nva := fx.route(0, "0.0.0.0/0", "VirtualAppliance", "10.0.0.4")

findings_with(cluster, subnets, tables) := fs if {
	inp := fx.doc_net([cluster], subnets, tables)
	fs := aks005.deny with input as inp
}

findings(subnets, tables) := findings_with(fx.udr_cluster, subnets, tables)

test_metadata if {
	aks005.metadata.id == "AKS005"
	aks005.metadata.slug == "udr-route-table"
	aks005.metadata.severity == "error"
}

test_good_route_table_passes if {
	count(findings([fx.subnet("aks", egress)], [fx.route_table("egress", [nva])])) == 0
}

test_subnet_without_route_table_fails if {
	f := fx.only(findings([fx.subnet("aks", null)], []))
	f.rule == "AKS005"
	# The chain starts at the pool's vnetSubnetID and ends at the offending item.
	f.resource == 0
	f.path == ["properties", "agentPoolProfiles", 0, "vnetSubnetID"]
	f.msg == "subnet vnet/aks has no route table: outboundType userDefinedRouting of cluster aks needs one with a 0.0.0.0/0 route to an egress device"
	f.related[0].path == ["properties", "networkProfile", "outboundType"]
	f.related[1] == {"resource": 1, "path": ["properties", "subnets", 0, "properties", "routeTable"], "msg": "subnet vnet/aks has no route table"}
}

test_no_default_route_fails if {
	other := fx.route(0, "10.1.0.0/16", "VirtualAppliance", "10.0.0.4")
	f := fx.only(findings([fx.subnet("aks", egress)], [fx.route_table("egress", [other])]))
	f.rule == "AKS005"
	f.resource == 0
	f.path == ["properties", "agentPoolProfiles", 0, "vnetSubnetID"]
	contains(f.msg, "route table egress (on subnet vnet/aks) has no 0.0.0.0/0 route")
	f.related[0].resource == 1
	f.related[1].resource == 2
	f.related[count(f.related) - 1] == {"resource": 2, "path": ["properties", "routes"], "msg": "route table egress has no 0.0.0.0/0 route"}
}

test_empty_route_table_fails if {
	count(findings([fx.subnet("aks", egress)], [fx.route_table("egress", [])])) == 1
}

test_internet_default_route_fails if {
	f := fx.only(findings([fx.subnet("aks", egress)], [fx.route_table("egress", [fx.route(0, "0.0.0.0/0", "Internet", null)])]))
	f.resource == 0
	f.path == ["properties", "agentPoolProfiles", 0, "vnetSubnetID"]
	last := f.related[count(f.related) - 1]
	last.path == ["properties", "routes", 0, "properties", "nextHopType"]
	last.resource == 2
	contains(f.msg, "sends 0.0.0.0/0 to the Internet")
}

test_internet_case_insensitive if {
	count(findings([fx.subnet("aks", egress)], [fx.route_table("egress", [fx.route(0, "0.0.0.0/0", "INTERNET", null)])])) == 1
}

test_appliance_without_ip_fails if {
	f := fx.only(findings([fx.subnet("aks", egress)], [fx.route_table("egress", [fx.route(0, "0.0.0.0/0", "virtualAppliance", "")])]))
	f.path == ["properties", "agentPoolProfiles", 0, "vnetSubnetID"]
	f.related[count(f.related) - 1].path == ["properties", "routes", 0, "properties", "nextHopIpAddress"]
	contains(f.msg, "has no nextHopIpAddress")
	count(findings([fx.subnet("aks", egress)], [fx.route_table("egress", [fx.route(0, "0.0.0.0/0", "VirtualAppliance", null)])])) == 1
}

test_gateway_next_hop_passes if {
	count(findings([fx.subnet("aks", egress)], [fx.route_table("egress", [fx.route(0, "0.0.0.0/0", "VirtualNetworkGateway", null)])])) == 0
}

test_subnet_not_scanned_is_aks900 if {
	f := fx.only(findings([], []))
	f.rule == "AKS900"
	f.about == "AKS005"
	f.resource == 0
	f.path == ["properties", "agentPoolProfiles", 0, "vnetSubnetID"]
	contains(f.msg, "subnet virtualnetworks/vnet/subnets/aks of agent pool system is not in the scanned files")
}

test_route_table_not_scanned_is_aks900 if {
	f := fx.only(findings([fx.subnet("aks", egress)], []))
	f.rule == "AKS900"
	f.resource == 1
	f.path == ["properties", "subnets", 0, "properties", "routeTable"]
}

test_subnet_matched_case_insensitively if {
	c := fx.cluster_np("2021-07-01", fx.udr_np, [fx.pool("system", {"vnetSubnetID": fx.subnet_id("VNET", "AKS")})])
	count(findings_with(c, [fx.subnet("aks", egress)], [fx.route_table("egress", [nva])])) == 0
}

test_not_udr_passes if {
	c := fx.cluster_np("2021-07-01", {"outboundType": "loadBalancer"}, [fx.pool("system", {})])
	count(findings_with(c, [fx.subnet("aks", null)], [])) == 0
	c2 := fx.cluster_np("2021-07-01", {}, [fx.pool("system", {})])
	count(findings_with(c2, [], [])) == 0
}

test_case_insensitive_udr if {
	c := fx.cluster_np("2021-07-01", {"outboundType": "userdefinedrouting"}, [fx.pool("system", {})])
	count(findings_with(c, [fx.subnet("aks", null)], [])) == 1
}

test_two_pools_one_subnet_one_finding if {
	c := fx.cluster_np("2021-07-01", fx.udr_np, [fx.pool("a", {}), fx.pool("b", {})])
	f := fx.only(findings_with(c, [fx.subnet("aks", null)], []))
	count(f.related) == 3
}

test_two_subnets if {
	c := fx.cluster_np("2021-07-01", fx.udr_np, [fx.pool("a", {}), fx.pool("b", {"vnetSubnetID": fx.subnet_id("vnet", "user")})])
	fs := findings_with(c, [fx.subnet("aks", egress), fx.subnet("user", null)], [fx.route_table("egress", [nva])])
	f := fx.only(fs)
	contains(f.msg, "subnet vnet/user has no route table")
}

test_agent_pool_resource_subnet_checked if {
	child := {
		"ref": 3, "type": "Microsoft.ContainerService/managedClusters/agentPools", "name": "aks/user",
		"parent": 0, "properties": {"vnetSubnetID": fx.subnet_id("vnet", "user")},
	}
	inp := fx.doc_net([fx.udr_cluster, child], [fx.subnet("aks", egress), fx.subnet("user", null)], [fx.route_table("egress", [nva])])
	f := fx.only(aks005.deny) with input as inp
	f.resource == 3
	f.path == ["properties", "vnetSubnetID"]
}

test_unknown_next_hop_is_aks900 if {
	f := fx.only(findings([fx.subnet("aks", egress)], [fx.route_table("egress", [fx.route(0, "0.0.0.0/0", fx.marker("[parameters('hop')]"), "10.0.0.4")])]))
	f.rule == "AKS900"
	f.path == ["properties", "routes", 0, "properties", "nextHopType"]
}

test_unknown_prefix_is_aks900 if {
	f := fx.only(findings([fx.subnet("aks", egress)], [fx.route_table("egress", [fx.route(0, fx.marker("[parameters('p')]"), "VirtualAppliance", "10.0.0.4")])]))
	f.rule == "AKS900"
	f.path == ["properties", "routes", 0, "properties", "addressPrefix"]
}

test_unknown_route_table_is_aks900 if {
	f := fx.only(findings([fx.subnet("aks", fx.marker("[parameters('rt')]"))], []))
	f.rule == "AKS900"
	f.resource == 1
}

test_unknown_appliance_ip_passes if {
	count(findings([fx.subnet("aks", egress)], [fx.route_table("egress", [fx.route(0, "0.0.0.0/0", "VirtualAppliance", fx.marker("[parameters('ip')]"))])])) == 0
}

test_unknown_subnet_id_is_aks900 if {
	c := fx.cluster_np("2021-07-01", fx.udr_np, [fx.pool("a", {"vnetSubnetID": fx.marker("[parameters('subnet')]")})])
	f := fx.only(findings_with(c, [], []))
	f.rule == "AKS900"
	f.path == ["properties", "agentPoolProfiles", 0, "vnetSubnetID"]
}

test_unknown_outbound_type_with_problem_is_aks900 if {
	c := fx.cluster_np("2021-07-01", {"outboundType": fx.marker("[parameters('ot')]")}, [fx.pool("system", {})])
	f := fx.only(findings_with(c, [fx.subnet("aks", null)], []))
	f.rule == "AKS900"
	f.path == ["properties", "networkProfile", "outboundType"]
	count(findings_with(c, [fx.subnet("aks", egress)], [fx.route_table("egress", [nva])])) == 0
}

test_pool_without_subnet_left_to_aks004 if {
	c := fx.cluster_np("2021-07-01", fx.udr_np, [{"name": "a"}])
	count(findings_with(c, [], [])) == 0
}

test_subnet_not_scanned_is_silent_when_the_network_lives_elsewhere if {
	inp := fx.doc_net([fx.udr_cluster], [], [])
	count(aks005.deny) == 0 with input as object.union(inp, {"aksgate": {"options": {"externalNetwork": true}}})
	count(aks005.deny) == 1 with input as inp
}
