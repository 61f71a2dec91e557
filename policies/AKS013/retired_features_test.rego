package aksgate.rules.aks013_test

import data.aksgate.rules.aks013
import data.aksgate.test.fixtures as fx
import rego.v1

azure := {"networkPlugin": "azure"}

on_day(resources, day) := object.union(fx.doc(resources), {"aksgate": {"options": {"today": day}}})

denies(resources) := fs if {
	fs := aks013.deny with input as on_day(resources, "2026-12-01")
}

warns(resources) := fs if {
	fs := aks013.warn with input as on_day(resources, "2026-12-01")
}

test_metadata if {
	aks013.metadata.id == "AKS013"
	aks013.metadata.slug == "retired-features"
	aks013.metadata.severity == "error"
}

test_basic_load_balancer_fails if {
	f := fx.only(denies([fx.cluster_np("2023-05-01", object.union(azure, {"loadBalancerSku": "Basic"}), [])]))
	f.rule == "AKS013"
	f.path == ["properties", "networkProfile", "loadBalancerSku"]
	f.msg == "loadBalancerSku Basic: the Basic load balancer was retired on 2025-09-30, and AKS no longer creates clusters with it"
	# With outboundType loadBalancer written, the same.
	count(denies([fx.cluster_np("2023-05-01", {"networkPlugin": "azure", "outboundType": "loadBalancer", "loadBalancerSku": "basic"}, [])])) == 1
}

test_standard_or_missing_sku_passes if {
	count(denies([fx.cluster_np("2023-05-01", object.union(azure, {"loadBalancerSku": "standard"}), [])])) == 0
	# Not written: after the retirement AKS creates Standard, whatever the apiVersion.
	count(denies([fx.cluster_np("2020-01-01", azure, [])])) == 0
}

test_basic_with_a_custom_outbound_type_is_aks008s if {
	np := {"networkPlugin": "azure", "outboundType": "userDefinedRouting", "loadBalancerSku": "basic"}
	count(denies([fx.cluster_np("2023-05-01", np, [])])) == 0
	# An unknown outboundType: the SKU is retired whatever it is.
	unknown := {"networkPlugin": "azure", "outboundType": fx.marker("[parameters('ot')]"), "loadBalancerSku": "basic"}
	f := fx.only(denies([fx.cluster_np("2023-05-01", unknown, [])]))
	f.rule == "AKS013"
}

test_unknown_sku_is_aks900 if {
	f := fx.only(denies([fx.cluster_np("2023-05-01", object.union(azure, {"loadBalancerSku": fx.marker("[parameters('sku')]")}), [])]))
	f.rule == "AKS900"
	f.about == "AKS013"
	f.path == ["properties", "networkProfile", "loadBalancerSku"]
	# AKS008 speaks for it with a custom outboundType.
	udr := {"networkPlugin": "azure", "outboundType": "userDefinedRouting", "loadBalancerSku": fx.marker("[parameters('sku')]")}
	count(denies([fx.cluster_np("2023-05-01", udr, [])])) == 0
}

test_availability_set_pool_fails if {
	f := fx.only(denies([fx.cluster_np("2023-05-01", azure, [fx.pool("a", {}), fx.pool("b", {"type": "availabilitySet"})])]))
	f.rule == "AKS013"
	f.path == ["properties", "agentPoolProfiles", 1, "type"]
	f.msg == "agent pool b is an AvailabilitySet pool: Availability Sets were retired on 2025-09-30"
}

test_availability_set_agent_pool_resource_fails if {
	child := {
		"ref": 1, "type": "Microsoft.ContainerService/managedClusters/agentPools", "name": "aks/b",
		"parent": null, "properties": {"type": "AvailabilitySet"},
	}
	# Also without its cluster in the unit.
	f := fx.only(denies([child]))
	f.resource == 1
	f.path == ["properties", "type"]
}

test_vmss_pool_passes if {
	count(denies([fx.cluster_np("2023-05-01", azure, [fx.pool("a", {}), {"name": "b"}])])) == 0
}

test_availability_set_in_a_udr_cluster_is_aks009s if {
	count(denies([fx.cluster_np("2023-05-01", fx.udr_np, [fx.pool("a", {"type": "AvailabilitySet"})])])) == 0
	ot := {"networkPlugin": "azure", "outboundType": fx.marker("[parameters('ot')]")}
	count(denies([fx.cluster_np("2023-05-01", ot, [fx.pool("a", {"type": "AvailabilitySet"})])])) == 1
}

test_unknown_pool_type_is_aks900 if {
	f := fx.only(denies([fx.cluster_np("2023-05-01", azure, [fx.pool("a", {"type": fx.marker("[parameters('t')]")})])]))
	f.rule == "AKS900"
	f.about == "AKS013"
	f.path == ["properties", "agentPoolProfiles", 0, "type"]
	count(denies([fx.cluster_np("2023-05-01", fx.udr_np, [fx.pool("a", {"type": fx.marker("[parameters('t')]")})])])) == 0
}

test_kubenet_is_a_warning_before_its_retirement if {
	c := fx.cluster_np("2023-05-01", {"networkPlugin": "kubenet"}, [])
	count(denies([c])) == 0
	f := fx.only(warns([c]))
	f.rule == "AKS013"
	f.path == ["properties", "networkProfile", "networkPlugin"]
	f.msg == "networkPlugin kubenet: kubenet is retired on 2028-03-31"
	# The day before.
	count(aks013.warn) == 1 with input as on_day([c], "2028-03-30")
	count(aks013.deny) == 0 with input as on_day([c], "2028-03-30")
}

test_kubenet_is_an_error_from_its_retirement if {
	c := fx.cluster_np("2023-05-01", {"networkPlugin": "Kubenet"}, [])
	every day in ["2028-03-31", "2029-01-01"] {
		f := fx.only(aks013.deny) with input as on_day([c], day)
		f.msg == "networkPlugin Kubenet: kubenet was retired on 2028-03-31"
		count(aks013.warn) == 0 with input as on_day([c], day)
	}
}

test_missing_plugin_is_kubenet if {
	f := fx.only(warns([fx.cluster_np("2023-05-01", {}, [])]))
	f.msg == "networkPlugin is not set, which is kubenet: kubenet is retired on 2028-03-31"
	f.path == ["properties", "networkProfile", "networkPlugin"]
}

test_without_a_scan_day_kubenet_is_a_warning if {
	c := fx.cluster_np("2023-05-01", {"networkPlugin": "kubenet"}, [])
	count(aks013.warn) == 1 with input as fx.doc([c])
	count(aks013.deny) == 0 with input as fx.doc([c])
}

test_azure_cni_passes if {
	count(warns([fx.cluster_np("2023-05-01", azure, [])])) == 0
	count(warns([fx.cluster_np("2023-05-01", {"networkPlugin": "none"}, [])])) == 0
}

test_unknown_plugin_is_aks900 if {
	c := fx.cluster_np("2023-05-01", {"networkPlugin": fx.marker("[parameters('plugin')]")}, [])
	f := fx.only(denies([c]))
	f.rule == "AKS900"
	f.about == "AKS013"
	f.path == ["properties", "networkProfile", "networkPlugin"]
	count(warns([c])) == 0
}
