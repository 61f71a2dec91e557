package aksgate.lib_test

import data.aksgate.lib
import rego.v1

marker := {"$unknown": {"expr": "[parameters('x')]", "reason": "parameter 'x' has no default"}}

cluster(api, np) := {
	"ref": 0,
	"type": "Microsoft.ContainerService/managedClusters",
	"apiVersion": api,
	"name": "aks",
	"parent": null,
	"properties": {"networkProfile": np},
}

# ---- unknown / get

test_unknown_marker if lib.unknown(marker)

test_unknown_not_for_plain_values if {
	not lib.unknown("x")
	not lib.unknown({"expr": "y"})
	not lib.unknown(null)
	not lib.unknown([marker])
}

test_unknown_expr_and_reason if {
	lib.unknown_expr(marker) == "[parameters('x')]"
	lib.unknown_reason(marker) == "parameter 'x' has no default"
}

test_get_value if lib.get({"a": {"b": [1, {"c": 2}]}}, ["a", "b", 1, "c"]) == 2

test_get_missing_is_null if {
	lib.get({"a": {}}, ["a", "b", "c"]) == null
	lib.get({"a": "str"}, ["a", "b"]) == null
}

# A parent's marker says which parent it was found at.
marker_within(w) := {"$unknown": {"expr": "[parameters('x')]", "reason": "parameter 'x' has no default", "within": w}}

test_get_unknown_parent if {
	lib.get({"a": marker}, ["a", "b", "c"]) == marker_within("a")
	lib.get({"a": {"b": marker}}, ["a", "b", "c"]) == marker_within("a.b")
	lib.get({"a": [{"b": marker}]}, ["a", 0, "b", "c"]) == marker_within("a.0.b")
	lib.get(marker, ["a"]) == marker_within("")
	lib.within(lib.get({"a": marker}, ["a", "b"])) == "a"
}

test_get_unknown_leaf if {
	lib.get({"a": {"b": marker}}, ["a", "b"]) == marker
	lib.within(marker) == null
}

test_show if {
	lib.show("x") == "x"
	lib.show(marker) == "[parameters('x')]"
	lib.show(3) == "3"
}

# ---- clusters

test_clusters_type_case_insensitive if {
	inp := {"resources": [
		{"ref": 0, "type": "microsoft.containerservice/ManagedClusters", "name": "a"},
		{"ref": 1, "type": "Microsoft.Network/virtualNetworks", "name": "v"},
		{"ref": 2, "type": "Microsoft.ContainerService/managedClusters/agentPools", "name": "a/p"},
	]}
	refs := {c.ref | some c in lib.clusters} with input as inp
	refs == {0}
}

test_resources_of_type if {
	inp := {"resources": [
		{"ref": 0, "type": "Microsoft.Network/publicIPAddresses", "name": "p"},
		{"ref": 1, "type": "microsoft.containerservice/ManagedClusters", "name": "a"},
		{"ref": 2, "type": {"$unknown": {}}, "name": "u"},
		{"ref": 3, "name": "no type"},
		{"ref": 4, "type": "Microsoft.ContainerService/managedClusters", "name": "b"},
	]}
	[c.ref | some c in lib.resources_of_type(lib.cluster_type)] == [1, 4] with input as inp
	[c.ref | some c in lib.clusters] == [1, 4] with input as inp
	[r.ref | some r in lib.resources_of_type("microsoft.network/publicipaddresses")] == [0] with input as inp
	lib.resources_of_type(lib.agent_pool_type) == [] with input as inp
}

# ---- memoised views

# A cluster of the input is answered from the views, any other object directly: the
# same answers.
test_views_answer_as_the_direct_computation if {
	clusters := [
		cluster("2021-05-01", {}),
		cluster("2019-10-01", {"outboundType": "userDefinedRouting", "networkPlugin": "Azure", "loadBalancerSku": "Basic"}),
		cluster("2021-03-01", {"outboundType": marker, "loadBalancerProfile": {"outboundIPs": {}}}),
		cluster("2021-03-01", marker),
		cluster(marker, {"loadBalancerProfile": marker}),
		object.union(cluster("2022-01-01", {}), {"properties": {"agentPoolProfiles": [{"name": "p"}]}}),
		object.union(cluster("2022-01-01", {}), {"properties": marker}),
		{"ref": 0, "type": "Microsoft.ContainerService/managedClusters"},
	]
	every c in clusters {
		_views_agree(c)
	}
}

_views_agree(c) if {
	inp := {"resources": [c]}
	every f in ["outbound_type_raw", "outbound_type", "network_plugin", "lb_sku", "agent_pools", "lb_profile"] {
		direct := _ask(f, c)
		viewed := _ask(f, c) with input as inp
		direct == viewed
	}
	# ... and the views were read.
	count(lib._views) == 1 with input as inp
}

_ask("outbound_type_raw", c) := lib.outbound_type_raw(c)

_ask("outbound_type", c) := lib.outbound_type(c)

_ask("network_plugin", c) := lib.network_plugin(c)

_ask("lb_sku", c) := lib.lb_sku(c)

_ask("agent_pools", c) := lib.agent_pools(c)

_ask("lb_profile", c) := lib.lb_profile(c)

# ---- outbound type

test_outbound_type_default_absent if {
	lib.outbound_type(cluster("2021-05-01", {})) == "loadbalancer"
	lib.outbound_type({"ref": 0, "properties": {}}) == "loadbalancer"
	lib.outbound_type({"ref": 0}) == "loadbalancer"
	not lib.outbound_type_set(cluster("2021-05-01", {}))
}

test_outbound_type_null_is_default if {
	lib.outbound_type(cluster("2021-05-01", {"outboundType": null})) == "loadbalancer"
}

test_outbound_type_lowercased if {
	c := cluster("2021-05-01", {"outboundType": "UserDefinedRouting"})
	lib.outbound_type(c) == "userdefinedrouting"
	lib.is_udr(c)
	lib.outbound_type_set(c)
}

test_outbound_type_unknown_passes_through if {
	lib.outbound_type(cluster("2021-05-01", {"outboundType": marker})) == marker
}

test_outbound_type_unknown_network_profile if {
	lib.outbound_type(cluster("2021-05-01", marker)) == marker_within("properties.networkProfile")
}

test_outbound_type_dropped_by_old_api_version if {
	c := cluster("2019-10-01", {"outboundType": "userDefinedRouting"})
	lib.outbound_type_dropped(c)
	lib.outbound_type(c) == "loadbalancer"
	not lib.outbound_type_dropped(cluster("2019-11-01", {"outboundType": "userDefinedRouting"}))
	not lib.outbound_type_dropped(cluster("2019-10-01", {}))
}

# ---- network plugin

test_network_plugin_default_kubenet if lib.network_plugin(cluster("2021-05-01", {})) == "kubenet"

test_network_plugin_lowercased if lib.network_plugin(cluster("2021-05-01", {"networkPlugin": "Azure"})) == "azure"

# ---- load balancer sku

test_lb_sku_written if lib.lb_sku(cluster("2019-11-01", {"loadBalancerSku": "Basic"})) == "basic"

test_lb_sku_default_standard_from_2021_05_01 if {
	lib.lb_sku(cluster("2021-05-01", {})) == "standard"
	lib.lb_sku(cluster("2022-01-02-preview", {})) == "standard"
}

test_lb_sku_no_default_before_2021_05_01 if {
	v := lib.lb_sku(cluster("2021-03-01", {}))
	lib.unknown(v)
	lib.unknown_reason(v) == "apiVersion 2021-03-01 documents no default"
	lib.unknown_expr(v) == "not set"
}

test_lb_sku_unknown_api_version if {
	c := object.union(cluster("x", {}), {"apiVersion": marker})
	lib.unknown(lib.lb_sku(c))
}

# ---- API versions

test_is_preview if {
	lib.is_preview("2024-05-02-preview")
	not lib.is_preview("2024-05-01")
	lib.api_date("2024-05-02-preview") == "2024-05-02"
}

test_valid_api_version if {
	lib.valid_api_version("2019-11-01")
	lib.valid_api_version("2024-05-02-preview")
	not lib.valid_api_version("latest")
	not lib.valid_api_version(marker)
}

# valid_api_version tests the pattern with string builtins (see there): the same verdicts
# as the pattern.
test_valid_api_version_is_the_pattern if {
	samples := [
		"2019-11-01", "2024-05-02-preview", "2021-05-01-Preview", "2021-05-01-a",
		"", "latest", "2019-11-1", "2019-11-011", "219-11-01", "20191-11-01",
		"2019-11-01-", "2019-11-01--preview", "2019-11-01-preview-2", "2019-11-01-prev1ew",
		"2019_11_01", "2019-11-01 ", " 2019-11-01", "2019-1a-01", "2019--11-01", "-2019-11-01",
		"2019-11", "2019-11-01x", "2019-11-01\n", "\uff12019-11-01", "2019-11-01-pr\u00e9view",
	]
	every v in samples {
		_valid(v) == regex.match(`^[0-9]{4}-[0-9]{2}-[0-9]{2}(-[A-Za-z]+)?$`, v)
	}
}

_valid(v) if lib.valid_api_version(v)

default _valid(_) := false

test_outbound_type_defined_boundaries if {
	not lib.outbound_type_defined("2019-10-01")
	lib.outbound_type_defined("2019-11-01")
	not lib.outbound_type_defined("2018-08-01-preview")
	lib.outbound_type_defined("2021-11-01-preview")
}

test_accepted_stable_boundaries if {
	lib.accepted_outbound_types("2019-11-01") == ["loadBalancer", "userDefinedRouting"]
	lib.accepted_outbound_types("2021-05-01") == ["loadBalancer", "userDefinedRouting"]
	lib.accepted_outbound_types("2021-07-01") == ["loadBalancer", "managedNATGateway", "userAssignedNATGateway", "userDefinedRouting"]
	lib.accepted_outbound_types("2025-01-01") == ["loadBalancer", "managedNATGateway", "userAssignedNATGateway", "userDefinedRouting"]
	lib.accepted_outbound_types("2025-02-01") == ["loadBalancer", "managedNATGateway", "none", "userAssignedNATGateway", "userDefinedRouting"]
	lib.accepted_outbound_types("2019-10-01") == []
}

test_accepted_preview_boundaries if {
	lib.accepted_outbound_types("2018-08-01-preview") == []
	lib.accepted_outbound_types("2024-04-02-preview") == ["loadBalancer", "managedNATGateway", "userAssignedNATGateway", "userDefinedRouting"]
	lib.outbound_type_accepted("2024-05-02-preview", "none")
	lib.outbound_type_accepted("2024-05-02-preview", "block")
	not lib.outbound_type_accepted("2025-02-01", "block")
	not lib.outbound_type_accepted("2025-10-02-preview", "managednatgatewayv2")
	lib.outbound_type_accepted("2026-01-02-preview", "managednatgatewayv2")
	lib.outbound_type_accepted("2026-05-02-preview", "managednatgatewayv2")
	not lib.outbound_type_accepted("2026-06-02-preview", "managednatgatewayv2")
	not lib.outbound_type_accepted("2026-06-01", "managednatgatewayv2")
}

test_outbound_type_versions_text if {
	lib.outbound_type_versions("none") == "stable apiVersion 2025-02-01 or later or preview apiVersion 2024-05-02-preview or later"
	lib.outbound_type_versions("managednatgatewayv2") == "preview apiVersion 2026-01-02-preview through 2026-05-02-preview"
}

test_outbound_type_name if {
	lib.outbound_type_name("userdefinedrouting") == "userDefinedRouting"
	lib.outbound_type_name("udr") == "udr"
}

# ---- agent pools

test_agent_pools_embedded_and_children if {
	c := {
		"ref": 0, "type": "Microsoft.ContainerService/managedClusters", "name": "AKS",
		"properties": {"agentPoolProfiles": [{"name": "sys", "vnetSubnetID": "s"}, {"count": 1}]},
	}
	inp := {"resources": [
		c,
		{"ref": 1, "type": "Microsoft.ContainerService/managedClusters/agentPools", "name": "AKS/user", "parent": 0, "properties": {"type": "AvailabilitySet"}},
		{"ref": 2, "type": "microsoft.containerservice/managedclusters/agentpools", "name": "aks/user2", "parent": null, "properties": {}},
		{"ref": 3, "type": "Microsoft.ContainerService/managedClusters/agentPools", "name": "other/user3", "parent": null},
		{"ref": 4, "type": "Microsoft.ContainerService/managedClusters/agentPools", "name": "aks/user4", "parent": 9},
	]}
	pools := lib.agent_pools(c) with input as inp
	{[p.resource, p.path, p.name] | some p in pools} == {
		[0, ["properties", "agentPoolProfiles", 0], "sys"],
		[0, ["properties", "agentPoolProfiles", 1], "#1"],
		[1, ["properties"], "user"],
		[2, ["properties"], "user2"],
	}
}

test_pool_value if {
	lib.pool_value({"pool": {"a": 1}}, "a") == 1
	lib.pool_value({"pool": {"a": 1}}, "b") == null
	lib.pool_value({"pool": marker, "path": ["properties", "agentPoolProfiles", 0]}, "b") == marker_within("properties.agentPoolProfiles.0")
	lib.pool_path({"path": ["properties"]}, "type") == ["properties", "type"]
}

test_agent_pool_profiles_unknown if {
	lib.agent_pool_profiles_unknown({"properties": {"agentPoolProfiles": marker}})
	lib.agent_pool_profiles_unknown({"properties": marker})
	not lib.agent_pool_profiles_unknown({"properties": {"agentPoolProfiles": []}})
}

# ---- keys

test_subnet_key if {
	lib.subnet_key("/subscriptions/{subscription}/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/VNet/subnets/AKS") == "virtualnetworks/vnet/subnets/aks"
	lib.subnet_key("virtualNetworks/v/subnets/s/") == "virtualnetworks/v/subnets/s"
	not lib.subnet_key("/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/routeTables/rt")
	not lib.subnet_key(marker)
}

test_route_table_key if {
	lib.route_table_key("/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/routeTables/Egress") == "routetables/egress"
	not lib.route_table_key("/a/b/subnets/s")
}

test_lookup_network_items if {
	inp := {"network": {
		"subnets": [{"id": "/x/providers/microsoft.network/virtualnetworks/v/subnets/s", "key": "virtualnetworks/v/subnets/s"}, {"id": "/x/providers/microsoft.network/virtualnetworks/v/subnets/t"}],
		"routeTables": [{"id": "/x/providers/microsoft.network/routetables/rt", "key": "routetables/rt"}],
	}}
	[s] := lib.subnets_with_key("virtualnetworks/v/subnets/s") with input as inp
	s.key == "virtualnetworks/v/subnets/s"
	[t] := lib.subnets_with_key("virtualnetworks/v/subnets/t") with input as inp
	t.id == "/x/providers/microsoft.network/virtualnetworks/v/subnets/t"
	[rt] := lib.route_tables_with_key("routetables/rt") with input as inp
	rt.key == "routetables/rt"
	lib.subnets_with_key("virtualnetworks/v/subnets/zz") == [] with input as inp
}

test_lookup_without_network if {
	lib.subnets_with_key("virtualnetworks/v/subnets/s") == [] with input as {"resources": []}
}

test_all_agent_pools_includes_orphans if {
	inp := {"resources": [{"ref": 0, "type": "Microsoft.ContainerService/managedClusters/agentPools", "name": "elsewhere/p1", "parent": null, "properties": {"enableNodePublicIP": true}}]}
	pools := lib.all_agent_pools with input as inp
	{[p.resource, p.name] | some p in pools} == {[0, "p1"]}
}

# ---- findings

test_unverifiable if {
	f := lib.unverifiable("AKS003", 0, ["properties", "networkProfile", "networkPlugin"], marker, "networkPlugin")
	f.rule == "AKS900"
	f.about == "AKS003"
	f.resource == 0
	f.msg == "AKS003 cannot decide: networkPlugin is [parameters('x')] (parameter 'x' has no default)"
}

# A value inside an unknown object is not said to be that object's expression.
test_unverifiable_inside_an_unknown_object if {
	f := lib.unverifiable("AKS001", 0, ["properties", "networkProfile", "outboundType"], marker_within("properties"), "outboundType")
	f.msg == "AKS001 cannot decide: outboundType is unknown: it is inside properties, which depends on [parameters('x')] (parameter 'x' has no default)"
	g := lib.unverifiable("AKS002", 0, ["apiVersion"], marker_within(""), "apiVersion")
	g.msg == "AKS002 cannot decide: apiVersion is unknown: it is inside the resource, which depends on [parameters('x')] (parameter 'x' has no default)"
}

test_cannot_verify if {
	f := lib.cannot_verify("AKS005", 1, [], "subnet x is not in the scanned files", "scan it")
	f.rule == "AKS900"
	f.msg == "AKS005 cannot decide: subnet x is not in the scanned files"
	f.help == "scan it"
}
