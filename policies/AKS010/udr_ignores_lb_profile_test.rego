package aksgate.rules.aks010_test

import data.aksgate.rules.aks010
import data.aksgate.test.fixtures as fx
import rego.v1

findings(np) := fs if {
	inp := fx.doc([fx.cluster_np("2021-07-01", np, [])])
	fs := aks010.warn with input as inp
}

udr_with(profile) := {"outboundType": "userDefinedRouting", "loadBalancerProfile": profile}

test_metadata if {
	aks010.metadata.id == "AKS010"
	aks010.metadata.slug == "udr-ignores-lb-profile"
	aks010.metadata.severity == "warning"
}

test_each_setting_warns if {
	fs := findings(udr_with({
		"managedOutboundIPs": {"count": 2},
		"outboundIPs": {"publicIPs": []},
		"outboundIPPrefixes": {"publicIPPrefixes": []},
		"allocatedOutboundPorts": 1024,
		"idleTimeoutInMinutes": 10,
	}))
	{f.path[3] | some f in fs} == {"managedOutboundIPs", "outboundIPs", "outboundIPPrefixes", "allocatedOutboundPorts"}
	every f in fs {
		f.rule == "AKS010"
		f.related[0].path == ["properties", "networkProfile", "outboundType"]
	}
}

test_message if {
	f := fx.only(findings(udr_with({"managedOutboundIPs": {"count": 1}})))
	f.msg == "loadBalancerProfile.managedOutboundIPs has no effect with outboundType userDefinedRouting: AKS does not configure the load balancer for egress"
	f.path == ["properties", "networkProfile", "loadBalancerProfile", "managedOutboundIPs"]
}

test_case_insensitive if {
	count(findings({"outboundType": "UserDefinedRouting", "loadBalancerProfile": {"outboundIPs": {}}})) == 1
}

test_default_ports_and_other_settings_pass if {
	count(findings(udr_with({"allocatedOutboundPorts": 0, "idleTimeoutInMinutes": 30}))) == 0
	count(findings({"outboundType": "userDefinedRouting"})) == 0
}

test_load_balancer_passes if {
	count(findings({"outboundType": "loadBalancer", "loadBalancerProfile": {"managedOutboundIPs": {"count": 2}}})) == 0
	count(findings({"loadBalancerProfile": {"managedOutboundIPs": {"count": 2}}})) == 0
}

test_not_in_deny if {
	inp := fx.doc([fx.cluster_np("2021-07-01", udr_with({"managedOutboundIPs": {"count": 2}}), [])])
	not aks010.deny with input as inp
}

test_unknown_outbound_type_is_aks900 if {
	f := fx.only(findings({"outboundType": fx.marker("[parameters('ot')]"), "loadBalancerProfile": {"managedOutboundIPs": {"count": 2}, "outboundIPs": {}}}))
	f.rule == "AKS900"
	f.about == "AKS010"
}

test_unknown_profile_is_aks900 if {
	f := fx.only(findings(udr_with(fx.marker("[parameters('lbp')]"))))
	f.rule == "AKS900"
	f.path == ["properties", "networkProfile", "loadBalancerProfile"]
}
