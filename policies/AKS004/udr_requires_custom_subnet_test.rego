package aksgate.rules.aks004_test

import data.aksgate.rules.aks004
import data.aksgate.test.fixtures as fx
import rego.v1

udr := {"outboundType": "userDefinedRouting", "networkPlugin": "azure"}

findings(np, pools) := fs if {
	inp := fx.doc([fx.cluster_np("2021-07-01", np, pools)])
	fs := aks004.deny with input as inp
}

test_metadata if {
	aks004.metadata.id == "AKS004"
	aks004.metadata.slug == "udr-requires-custom-subnet"
	aks004.metadata.severity == "error"
}

test_pool_without_subnet_fails if {
	f := fx.only(findings(udr, [fx.pool("system", {}), {"name": "user", "type": "VirtualMachineScaleSets"}]))
	f.rule == "AKS004"
	f.resource == 0
	f.path == ["properties", "agentPoolProfiles", 1, "vnetSubnetID"]
	f.msg == "outboundType userDefinedRouting requires agent pool user to be deployed into an existing subnet, but it has no vnetSubnetID"
}

test_empty_and_null_subnet_fail if {
	count(findings(udr, [fx.pool("a", {"vnetSubnetID": ""}), fx.pool("b", {"vnetSubnetID": null})])) == 2
}

test_all_pools_with_subnet_pass if {
	count(findings(udr, [fx.pool("a", {}), fx.pool("b", {})])) == 0
}

test_case_insensitive_udr if {
	count(findings({"outboundType": "UserDefinedRouting"}, [{"name": "a"}])) == 1
}

test_not_udr_passes if {
	count(findings({"outboundType": "loadBalancer"}, [{"name": "a"}])) == 0
	count(findings({}, [{"name": "a"}])) == 0
}

test_child_agent_pool_resource_fails if {
	c := fx.cluster_np("2021-07-01", udr, [fx.pool("system", {})])
	child := {
		"ref": 1, "type": "Microsoft.ContainerService/managedClusters/agentPools",
		"apiVersion": "2021-07-01", "name": "aks/user", "parent": 0, "properties": {"count": 2},
	}
	f := fx.only(aks004.deny) with input as fx.doc([c, child])
	f.resource == 1
	f.path == ["properties", "vnetSubnetID"]
	contains(f.msg, "agent pool user ")
}

test_standalone_agent_pool_resource_matched_by_name if {
	c := fx.cluster_np("2021-07-01", udr, [fx.pool("system", {})])
	pool := {
		"ref": 1, "type": "Microsoft.ContainerService/managedClusters/agentPools",
		"apiVersion": "2021-07-01", "name": "AKS/user", "parent": null, "properties": {},
	}
	count(aks004.deny) == 1 with input as fx.doc([c, pool])
}

# Issue 19 item 5: present but unresolvable satisfies AKS004 (docs/rules/AKS004.md).
test_unknown_subnet_satisfies_aks004 if {
	count(findings(udr, [fx.pool("a", {"vnetSubnetID": fx.marker("[parameters('subnet')]")})])) == 0
}

test_unknown_pool_is_aks900 if {
	f := fx.only(findings(udr, [fx.marker("[variables('pool')]")]))
	f.rule == "AKS900"
}

test_unknown_pool_list_is_aks900 if {
	f := fx.only(findings(udr, fx.marker("[variables('pools')]")))
	f.rule == "AKS900"
	f.path == ["properties", "agentPoolProfiles"]
}

test_unknown_outbound_type_is_aks900_only_when_a_pool_lacks_subnet if {
	f := fx.only(findings({"outboundType": fx.marker("[parameters('ot')]")}, [{"name": "a"}]))
	f.rule == "AKS900"
	f.path == ["properties", "networkProfile", "outboundType"]
	count(findings({"outboundType": fx.marker("[parameters('ot')]")}, [fx.pool("a", {})])) == 0
}

test_present_unresolvable_subnet_satisfies_aks004 if {
	c := fx.cluster_np("2021-07-01", fx.udr_np, [fx.pool("system", {"vnetSubnetID": fx.marker("[reference('x').subnetId]")})])
	count(aks004.deny) == 0 with input as fx.doc([c])
}


# A standalone pool (ref 0) of this unit and another file's UDR cluster (ref 1).
_foreign(ot, pool_props) := fx.doc([
	{
		"ref": 0, "type": "Microsoft.ContainerService/managedClusters/agentPools",
		"apiVersion": "2024-05-01", "name": "aks-prod/user", "parent": null, "properties": pool_props,
	},
	object.union(fx.cluster_np("2024-05-01", ot, [fx.pool("system", {"vnetSubnetID": null})]), {
		"ref": 1, "name": "aks-prod", "external": true, "file": "cluster/aks.json",
	}),
])

test_pool_of_another_files_udr_cluster_fails_at_the_pool if {
	f := fx.only(aks004.deny) with input as _foreign(udr, {"count": 2})
	f.rule == "AKS004"
	f.resource == 0
	f.path == ["properties", "vnetSubnetID"]
	contains(f.msg, "agent pool user ")
}

test_another_files_cluster_is_not_reported_here if {
	# Its own pool has no subnet, but that is reported where the cluster is deployed.
	count(aks004.deny) == 0 with input as _foreign(udr, {"vnetSubnetID": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/s"})
	count(aks004.deny) == 0 with input as _foreign({"outboundType": "loadBalancer"}, {"count": 2})
}

test_pool_of_another_files_cluster_with_unknown_outbound_type_is_unverifiable_at_the_pool if {
	ot := {"outboundType": {"$unknown": {"expr": "[parameters('ot')]", "reason": "no value"}}}
	f := fx.only(aks004.deny) with input as _foreign(ot, {"count": 2})
	f.rule == "AKS900"
	f.about == "AKS004"
	f.resource == 0
	contains(f.msg, "cluster aks-prod (in cluster/aks.json)")
}

test_pool_whose_cluster_is_in_no_scanned_file_is_unverifiable if {
	pool := {
		"ref": 0, "type": "Microsoft.ContainerService/managedClusters/agentPools",
		"apiVersion": "2024-05-01", "name": "aks-elsewhere/gpu", "parent": null, "properties": {},
	}
	f := fx.only(aks004.deny) with input as fx.doc([pool])
	f.rule == "AKS900"
	f.about == "AKS004"
	f.path == ["name"]
	contains(f.msg, "cluster aks-elsewhere, which no scanned file deploys")
}

test_pool_with_unknown_name_is_unverifiable if {
	pool := {
		"ref": 0, "type": "Microsoft.ContainerService/managedClusters/agentPools",
		"apiVersion": "2024-05-01", "name": {"$unknown": {"expr": "[parameters('n')]", "reason": "no value"}},
		"parent": null, "properties": {},
	}
	f := fx.only(aks004.deny) with input as fx.doc([pool])
	contains(f.msg, "(unknown: the pool's name does not say)")
}

test_pool_named_without_its_cluster_says_so if {
	pool := {
		"ref": 0, "type": "Microsoft.ContainerService/managedClusters/agentPools",
		"apiVersion": "2024-05-01", "name": "gpu", "parent": null, "properties": {},
	}
	f := fx.only(aks004.deny) with input as fx.doc([pool])
	contains(f.msg, "cluster (none: the name gpu is not <cluster>/<pool>)")
}
