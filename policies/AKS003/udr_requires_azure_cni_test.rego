package aksgate.rules.aks003_test

import data.aksgate.rules.aks003
import data.aksgate.test.fixtures as fx
import rego.v1

findings(np) := fs if {
	inp := fx.doc([fx.cluster_np("2021-07-01", np, [])])
	fs := aks003.deny with input as inp
}

plugin_path := ["properties", "networkProfile", "networkPlugin"]

test_metadata if {
	aks003.metadata.id == "AKS003"
	aks003.metadata.slug == "udr-requires-azure-cni"
	aks003.metadata.severity == "error"
}

test_udr_kubenet_fails if {
	f := fx.only(findings({"outboundType": "userDefinedRouting", "networkPlugin": "kubenet"}))
	f.rule == "AKS003"
	f.resource == 0
	f.path == plugin_path
	startswith(f.msg, "outboundType userDefinedRouting requires networkPlugin azure (Azure CNI), but networkPlugin is kubenet: with a system-assigned identity")
	f.related[0].path == ["properties", "networkProfile", "outboundType"]
}

test_udr_plugin_absent_fails if {
	f := fx.only(findings({"outboundType": "userDefinedRouting"}))
	f.path == plugin_path
	contains(f.msg, "not set and defaults to kubenet")
}

test_no_network_profile_passes if {
	count(findings({})) == 0
}

test_case_insensitive if {
	count(findings({"outboundType": "UserDefinedRouting", "networkPlugin": "KUBENET"})) == 1
	count(findings({"outboundType": "USERDEFINEDROUTING", "networkPlugin": "Azure"})) == 0
}

test_plugin_none_fails if {
	count(findings({"outboundType": "userDefinedRouting", "networkPlugin": "none"})) == 1
}

test_udr_azure_passes if {
	count(findings({"outboundType": "userDefinedRouting", "networkPlugin": "azure"})) == 0
}

test_not_udr_passes if {
	count(findings({"outboundType": "loadBalancer", "networkPlugin": "kubenet"})) == 0
	count(findings({"networkPlugin": "kubenet"})) == 0
}

test_unknown_outbound_type_with_kubenet_is_aks900 if {
	f := fx.only(findings({"outboundType": fx.marker("[parameters('ot')]")}))
	f.rule == "AKS900"
	f.about == "AKS003"
	f.path == ["properties", "networkProfile", "outboundType"]
}

test_unknown_outbound_type_with_azure_passes if {
	count(findings({"outboundType": fx.marker("[parameters('ot')]"), "networkPlugin": "azure"})) == 0
}

test_unknown_plugin_with_udr_is_aks900 if {
	f := fx.only(findings({"outboundType": "userDefinedRouting", "networkPlugin": fx.marker("[parameters('np')]")}))
	f.rule == "AKS900"
	f.path == plugin_path
	f.msg == "AKS003 cannot decide: networkPlugin is [parameters('np')] (parameter has no default and no parameter file sets it)"
}

test_both_unknown_reports_once if {
	f := fx.only(findings({"outboundType": fx.marker("[parameters('ot')]"), "networkPlugin": fx.marker("[parameters('np')]")}))
	f.rule == "AKS900"
}

test_unknown_plugin_without_udr_passes if {
	count(findings({"outboundType": "loadBalancer", "networkPlugin": fx.marker("[parameters('np')]")})) == 0
}

test_dropped_outbound_type_passes if {
	inp := fx.doc([fx.cluster_np("2019-10-01", {"outboundType": "userDefinedRouting"}, [])])
	count(aks003.deny) == 0 with input as inp
}

with_identity(np, identity) := fs if {
	c := object.union(fx.cluster_np("2021-07-01", np, []), {"identity": identity})
	fs := aks003.deny with input as fx.doc([c])
}

kubenet_udr := {"outboundType": "userDefinedRouting", "networkPlugin": "kubenet"}

test_kubenet_user_assigned_is_a_warning if {
	f := fx.only(with_identity(kubenet_udr, {"type": "UserAssigned"}))
	f.rule == "AKS003"
	f.severity == "warning"
	contains(f.help, "before the cluster is created")
	contains(f.help, "its own route table")
}

test_kubenet_system_assigned_is_an_error if {
	f := fx.only(with_identity(kubenet_udr, {"type": "SystemAssigned"}))
	not f.severity
	not fx.only(with_identity(kubenet_udr, {"type": "None"})).severity
}

test_edition_2019_is_strict if {
	c := object.union(fx.cluster_np("2021-07-01", kubenet_udr, []), {"identity": {"type": "UserAssigned"}})
	d := object.union(fx.doc([c]), {"aksgate": {"options": {"docsEdition": "2019"}}})
	f := fx.only(aks003.deny) with input as d
	not f.severity
}

test_plugin_none_user_assigned_stays_an_error if {
	np := {"outboundType": "userDefinedRouting", "networkPlugin": "none"}
	not fx.only(with_identity(np, {"type": "UserAssigned"})).severity
}

test_unknown_identity_is_aks900 if {
	f := fx.only(with_identity(kubenet_udr, {"type": fx.marker("[parameters('idType')]")}))
	f.rule == "AKS900"
	f.about == "AKS003"
	f.path == ["identity", "type"]
}

test_azure_with_any_identity_passes if {
	np := {"outboundType": "userDefinedRouting", "networkPlugin": "azure"}
	count(with_identity(np, {"type": fx.marker("[parameters('idType')]")})) == 0
}
