package aksgate.rules.aks012_test

import data.aksgate.rules.aks012
import data.aksgate.test.fixtures as fx
import rego.v1

# A network isolated cluster in an AKS-managed VNet, with extra (or overriding)
# properties and network profile.
isolated(ot, props, np, pools) := fx.cluster("2025-02-01", object.union(
	{
		"bootstrapProfile": {"artifactSource": "Cache"},
		"apiServerAccessProfile": {"enablePrivateCluster": true},
		"networkProfile": object.union({"outboundType": ot, "networkPlugin": "azure", "networkPluginMode": "overlay"}, np),
		"agentPoolProfiles": pools,
	},
	props,
))

managed_pool := {"name": "system", "type": "VirtualMachineScaleSets"}

findings(c) := fs if {
	fs := aks012.deny with input as fx.doc([c])
}

test_metadata if {
	aks012.metadata.id == "AKS012"
	aks012.metadata.slug == "network-isolated"
	aks012.metadata.severity == "error"
}

test_isolated_clusters_pass if {
	count(findings(isolated("none", {}, {}, [managed_pool]))) == 0
	count(findings(isolated("block", {}, {}, [managed_pool]))) == 0
	# none in your own VNet, with API Server VNet Integration instead of a private cluster.
	vnet := {"apiServerAccessProfile": {"enableVnetIntegration": true}}
	count(findings(isolated("None", vnet, {}, [fx.pool("system", {})]))) == 0
}

test_not_cache_fails if {
	every source in [{"artifactSource": null}, {"artifactSource": "Direct"}] {
		f := fx.only(findings(isolated("none", {"bootstrapProfile": source}, {}, [managed_pool])))
		f.rule == "AKS012"
		f.path == ["properties", "bootstrapProfile", "artifactSource"]
		f.related[0].path == ["properties", "networkProfile", "outboundType"]
	}
	f := fx.only(findings(isolated("none", {"bootstrapProfile": {"artifactSource": "Direct"}}, {}, [managed_pool])))
	f.msg == "outboundType none needs a network isolated cluster, but bootstrapProfile.artifactSource is Direct, not Cache: nodes would pull their images from the internet"
	count(findings(isolated("none", {"bootstrapProfile": {"artifactSource": "cache"}}, {}, [managed_pool]))) == 0
}

test_public_api_server_fails if {
	public := {"apiServerAccessProfile": {"enablePrivateCluster": false}}
	f := fx.only(findings(isolated("block", public, {}, [managed_pool])))
	f.path == ["properties", "apiServerAccessProfile", "enablePrivateCluster"]
	startswith(f.msg, "outboundType block needs a network isolated cluster, which is a private cluster")
	count(findings(isolated("block", {"apiServerAccessProfile": {"enablePrivateCluster": null}}, {}, [managed_pool]))) == 1
}

test_kubenet_fails if {
	f := fx.only(findings(isolated("none", {}, {"networkPlugin": "kubenet"}, [managed_pool])))
	f.path == ["properties", "networkProfile", "networkPlugin"]
	f.msg == "outboundType none needs a network isolated cluster, which does not support kubenet (networkPlugin is kubenet)"
	c := fx.cluster("2025-02-01", {
		"bootstrapProfile": {"artifactSource": "Cache"},
		"apiServerAccessProfile": {"enablePrivateCluster": true},
		"networkProfile": {"outboundType": "none"},
		"agentPoolProfiles": [managed_pool],
	})
	g := fx.only(findings(c))
	contains(g.msg, "networkPlugin is not set, which is kubenet")
}

test_node_public_ip_fails if {
	pool := object.union(managed_pool, {"enableNodePublicIP": true})
	f := fx.only(findings(isolated("none", {}, {}, [pool])))
	f.path == ["properties", "agentPoolProfiles", 0, "enableNodePublicIP"]
	contains(f.msg, "agent pool system has enableNodePublicIP")
	count(findings(isolated("none", {}, {}, [object.union(managed_pool, {"enableNodePublicIP": false})]))) == 0
}

test_block_in_a_custom_vnet_fails if {
	f := fx.only(findings(isolated("block", {}, {}, [fx.pool("system", {})])))
	f.path == ["properties", "agentPoolProfiles", 0, "vnetSubnetID"]
	startswith(f.msg, "outboundType block needs an AKS-managed virtual network, but agent pool system is deployed into subnet ")
	# none may use your own VNet.
	count(findings(isolated("none", {}, {}, [fx.pool("system", {})]))) == 0
}

test_agent_pool_resource_checked if {
	child := {
		"ref": 1, "type": "Microsoft.ContainerService/managedClusters/agentPools", "name": "aks/user",
		"parent": 0, "properties": {"enableNodePublicIP": true},
	}
	f := fx.only(aks012.deny) with input as fx.doc([isolated("none", {}, {}, [managed_pool]), child])
	f.resource == 1
	f.path == ["properties", "enableNodePublicIP"]
}

test_other_outbound_types_pass if {
	c := fx.cluster_np("2025-02-01", {"outboundType": "loadBalancer", "networkPlugin": "kubenet"}, [{"name": "a", "enableNodePublicIP": true}])
	count(findings(c)) == 0
	count(findings(fx.cluster_np("2025-02-01", fx.udr_np, [fx.pool("a", {})]))) == 0
}

test_unknown_values_are_aks900 if {
	m := fx.marker("[parameters('x')]")
	cases := [
		[{"bootstrapProfile": {"artifactSource": m}}, {}, [managed_pool], ["properties", "bootstrapProfile", "artifactSource"]],
		[{"apiServerAccessProfile": {"enablePrivateCluster": m}}, {}, [managed_pool], ["properties", "apiServerAccessProfile", "enablePrivateCluster"]],
		[{"apiServerAccessProfile": {"enablePrivateCluster": false, "enableVnetIntegration": m}}, {}, [managed_pool], ["properties", "apiServerAccessProfile", "enableVnetIntegration"]],
		[{}, {"networkPlugin": m}, [managed_pool], ["properties", "networkProfile", "networkPlugin"]],
		[{}, {}, [object.union(managed_pool, {"enableNodePublicIP": m})], ["properties", "agentPoolProfiles", 0, "enableNodePublicIP"]],
	]
	every case in cases {
		f := fx.only(findings(isolated("none", case[0], case[1], case[2])))
		f.rule == "AKS900"
		f.about == "AKS012"
		f.path == case[3]
	}
	# One unknown, the other true: decided.
	both := {"apiServerAccessProfile": {"enablePrivateCluster": m, "enableVnetIntegration": true}}
	count(findings(isolated("none", both, {}, [managed_pool]))) == 0
	# block: an unknown subnet.
	g := fx.only(findings(isolated("block", {}, {}, [object.union(managed_pool, {"vnetSubnetID": m})])))
	g.rule == "AKS900"
	count(findings(isolated("none", {}, {}, [object.union(managed_pool, {"vnetSubnetID": m})]))) == 0
}

test_unknown_outbound_type_is_aks900_for_a_cache_cluster if {
	m := fx.marker("[parameters('ot')]")
	f := fx.only(findings(isolated(m, {}, {"networkPlugin": "kubenet"}, [managed_pool])))
	f.rule == "AKS900"
	f.path == ["properties", "networkProfile", "outboundType"]
	count(findings(isolated(m, {}, {}, [managed_pool]))) == 0
	# Not pulling from the cache: not shaped as isolated, nothing said.
	count(findings(isolated(m, {"bootstrapProfile": {"artifactSource": null}}, {"networkPlugin": "kubenet"}, [managed_pool]))) == 0
}
