package aksgate.rules.aks006_test

import data.aksgate.rules.aks006
import data.aksgate.test.fixtures as fx
import rego.v1

base(api, np, pools) := {
	"ref": 0,
	"source": "git",
	"file": "infra/aks.json@main",
	"revision": "main",
	"apiVersion": api,
	"properties": {"networkProfile": np, "agentPoolProfiles": pools},
}

findings(api, np, base_api, base_np) := fs if {
	c := object.union(fx.cluster_np(api, np, []), {"baseline": base(base_api, base_np, [])})
	fs := aks006.deny with input as fx.doc([c])
}

# A cluster changing outboundType from `from` to `to`, with pools in a custom subnet
# (byo) or not, and the migration option on or off.
migration(from, to, byo, allow) := fs if {
	pools := [p | byo; p := fx.pool("system", {})]
	base_pools := [p | byo; p := fx.pool("system", {})]
	c := object.union(
		fx.cluster_np("2025-02-01", {"outboundType": to}, pools),
		{"baseline": base("2025-02-01", {"outboundType": from}, base_pools)},
	)
	d := object.union(fx.doc([c]), {"aksgate": {"options": {"allowDocumentedMigrations": allow}}})
	fs := aks006.deny with input as d
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

test_related_points_at_the_baseline if {
	f := fx.only(findings("2021-07-01", {"outboundType": "userDefinedRouting"}, "2021-07-01", {"outboundType": "loadBalancer"}))
	f.related == [{
		"baseline": 0,
		"path": ["properties", "networkProfile", "outboundType"],
		"msg": "was loadBalancer",
	}]
}

test_export_baseline_is_named if {
	c := object.union(
		fx.cluster_np("2021-07-01", {"outboundType": "userDefinedRouting"}, []),
		{"baseline": {"ref": 0, "source": "export", "file": "live/aks.json", "properties": {"networkProfile": {}}}},
	)
	fs := aks006.deny with input as fx.doc([c])
	f := fx.only(fs)
	contains(f.msg, "(in live/aks.json (export))")
}

test_any_change_fails_without_the_option if {
	f := fx.only(migration("loadBalancer", "userDefinedRouting", true, false))
	f.rule == "AKS006"
	not f.severity
	endswith(f.msg, "outboundType is set at cluster creation and cannot be changed")
}

test_documented_migration_is_a_note_with_the_option if {
	f := fx.only(migration("loadBalancer", "userDefinedRouting", true, true))
	f.severity == "note"
	contains(f.msg, "a documented migration on a custom (BYO) virtual network")
	fx.only(migration("loadBalancer", "managedNATGateway", false, true)).severity == "note"
	fx.only(migration("userAssignedNATGateway", "userDefinedRouting", true, true)).severity == "note"
}

test_not_supported_path_fails_even_with_the_option if {
	# BYO VNet: loadBalancer -> managedNATGateway is Not Supported.
	f := fx.only(migration("loadBalancer", "managedNATGateway", true, true))
	not f.severity
	contains(f.msg, "lists loadBalancer -> managedNATGateway on a custom (BYO) virtual network as not supported")
	# Managed VNet: loadBalancer -> userDefinedRouting is Not Supported (2024 table).
	not fx.only(migration("loadBalancer", "userDefinedRouting", false, true)).severity
	# The 2026 table says managedNATGateway -> loadBalancer is not supported: stricter wins.
	not fx.only(migration("managedNATGateway", "loadBalancer", false, true)).severity
	# block on a custom VNet.
	not fx.only(migration("loadBalancer", "block", true, true)).severity
}

test_undocumented_path_fails_with_the_option if {
	f := fx.only(migration("userAssignedNATGateway", "none", false, true))
	not f.severity
	contains(f.msg, "lists no migration userAssignedNATGateway -> none on a managed virtual network")
}

test_migration_verdicts if {
	aks006.migration_verdict("byo", "userdefinedrouting", "loadbalancer") == "supported"
	aks006.migration_verdict("byo", "loadbalancer", "block") == "not-supported"
	aks006.migration_verdict("managed", "managednatgateway", "loadbalancer") == "not-supported"
	aks006.migration_verdict("managed", "none", "managednatgatewayv2") == "supported"
	aks006.migration_verdict("managed", "userdefinedrouting", "none") == "undocumented"
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

# Issue 22 item 2: managed <-> BYO VNet is not an outbound type migration.
test_vnet_kind_change_is_no_migration if {
	c := object.union(
		fx.cluster_np("2025-02-01", {"outboundType": "userDefinedRouting"}, [fx.pool("system", {})]),
		{"baseline": base("2025-02-01", {"outboundType": "loadBalancer"}, [{"name": "system"}])},
	)
	d := object.union(fx.doc([c]), {"aksgate": {"options": {"allowDocumentedMigrations": true}}})
	f := fx.only(aks006.deny) with input as d
	not f.severity
	contains(f.msg, "not an outbound type migration")
}

test_managed_nat_gateway_v2_cannot_migrate if {
	f := fx.only(migration("managedNATGatewayV2", "loadBalancer", false, true))
	not f.severity
	contains(f.msg, "as not supported")
}
