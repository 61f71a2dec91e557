# AKS006 outbound-type-immutable: the cluster's outboundType differs from its
# baseline, the same cluster in the base git revision (--base REF) or an exported live
# cluster (--baseline PATH). The Rust side attaches it to the resource as
#   "baseline": {"ref": 0, "source": "git"|"export", "file": "infra/aks.json@main",
#                "apiVersion": ..., "name": ..., "properties": {...}, ...}
# and a location {"baseline": <ref>, "path": [...]} points into the base file.
# Absent on either side = loadBalancer; on an apiVersion that does not define
# outboundType the property is dropped, so that side is loadBalancer too
# (lib.outbound_type).
#
# Default: any change is an error. With input.aksgate.options.allowDocumentedMigrations
# (--allow-documented-migrations), a change along a path the AKS documentation lists as
# supported (migration_verdict == "supported") is a note; a path it lists as not
# supported, or does not list, stays an error.
package aksgate.rules.aks006

import data.aksgate.lib
import data.aksgate.lib.clusters
import rego.v1

metadata := {
	"id": "AKS006",
	"slug": "outbound-type-immutable",
	"title": "outboundType cannot change after cluster creation",
	"severity": "error",
	"description": concat(" ", [
		"outboundType is set at cluster creation: the 2019 AKS documentation and the API specification",
		"say it cannot be changed later. The rule compares the cluster with its baseline (base git",
		"revision or exported cluster); a missing outboundType is loadBalancer.",
	]),
}

_ot_path := lib.np_path("outboundType")

_effective(x) := lib.outbound_type(x)

# ------------------------------------------------------------------ migrations
# The outbound type migration tables of the AKS documentation
# (MicrosoftDocs/azure-aks-docs articles/aks/egress-outboundtype.md), by virtual network
# kind: true = "Supported", false = "Not Supported"; a pair a table does not list is
# undocumented there. Keys are lower-cased outbound types.
migration_tables := [
	{
		"source": "egress-outboundtype.md (ms.date 04/29/2024)",
		"managed": {
			"loadbalancer": {"managednatgateway": true, "userassignednatgateway": false, "userdefinedrouting": false},
			"managednatgateway": {"loadbalancer": true, "userassignednatgateway": false, "userdefinedrouting": false},
			"userassignednatgateway": {"loadbalancer": false, "managednatgateway": false, "userdefinedrouting": false},
		},
		"byo": {
			"loadbalancer": {"managednatgateway": false, "userassignednatgateway": true, "userdefinedrouting": true},
			"managednatgateway": {"loadbalancer": false, "userassignednatgateway": false, "userdefinedrouting": false},
			"userassignednatgateway": {"loadbalancer": true, "managednatgateway": false, "userdefinedrouting": true},
			"userdefinedrouting": {"loadbalancer": true, "managednatgateway": false, "userassignednatgateway": true},
		},
	},
	{
		"source": "egress-outboundtype.md (ms.date 04/09/2026)",
		"managed": {
			"loadbalancer": {"managednatgatewayv2": true, "managednatgateway": true, "none": true, "block": true},
			"managednatgatewayv2": {"loadbalancer": false, "managednatgateway": false, "none": false, "block": false},
			"managednatgateway": {"loadbalancer": false, "managednatgatewayv2": true, "none": true, "block": true},
			"none": {"loadbalancer": true, "managednatgatewayv2": true, "managednatgateway": true, "block": true},
			"block": {"loadbalancer": true, "managednatgatewayv2": true, "managednatgateway": true, "none": true},
		},
		"byo": {
			"loadbalancer": {"userassignednatgateway": true, "userdefinedrouting": true, "none": true, "block": false},
			"userassignednatgateway": {"loadbalancer": true, "userdefinedrouting": true, "none": true, "block": false},
			"userdefinedrouting": {"loadbalancer": true, "userassignednatgateway": true, "none": true, "block": false},
			"none": {"loadbalancer": true, "userassignednatgateway": true, "userdefinedrouting": true, "block": false},
		},
	},
]

# "not-supported" when any table lists the path as Not Supported (the 2026 table says
# managedNATGateway -> loadBalancer is not supported where the 2024 one says it is: the
# stricter reading wins), "supported" when a table lists it as Supported, else
# "undocumented".
#
# (No `some` directly in a body followed by `else`: regorus's compiled form never takes
# the `else` then. The loops sit in helper rules.)
migration_verdict(vnet, from, to) := "not-supported" if {
	_listed(vnet, from, to, false)
} else := "supported" if {
	_listed(vnet, from, to, true)
} else := "undocumented"

_listed(vnet, from, to, verdict) if {
	some t in migration_tables
	t[vnet][from][to] == verdict
}

_has_subnet(pool) if {
	v := object.get(pool, "vnetSubnetID", null)
	v != null
	v != ""
}

# A custom (BYO) virtual network: an agent pool of the cluster, now or in the baseline,
# has a vnetSubnetID.
vnet_kind(c, _) := "byo" if _byo(c) else := "managed"

_byo(c) if {
	some p in lib.agent_pools(c)
	_has_subnet(p.pool)
}

_byo(c) if {
	pools := object.get(c.baseline, ["properties", "agentPoolProfiles"], [])
	is_array(pools)
	some pool in pools
	_has_subnet(pool)
}

_byo_now(c) if {
	some p in lib.agent_pools(c)
	_has_subnet(p.pool)
}

_byo_before(c) if {
	pools := object.get(c.baseline, ["properties", "agentPoolProfiles"], [])
	is_array(pools)
	some pool in pools
	_has_subnet(pool)
}

# The cluster moves between a managed and a custom (BYO) virtual network: a pool's
# subnet is fixed at creation, so this is a new cluster's network, not a migration of
# the outbound type that any table lists (egress-outboundtype.md, 2026-08).
vnet_changed(c) if {
	_byo_now(c)
	not _byo_before(c)
}

vnet_changed(c) if {
	_byo_before(c)
	not _byo_now(c)
}

_vnet_name := {"byo": "a custom (BYO) virtual network", "managed": "a managed virtual network"}

_allow_migrations if input.aksgate.options.allowDocumentedMigrations == true

_where(b) := sprintf("%s (%s)", [lib.show(object.get(b, "file", "the baseline")), b.source]) if {
	b.source == "export"
} else := lib.show(object.get(b, "file", "the baseline"))

_help(was) := concat(" ", [
	sprintf("keep outboundType %s, or create a new cluster with the new outbound type.", [lib.outbound_type_name(was)]),
	"The API specification says outboundType can only be set at creation; AKS documentation since 2024",
	"allows some migrations with az aks update (Azure CLI 2.56 or later), which disrupt egress and change the egress IP",
	"(--allow-documented-migrations accepts those paths)",
])

_why(c, vnet, was, now) := "outboundType is set at cluster creation and cannot be changed" if {
	not _allow_migrations
} else := "the cluster also moves between a managed and a custom (BYO) virtual network, which is not an outbound type migration: the pools' subnets are fixed at creation" if {
	vnet_changed(c)
} else := sprintf(
	"the AKS documentation lists %s -> %s on %s as not supported",
	[lib.outbound_type_name(was), lib.outbound_type_name(now), _vnet_name[vnet]],
) if {
	migration_verdict(vnet, was, now) == "not-supported"
} else := sprintf(
	"the AKS documentation lists no migration %s -> %s on %s",
	[lib.outbound_type_name(was), lib.outbound_type_name(now), _vnet_name[vnet]],
)

_changes contains [c, b, was, now] if {
	some c in clusters
	b := c.baseline
	is_object(b)
	now := _effective(c)
	was := _effective(b)
	not lib.unknown(now)
	not lib.unknown(was)
	now != was
}

_related(b, was) := [{
	"baseline": object.get(b, "ref", 0),
	"path": _ot_path,
	"msg": sprintf("was %s", [lib.outbound_type_name(was)]),
}]

deny contains f if {
	some [c, b, was, now] in _changes
	vnet := vnet_kind(c, b)
	not _documented_and_allowed(c, vnet, was, now)
	f := {
		"rule": "AKS006",
		"msg": sprintf(
			"outboundType changes from %s (in %s) to %s: %s",
			[lib.outbound_type_name(was), _where(b), lib.outbound_type_name(now), _why(c, vnet, was, now)],
		),
		"resource": c.ref,
		"path": _ot_path,
		"help": _help(was),
		"related": _related(b, was),
	}
}

_documented_and_allowed(c, vnet, was, now) if {
	_allow_migrations
	not vnet_changed(c)
	migration_verdict(vnet, was, now) == "supported"
}

# An allowed documented migration is still worth a line in the report.
deny contains f if {
	some [c, b, was, now] in _changes
	vnet := vnet_kind(c, b)
	_documented_and_allowed(c, vnet, was, now)
	f := {
		"rule": "AKS006",
		"severity": "note",
		"msg": sprintf(
			"outboundType changes from %s (in %s) to %s: a documented migration on %s (az aks update, Azure CLI 2.56 or later), allowed by configuration; it disrupts egress and changes the egress IP",
			[lib.outbound_type_name(was), _where(b), lib.outbound_type_name(now), _vnet_name[vnet]],
		),
		"resource": c.ref,
		"path": _ot_path,
		"related": _related(b, was),
	}
}

deny contains lib.unverifiable("AKS006", c.ref, _ot_path, v, what) if {
	some c in clusters
	b := c.baseline
	is_object(b)
	some [v, what] in [[_effective(c), "outboundType"], [_effective(b), "the baseline's outboundType"]]
	lib.unknown(v)
}
