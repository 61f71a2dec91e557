package aksgate.rules.aks001_test

import data.aksgate.rules.aks001
import data.aksgate.test.fixtures as fx
import rego.v1

findings(api, ot) := fs if {
	inp := fx.doc([fx.cluster_np(api, {"outboundType": ot}, [])])
	fs := aks001.deny with input as inp
}

test_metadata if {
	aks001.metadata.id == "AKS001"
	aks001.metadata.slug == "outbound-type-value"
	aks001.metadata.severity == "error"
}

test_udr_literal_fails if {
	f := fx.only(findings("2020-01-01", "UDR"))
	f.rule == "AKS001"
	f.resource == 0
	f.path == ["properties", "networkProfile", "outboundType"]
	f.msg == "outboundType \"UDR\" is not an API value: user-defined routing is written userDefinedRouting"
	f.help == "set outboundType to \"userDefinedRouting\""
}

test_garbage_value_fails if {
	f := fx.only(findings("2021-07-01", "firewall"))
	contains(f.msg, "it accepts loadBalancer, managedNATGateway, userAssignedNATGateway, userDefinedRouting")
}

test_valid_values_pass if {
	count(findings("2019-11-01", "loadBalancer")) == 0
	count(findings("2019-11-01", "userDefinedRouting")) == 0
	count(findings("2021-07-01", "managedNATGateway")) == 0
	count(findings("2021-07-01", "userAssignedNATGateway")) == 0
	count(findings("2025-02-01", "none")) == 0
}

test_case_insensitive_pass if {
	count(findings("2020-01-01", "UserDefinedRouting")) == 0
	count(findings("2020-01-01", "LOADBALANCER")) == 0
	count(findings("2021-07-01", "managednatgateway")) == 0
}

test_nat_before_2021_07_01_fails if {
	f := fx.only(findings("2021-05-01", "managedNATGateway"))
	f.msg == "outboundType \"managedNATGateway\" is not accepted by apiVersion 2021-05-01: managedNATGateway needs stable apiVersion 2021-07-01 or later or preview apiVersion 2021-11-01-preview or later"
	count(findings("2021-05-01", "userAssignedNATGateway")) == 1
}

test_none_boundaries if {
	count(findings("2025-01-01", "none")) == 1
	count(findings("2025-02-01", "none")) == 0
	count(findings("2024-04-02-preview", "none")) == 1
	count(findings("2024-05-02-preview", "none")) == 0
}

test_block_preview_only if {
	count(findings("2024-05-02-preview", "block")) == 0
	f := fx.only(findings("2026-06-01", "block"))
	contains(f.help, "documented only as a preview feature")
}

test_nat_v2_preview_window if {
	count(findings("2026-01-02-preview", "managedNATGatewayV2")) == 0
	count(findings("2026-05-02-preview", "managedNATGatewayV2")) == 0
	count(findings("2026-06-02-preview", "managedNATGatewayV2")) == 1
	count(findings("2026-06-01", "managedNATGatewayV2")) == 1
}

test_absent_passes if {
	count(aks001.deny) == 0 with input as fx.doc([fx.cluster_np("2021-07-01", {}, [])])
}

test_undefined_version_left_to_aks002 if {
	count(findings("2019-08-01", "UDR")) == 0
	count(findings("2018-08-01-preview", "none")) == 0
}

test_unknown_value_is_aks900 if {
	f := fx.only(findings("2021-07-01", fx.marker("[parameters('ot')]")))
	f.rule == "AKS900"
	f.about == "AKS001"
	f.path == ["properties", "networkProfile", "outboundType"]
	contains(f.msg, "[parameters('ot')]")
}

test_non_cluster_ignored if {
	r := object.union(fx.cluster_np("2021-07-01", {"outboundType": "UDR"}, []), {"type": "Microsoft.Network/virtualNetworks"})
	count(aks001.deny) == 0 with input as fx.doc([r])
}

unknown_api_findings(ot) := fs if {
	c := object.union(fx.cluster_np("x", {"outboundType": ot}, []), {"apiVersion": fx.marker("api-version")})
	fs := aks001.deny with input as fx.doc([c])
}

test_udr_with_unknown_api_version_fails if {
	f := fx.only(unknown_api_findings("UDR"))
	f.rule == "AKS001"
	f.help == "set outboundType to \"userDefinedRouting\""
	fx.only(unknown_api_findings("firewall")).rule == "AKS001"
	fx.only(findings(null, "loadbalancerx")).rule == "AKS001"
}

test_unknown_api_version_valid_everywhere_passes if {
	count(unknown_api_findings("userDefinedRouting")) == 0
	count(unknown_api_findings("LoadBalancer")) == 0
}

test_unknown_api_version_version_dependent_is_aks900 if {
	f := fx.only(unknown_api_findings("managedNATGateway"))
	f.rule == "AKS900"
	f.about == "AKS001"
	f.path == ["apiVersion"]
}
