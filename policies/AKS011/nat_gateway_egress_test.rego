package aksgate.rules.aks011_test

import data.aksgate.rules.aks011
import data.aksgate.test.fixtures as fx
import rego.v1

nat_id := "/subscriptions/{subscription}/resourceGroups/rg/providers/Microsoft.Network/natGateways/nat"

# Subnet vnet/<name> with the given NAT gateway association (null: none).
nat_subnet(name, nat) := object.union(fx.subnet(name, null), {"properties": {"natGateway": nat}})

user_np := {"outboundType": "userAssignedNATGateway", "networkPlugin": "azure"}

user_cluster(pools) := fx.cluster_np("2023-05-01", user_np, pools)

findings(cluster, subnets) := fs if {
	fs := aks011.deny with input as fx.doc_net([cluster], subnets, [])
}

test_metadata if {
	aks011.metadata.id == "AKS011"
	aks011.metadata.slug == "nat-gateway-egress"
	aks011.metadata.severity == "error"
}

test_user_nat_with_nat_gateway_on_subnet_passes if {
	count(findings(user_cluster([fx.pool("system", {})]), [nat_subnet("aks", {"id": nat_id})])) == 0
}

test_user_nat_subnet_without_nat_gateway_fails if {
	f := fx.only(findings(user_cluster([fx.pool("system", {})]), [nat_subnet("aks", null)]))
	f.rule == "AKS011"
	f.resource == 0
	f.path == ["properties", "agentPoolProfiles", 0, "vnetSubnetID"]
	contains(f.msg, "subnet vnet/aks of agent pool system has no NAT gateway")
	f.related[1] == {"resource": 1, "path": ["properties", "subnets", 0, "properties", "natGateway"], "msg": "subnet vnet/aks has no natGateway"}
	# A subnet without properties at all, and a natGateway without an id, alike.
	count(findings(user_cluster([fx.pool("system", {})]), [fx.subnet("aks", null)])) == 1
	count(findings(user_cluster([fx.pool("system", {})]), [nat_subnet("aks", {"id": ""})])) == 1
}

test_user_nat_case_insensitive if {
	c := fx.cluster_np("2023-05-01", {"outboundType": "USERASSIGNEDNATGATEWAY"}, [fx.pool("system", {})])
	count(findings(c, [nat_subnet("aks", null)])) == 1
}

test_user_nat_pool_without_subnet_fails if {
	f := fx.only(findings(user_cluster([{"name": "system"}]), []))
	f.rule == "AKS011"
	f.path == ["properties", "agentPoolProfiles", 0, "vnetSubnetID"]
	contains(f.msg, "agent pool system to be deployed into a subnet associated with a NAT gateway, but it has no vnetSubnetID")
}

test_user_nat_agent_pool_resource_checked if {
	child := {
		"ref": 3, "type": "Microsoft.ContainerService/managedClusters/agentPools", "name": "aks/user",
		"parent": 0, "properties": {"vnetSubnetID": fx.subnet_id("vnet", "user")},
	}
	inp := fx.doc_net([user_cluster([fx.pool("system", {})]), child], [nat_subnet("aks", {"id": nat_id}), nat_subnet("user", null)], [])
	f := fx.only(aks011.deny) with input as inp
	f.resource == 3
	f.path == ["properties", "vnetSubnetID"]
}

test_user_nat_subnet_not_scanned_is_aks900 if {
	f := fx.only(findings(user_cluster([fx.pool("system", {})]), []))
	f.rule == "AKS900"
	f.about == "AKS011"
	contains(f.msg, "subnet virtualnetworks/vnet/subnets/aks of agent pool system is not in the scanned files")
	inp := fx.doc_net([user_cluster([fx.pool("system", {})])], [], [])
	count(aks011.deny) == 0 with input as object.union(inp, {"aksgate": {"options": {"externalNetwork": true}}})
}

test_user_nat_unknown_values_are_aks900 if {
	unknown_sid := user_cluster([fx.pool("system", {"vnetSubnetID": fx.marker("[parameters('subnet')]")})])
	f := fx.only(findings(unknown_sid, []))
	f.rule == "AKS900"
	f.path == ["properties", "agentPoolProfiles", 0, "vnetSubnetID"]

	g := fx.only(findings(user_cluster([fx.pool("system", {})]), [nat_subnet("aks", fx.marker("[parameters('nat')]"))]))
	g.rule == "AKS900"
	g.resource == 1
	g.path == ["properties", "subnets", 0, "properties", "natGateway"]

	h := fx.only(findings(user_cluster([fx.pool("system", {})]), [nat_subnet("aks", {"id": fx.marker("[parameters('nat')]")})]))
	h.rule == "AKS900"
	h.path == ["properties", "subnets", 0, "properties", "natGateway", "id"]

	pools_unknown := fx.cluster("2023-05-01", {"networkProfile": user_np, "agentPoolProfiles": fx.marker("[parameters('pools')]")})
	i := fx.only(findings(pools_unknown, []))
	i.rule == "AKS900"
	i.path == ["properties", "agentPoolProfiles"]
}

test_managed_nat_with_custom_subnet_fails if {
	for_v1 := fx.cluster_np("2023-05-01", {"outboundType": "managedNATGateway"}, [fx.pool("system", {})])
	f := fx.only(findings(for_v1, []))
	f.rule == "AKS011"
	f.path == ["properties", "agentPoolProfiles", 0, "vnetSubnetID"]
	startswith(f.msg, "outboundType managedNATGateway is not compatible with a custom virtual network, but agent pool system is deployed into subnet ")
	f.related[0].path == ["properties", "networkProfile", "outboundType"]
	for_v2 := fx.cluster_np("2026-01-02-preview", {"outboundType": "ManagedNATGatewayV2"}, [fx.pool("system", {})])
	count(findings(for_v2, [])) == 1
}

test_managed_nat_in_managed_vnet_passes if {
	c := fx.cluster_np("2023-05-01", {"outboundType": "managedNATGateway"}, [{"name": "system"}, {"name": "user", "vnetSubnetID": ""}])
	count(findings(c, [])) == 0
}

test_managed_nat_unknown_subnet_is_aks900 if {
	c := fx.cluster_np("2023-05-01", {"outboundType": "managedNATGateway"}, [fx.pool("system", {"vnetSubnetID": fx.marker("[parameters('subnet')]")})])
	f := fx.only(findings(c, []))
	f.rule == "AKS900"
	f.about == "AKS011"
}

count_np(n) := {"outboundType": "managedNATGateway", "natGatewayProfile": {"managedOutboundIPProfile": {"count": n}}}

test_outbound_ip_count_in_range_passes if {
	every n in [1, 16, 8] {
		count(findings(fx.cluster_np("2023-05-01", count_np(n), [{"name": "system"}]), [])) == 0
	}
}

test_outbound_ip_count_out_of_range_fails if {
	every n in [0, 17, 100, -1, 2.5, "4"] {
		f := fx.only(findings(fx.cluster_np("2023-05-01", count_np(n), [{"name": "system"}]), []))
		f.rule == "AKS011"
		f.path == ["properties", "networkProfile", "natGatewayProfile", "managedOutboundIPProfile", "count"]
	}
	f := fx.only(findings(fx.cluster_np("2023-05-01", count_np(17), [{"name": "system"}]), []))
	f.msg == "natGatewayProfile.managedOutboundIPProfile.count is 17: a managed NAT gateway has 1 to 16 outbound IPs"
}

test_outbound_ip_count_unknown_is_aks900 if {
	f := fx.only(findings(fx.cluster_np("2023-05-01", count_np(fx.marker("[parameters('n')]")), [{"name": "system"}]), []))
	f.rule == "AKS900"
	f.path == ["properties", "networkProfile", "natGatewayProfile", "managedOutboundIPProfile", "count"]
	# Not a managed NAT gateway: the count does not matter.
	lb := {"natGatewayProfile": {"managedOutboundIPProfile": {"count": fx.marker("[parameters('n')]")}}}
	count(findings(fx.cluster_np("2023-05-01", lb, [{"name": "system"}]), [])) == 0
}

test_other_outbound_types_pass if {
	for_udr := fx.cluster_np("2023-05-01", fx.udr_np, [fx.pool("system", {})])
	count(findings(for_udr, [nat_subnet("aks", null)])) == 0
	for_lb := fx.cluster_np("2023-05-01", {}, [{"name": "system"}])
	count(findings(for_lb, [])) == 0
}

test_unknown_outbound_type_is_aks900_for_a_nat_shaped_cluster if {
	ot := {"outboundType": fx.marker("[parameters('ot')]"), "natGatewayProfile": {}}
	f := fx.only(findings(fx.cluster_np("2023-05-01", ot, [fx.pool("system", {})]), [nat_subnet("aks", {"id": nat_id})]))
	f.rule == "AKS900"
	f.path == ["properties", "networkProfile", "outboundType"]
	# A pool subnet with a NAT gateway is NAT-shaped too.
	plain := {"outboundType": fx.marker("[parameters('ot')]")}
	count(findings(fx.cluster_np("2023-05-01", plain, [fx.pool("system", {})]), [nat_subnet("aks", {"id": nat_id})])) == 1
	# Nothing NAT-shaped: other rules speak for the unknown value.
	count(findings(fx.cluster_np("2023-05-01", plain, [fx.pool("system", {})]), [nat_subnet("aks", null)])) == 0
	# A managed VNet breaks userAssignedNATGateway (no pool subnet): still undecided.
	count(findings(fx.cluster_np("2023-05-01", ot, [{"name": "system"}]), [])) == 1
	# Properties unknown as a whole: nothing says NAT.
	whole := fx.cluster("2023-05-01", fx.marker("[parameters('props')]"))
	count(findings(whole, [])) == 0
}
