# AKS004 udr-requires-custom-subnet: with outboundType userDefinedRouting every
# agent pool must be deployed into an existing subnet (vnetSubnetID), whose route
# table carries the egress route.
package aksgate.rules.aks004

import data.aksgate.lib
import data.aksgate.lib.clusters
import rego.v1

metadata := {
	"id": "AKS004",
	"slug": "udr-requires-custom-subnet",
	"title": "userDefinedRouting requires agent pools in an existing subnet",
	"severity": "error",
	"description": concat(" ", [
		"With outboundType userDefinedRouting AKS requires the route table on the subnet the",
		"cluster is deployed into, so every agent pool (agentPoolProfiles entry or agentPools",
		"resource) must set vnetSubnetID to an existing subnet.",
	]),
}

_ot_path := lib.np_path("outboundType")

_help := concat(" ", [
	"set vnetSubnetID to the resource id of an existing subnet whose route table sends",
	"0.0.0.0/0 to your firewall or network virtual appliance",
])

_missing(sid) if sid == null

_missing(sid) if sid == ""

# Pools that would break the rule if the cluster used userDefinedRouting.
_without_subnet(c) := {p |
	some p in lib.agent_pools(c)
	sid := lib.pool_value(p, "vnetSubnetID")
	not lib.unknown(sid)
	_missing(sid)
}

deny contains f if {
	some c in lib.pool_hosts
	lib.is_udr(c)
	some p in _without_subnet(c)
	f := {
		"rule": "AKS004",
		"msg": sprintf(
			"outboundType userDefinedRouting requires agent pool %s to be deployed into an existing subnet, but it has no vnetSubnetID",
			[p.name],
		),
		"resource": p.resource,
		"path": lib.pool_path(p, "vnetSubnetID"),
		"help": _help,
		"related": [lib.related(c.ref, _ot_path, "outboundType userDefinedRouting is set here")],
	}
}

# UDR, but the whole pool is unknown, so whether it sets vnetSubnetID is too. A
# vnetSubnetID that is present but unresolvable satisfies this rule (the pool is
# deployed into some existing subnet); AKS005 reports that it cannot check that subnet.
deny contains lib.unverifiable("AKS004", p.resource, lib.pool_path(p, "vnetSubnetID"), sid, what) if {
	some c in lib.pool_hosts
	lib.is_udr(c)
	some p in lib.agent_pools(c)
	sid := lib.pool_value(p, "vnetSubnetID")
	lib.unknown(sid)
	lib.within(sid) != null
	what := sprintf("vnetSubnetID of agent pool %s", [p.name])
}

# UDR, but the list of pools is unknown.
deny contains lib.unverifiable("AKS004", c.ref, path, lib.get(c, path), "agentPoolProfiles") if {
	some c in clusters
	lib.is_udr(c)
	lib.agent_pool_profiles_unknown(c)
	path := ["properties", "agentPoolProfiles"]
}

# The outboundType is unknown and some pool has no subnet.
deny contains lib.unverifiable("AKS004", c.ref, _ot_path, ot, "outboundType") if {
	some c in clusters
	ot := lib.outbound_type(c)
	lib.unknown(ot)
	count(_without_subnet(c)) > 0
}

# Another file's cluster, whose outboundType is unknown, and a pool of this unit
# without a subnet: reported at the pool (the cluster's own file reports the rest).
deny contains lib.unverifiable("AKS004", p.resource, lib.pool_path(p, "vnetSubnetID"), ot, what) if {
	some c in lib.pool_hosts
	c.external
	ot := lib.outbound_type(c)
	lib.unknown(ot)
	some p in _without_subnet(c)
	what := sprintf("outboundType of cluster %s (in %s)", [lib.show(c.name), c.file])
}

# A standalone agent pool whose cluster is in no scanned file: whether the cluster
# uses userDefinedRouting (AKS004, AKS005, AKS009) cannot be checked.
deny contains lib.cannot_verify("AKS004", r.ref, ["name"], msg, help) if {
	some r in lib.orphan_pools
	msg := sprintf(
		"agent pool %s deploys into cluster %s, which no scanned file deploys, so the rules that need its outboundType (AKS004, AKS005, AKS009) cannot check this pool",
		[_pool_name(r), _cluster_name(r)],
	)
	help := "scan the file that deploys the cluster together with this one, or check by hand that the pool meets the cluster's outbound type"
}

_pool_name(r) := parts[count(parts) - 1] if {
	is_string(r.name)
	parts := split(r.name, "/")
} else := lib.show(r.name)

_cluster_name(r) := parts[0] if {
	is_string(r.name)
	parts := split(r.name, "/")
	count(parts) == 2
} else := sprintf("(none: the name %s is not <cluster>/<pool>)", [r.name]) if {
	is_string(r.name)
} else := "(unknown: the pool's name does not say)"
