package aksgate.rules.aks008_test

import data.aksgate.rules.aks008
import data.aksgate.test.fixtures as fx
import rego.v1

findings(api, np) := fs if {
	inp := fx.doc([fx.cluster_np(api, np, [])])
	fs := aks008.deny with input as inp
}

test_metadata if {
	aks008.metadata.id == "AKS008"
	aks008.metadata.slug == "outbound-requires-standard-lb"
	aks008.metadata.severity == "error"
}

test_udr_basic_fails if {
	f := fx.only(findings("2020-01-01", {"outboundType": "userDefinedRouting", "loadBalancerSku": "basic"}))
	f.rule == "AKS008"
	f.path == ["properties", "networkProfile", "loadBalancerSku"]
	f.msg == "outboundType userDefinedRouting requires the Standard load balancer, but loadBalancerSku is basic"
	f.related[0].path == ["properties", "networkProfile", "outboundType"]
}

test_case_insensitive if {
	count(findings("2021-07-01", {"outboundType": "ManagedNATGateway", "loadBalancerSku": "Basic"})) == 1
	count(findings("2021-07-01", {"outboundType": "userDefinedRouting", "loadBalancerSku": "BASIC"})) == 1
}

test_standard_passes if {
	count(findings("2020-01-01", {"outboundType": "userDefinedRouting", "loadBalancerSku": "Standard"})) == 0
}

test_default_sku_standard_passes if {
	count(findings("2021-05-01", {"outboundType": "userDefinedRouting"})) == 0
}

test_load_balancer_basic_passes if {
	count(findings("2020-01-01", {"outboundType": "loadBalancer", "loadBalancerSku": "basic"})) == 0
	count(findings("2020-01-01", {"loadBalancerSku": "basic"})) == 0
}

test_sku_not_set_on_old_version_is_aks900 if {
	f := fx.only(findings("2020-01-01", {"outboundType": "userDefinedRouting"}))
	f.rule == "AKS900"
	f.about == "AKS008"
	f.path == ["properties", "networkProfile", "loadBalancerSku"]
}

test_unknown_sku_is_aks900 if {
	f := fx.only(findings("2021-07-01", {"outboundType": "userDefinedRouting", "loadBalancerSku": fx.marker("[parameters('sku')]")}))
	f.rule == "AKS900"
}

test_unknown_outbound_type_with_basic_is_aks900 if {
	f := fx.only(findings("2021-07-01", {"outboundType": fx.marker("[parameters('ot')]"), "loadBalancerSku": "basic"}))
	f.rule == "AKS900"
	f.path == ["properties", "networkProfile", "outboundType"]
	count(findings("2021-07-01", {"outboundType": fx.marker("[parameters('ot')]"), "loadBalancerSku": "standard"})) == 0
}
