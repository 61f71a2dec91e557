package aksgate.rules.aks002_test

import data.aksgate.rules.aks002
import data.aksgate.test.fixtures as fx
import rego.v1

findings(api, np) := fs if {
	inp := fx.doc([fx.cluster_np(api, np, [])])
	fs := aks002.deny with input as inp
}

test_metadata if {
	aks002.metadata.id == "AKS002"
	aks002.metadata.slug == "outbound-type-api-version"
	aks002.metadata.severity == "error"
}

test_set_before_2019_11_01_fails if {
	f := fx.only(findings("2019-10-01", {"outboundType": "userDefinedRouting"}))
	f.rule == "AKS002"
	f.path == ["properties", "networkProfile", "outboundType"]
	f.msg == "outboundType is set to userDefinedRouting, but apiVersion 2019-10-01 does not define it: ARM drops the property and the cluster egresses through a public load balancer"
	f.related[0].path == ["apiVersion"]
}

test_old_preview_fails if {
	count(findings("2018-08-01-preview", {"outboundType": "userDefinedRouting"})) == 1
}

test_boundaries_pass if {
	count(findings("2019-11-01", {"outboundType": "userDefinedRouting"})) == 0
	count(findings("2021-11-01-preview", {"outboundType": "userDefinedRouting"})) == 0
}

test_any_value_counts if {
	count(findings("2019-08-01", {"outboundType": "LoadBalancer"})) == 1
	count(findings("2019-08-01", {"outboundType": fx.marker("[parameters('ot')]")})) == 1
}

test_absent_passes if {
	count(findings("2019-08-01", {})) == 0
	count(findings("2019-08-01", {"outboundType": null})) == 0
}

test_unknown_api_version_is_aks900 if {
	c := object.union(fx.cluster_np("x", {"outboundType": "userDefinedRouting"}, []), {"apiVersion": fx.marker("[variables('api')]")})
	f := fx.only(aks002.deny) with input as fx.doc([c])
	f.rule == "AKS900"
	f.about == "AKS002"
	f.path == ["apiVersion"]
}
