package aksgate.rules.aks007_test

import data.aksgate.rules.aks007
import data.aksgate.test.fixtures as fx
import rego.v1

ot_path := ["properties", "networkProfile", "outboundType"]

findings_in(resources) := fs if {
	inp := fx.doc(resources)
	fs := aks007.deny with input as inp
}

findings(api, np, pools) := findings_in([fx.cluster_np(api, np, pools)])

test_metadata if {
	aks007.metadata.id == "AKS007"
	aks007.metadata.slug == "public-ip"
	aks007.metadata.severity == "error"
}

test_public_ip_resources_fail if {
	fs := findings_in([
		{"ref": 0, "type": "Microsoft.Network/publicIPAddresses", "name": "pip"},
		{"ref": 1, "type": "microsoft.network/PUBLICIPPREFIXES", "name": "prefix"},
		{"ref": 2, "type": "Microsoft.Network/virtualNetworks", "name": "vnet"},
	])
	{[f.resource, f.path, f.msg] | some f in fs} == {
		[0, [], "the deployment creates the public IP address pip"],
		[1, [], "the deployment creates the public IP prefix prefix"],
	}
}

test_standard_lb_egress_fails if {
	f := fx.only(findings("2021-07-01", {"outboundType": "loadBalancer", "loadBalancerSku": "Standard"}, []))
	f.rule == "AKS007"
	f.path == ot_path
	f.msg == "cluster aks egresses through a Standard load balancer (outboundType loadBalancer): AKS provisions a public IP for it"
	f.related[0].path == ["properties", "networkProfile", "loadBalancerSku"]
}

test_default_outbound_and_default_sku_fail if {
	f := fx.only(findings("2021-05-01", {}, []))
	contains(f.msg, "(outboundType loadBalancer, the default)")
	f.related == []
}

test_dropped_outbound_type_egresses_through_lb if {
	f := fx.only(findings("2019-10-01", {"outboundType": "userDefinedRouting", "loadBalancerSku": "standard"}, []))
	f.rule == "AKS007"
	contains(f.msg, "(outboundType loadBalancer, because apiVersion 2019-10-01 drops the outboundType set here)")
}

test_basic_lb_passes if {
	count(findings("2019-11-01", {"loadBalancerSku": "basic"}, [])) == 0
}

test_udr_passes if {
	count(findings("2021-07-01", fx.udr_np, [fx.pool("a", {})])) == 0
	count(findings("2021-07-01", {"outboundType": "UserDefinedRouting"}, [])) == 0
	count(findings("2021-07-01", {"outboundType": "userAssignedNATGateway"}, [])) == 0
}

test_sku_without_documented_default_is_aks900 if {
	f := fx.only(findings("2020-01-01", {}, []))
	f.rule == "AKS900"
	f.about == "AKS007"
	f.path == ["properties", "networkProfile", "loadBalancerSku"]
	f.msg == "AKS007 cannot decide: loadBalancerSku is not set (apiVersion 2020-01-01 documents no default)"
}

test_unknown_outbound_type_is_aks900 if {
	f := fx.only(findings("2021-07-01", {"outboundType": fx.marker("[parameters('ot')]")}, []))
	f.rule == "AKS900"
	f.path == ot_path
	count(findings("2021-07-01", {"outboundType": fx.marker("[parameters('ot')]"), "loadBalancerSku": "Basic"}, [])) == 0
}

test_lb_profile_ips_fail_each if {
	np := {"loadBalancerSku": "basic", "loadBalancerProfile": {
		"managedOutboundIPs": {"count": 2},
		"outboundIPs": {"publicIPs": [{"id": "x"}]},
		"outboundIPPrefixes": {"publicIPPrefixes": [{"id": "y"}]},
		"allocatedOutboundPorts": 1024,
	}}
	fs := findings("2021-07-01", np, [])
	{f.path[3] | some f in fs} == {"managedOutboundIPs", "outboundIPs", "outboundIPPrefixes"}
}

test_lb_profile_ignored_without_lb_egress if {
	np := {"outboundType": "userDefinedRouting", "loadBalancerProfile": {"managedOutboundIPs": {"count": 2}}}
	count(findings("2021-07-01", np, [])) == 0
}

test_node_public_ip_fails if {
	np := {"outboundType": "userDefinedRouting"}
	fs := findings("2021-07-01", np, [fx.pool("a", {"enableNodePublicIP": true}), fx.pool("b", {"enableNodePublicIP": false})])
	f := fx.only(fs)
	f.path == ["properties", "agentPoolProfiles", 0, "enableNodePublicIP"]
	f.msg == "agent pool a sets enableNodePublicIP: every node gets its own public IP"
}

test_node_public_ip_on_pool_resource_without_cluster if {
	pool := {
		"ref": 0, "type": "Microsoft.ContainerService/managedClusters/agentPools",
		"name": "existing/user", "parent": null, "properties": {"enableNodePublicIP": true},
	}
	f := fx.only(findings_in([pool]))
	f.resource == 0
	f.path == ["properties", "enableNodePublicIP"]
}

test_node_public_ip_child_pool_reported_once if {
	c := fx.cluster_np("2021-07-01", fx.udr_np, [fx.pool("system", {})])
	pool := {
		"ref": 1, "type": "Microsoft.ContainerService/managedClusters/agentPools",
		"name": "aks/user", "parent": 0, "properties": {"enableNodePublicIP": true},
	}
	count(findings_in([c, pool])) == 1
}

test_node_public_ip_unknown_is_aks900 if {
	fs := findings("2021-07-01", fx.udr_np, [fx.pool("a", {"enableNodePublicIP": fx.marker("[parameters('pip')]")})])
	f := fx.only(fs)
	f.rule == "AKS900"
}

test_managed_nat_gateway_fails if {
	np := {"outboundType": "managedNATGateway", "natGatewayProfile": {"managedOutboundIPProfile": {"count": 2}}}
	f := fx.only(findings("2021-07-01", np, []))
	f.path == ot_path
	f.msg == "outboundType managedNATGateway: AKS provisions a NAT gateway with public IPs for cluster aks's egress"
	f.related[0].path == ["properties", "networkProfile", "natGatewayProfile", "managedOutboundIPProfile"]
}

test_managed_nat_gateway_v2_fails if {
	count(findings("2026-01-02-preview", {"outboundType": "ManagedNATGatewayV2"}, [])) == 1
}

test_outbound_ips_point_at_the_public_ip_they_reference if {
	pip_id := "/subscriptions/{subscription}/resourceGroups/{resourcegroup}/providers/Microsoft.Network/publicIPAddresses/pip-egress"
	cluster := {
		"ref": 0, "type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2023-05-01", "name": "aks",
		"properties": {"networkProfile": {"outboundType": "loadBalancer", "loadBalancerSku": "basic",
			"loadBalancerProfile": {"outboundIPs": {"publicIPs": [{"id": pip_id}]}}}},
	}
	pip := {"ref": 1, "type": "Microsoft.Network/publicIPAddresses", "name": "pip-egress", "external": true, "file": "net.json"}
	fs := {f | some f in aks007.deny; f.path == ["properties", "networkProfile", "loadBalancerProfile", "outboundIPs"]} with input as {"resources": [cluster, pip], "network": {"subnets": [], "routeTables": []}}
	count(fs) == 1
	some f in fs
	f.related == [{"resource": 1, "path": [], "msg": "public IP address pip-egress is created here"}]
	# The external public IP itself is reported by its own file, not here.
	count({g | some g in aks007.deny; g.resource == 1}) == 0 with input as {"resources": [cluster, pip], "network": {"subnets": [], "routeTables": []}}
}
