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

