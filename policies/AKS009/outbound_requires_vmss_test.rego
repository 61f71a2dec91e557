package aksgate.rules.aks009_test

import data.aksgate.rules.aks009
import data.aksgate.test.fixtures as fx
import rego.v1

findings(np, pools) := fs if {
	inp := fx.doc([fx.cluster_np("2020-01-01", np, pools)])
	fs := aks009.deny with input as inp
}

test_metadata if {
	aks009.metadata.id == "AKS009"
	aks009.metadata.slug == "outbound-requires-vmss"
	aks009.metadata.severity == "error"
}

test_udr_availability_set_fails if {
	f := fx.only(findings(fx.udr_np, [fx.pool("a", {}), fx.pool("b", {"type": "AvailabilitySet"})]))
	f.rule == "AKS009"
	f.path == ["properties", "agentPoolProfiles", 1, "type"]
	f.msg == "outboundType userDefinedRouting requires VirtualMachineScaleSets agent pools, but agent pool b is an AvailabilitySet"
}

test_case_insensitive if {
	count(findings({"outboundType": "USERDEFINEDROUTING"}, [fx.pool("a", {"type": "availabilityset"})])) == 1
}

test_vmss_passes if {
	count(findings(fx.udr_np, [fx.pool("a", {})])) == 0
}

test_absent_type_passes if {
	count(findings(fx.udr_np, [{"name": "a", "vnetSubnetID": "x"}])) == 0
}

test_not_udr_passes if {
	count(findings({"outboundType": "loadBalancer"}, [fx.pool("a", {"type": "AvailabilitySet"})])) == 0
	count(findings({}, [fx.pool("a", {"type": "AvailabilitySet"})])) == 0
}

test_agent_pool_resource_fails if {
	c := fx.cluster_np("2020-01-01", fx.udr_np, [fx.pool("a", {})])
	child := {
		"ref": 1, "type": "Microsoft.ContainerService/managedClusters/agentPools", "name": "aks/b",
		"parent": 0, "properties": {"type": "AvailabilitySet"},
	}
	f := fx.only(aks009.deny) with input as fx.doc([c, child])
	f.resource == 1
	f.path == ["properties", "type"]
}

test_unknown_type_is_aks900 if {
	f := fx.only(findings(fx.udr_np, [fx.pool("a", {"type": fx.marker("[parameters('t')]")})]))
	f.rule == "AKS900"
	f.about == "AKS009"
	f.path == ["properties", "agentPoolProfiles", 0, "type"]
}

test_unknown_outbound_type_is_aks900 if {
	f := fx.only(findings({"outboundType": fx.marker("[parameters('ot')]")}, [fx.pool("a", {"type": "AvailabilitySet"})]))
	f.rule == "AKS900"
	f.path == ["properties", "networkProfile", "outboundType"]
	count(findings({"outboundType": fx.marker("[parameters('ot')]")}, [fx.pool("a", {})])) == 0
}
