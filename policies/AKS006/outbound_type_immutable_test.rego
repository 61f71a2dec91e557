package aksgate.rules.aks006_test

import data.aksgate.rules.aks006
import data.aksgate.test.fixtures as fx
import rego.v1

findings(api, np, base_api, base_np) := fs if {
	c := object.union(fx.cluster_np(api, np, []), {"baseline": {
		"file": "infra/aks.json@main",
		"apiVersion": base_api,
		"properties": {"networkProfile": base_np},
	}})
	fs := aks006.deny with input as fx.doc([c])
}

test_metadata if {
	aks006.metadata.id == "AKS006"
	aks006.metadata.slug == "outbound-type-immutable"
	aks006.metadata.severity == "error"
}

test_change_fails if {
	f := fx.only(findings("2021-07-01", {"outboundType": "userDefinedRouting"}, "2021-07-01", {"outboundType": "loadBalancer"}))
	f.rule == "AKS006"
	f.path == ["properties", "networkProfile", "outboundType"]
	f.msg == "outboundType changes from loadBalancer (in infra/aks.json@main) to userDefinedRouting: outboundType is set at cluster creation and cannot be changed"
}

test_absent_is_load_balancer if {
	count(findings("2021-07-01", {"outboundType": "userDefinedRouting"}, "2021-07-01", {})) == 1
	count(findings("2021-07-01", {}, "2021-07-01", {"outboundType": "LoadBalancer"})) == 0
	count(findings("2021-07-01", {}, "2021-07-01", {"outboundType": "managedNATGateway"})) == 1
}

test_same_value_passes_case_insensitively if {
	count(findings("2021-07-01", {"outboundType": "UserDefinedRouting"}, "2020-01-01", {"outboundType": "userDefinedRouting"})) == 0
}

test_baseline_version_without_property_is_load_balancer if {
	count(findings("2021-07-01", {"outboundType": "loadBalancer"}, "2019-08-01", {"outboundType": "userDefinedRouting"})) == 0
}

test_no_baseline_passes if {
	count(aks006.deny) == 0 with input as fx.doc([fx.udr_cluster])
}

test_unknown_is_aks900 if {
	f := fx.only(findings("2021-07-01", {"outboundType": fx.marker("[parameters('ot')]")}, "2021-07-01", {}))
	f.rule == "AKS900"
	f.about == "AKS006"
}

test_dropped_current_value_is_load_balancer if {
	count(findings("2019-10-01", {"outboundType": "userDefinedRouting"}, "2019-10-01", {})) == 0
}
