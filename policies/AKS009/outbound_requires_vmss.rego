# AKS009 outbound-requires-vmss: outboundType userDefinedRouting needs agent pools
# of type VirtualMachineScaleSets, not AvailabilitySet. A pool without `type` is
# not reported (VirtualMachineScaleSets is the type current apiVersions default to).
package aksgate.rules.aks009

import data.aksgate.lib
import data.aksgate.lib.clusters
import rego.v1

metadata := {
	"id": "AKS009",
	"slug": "outbound-requires-vmss",
	"title": "userDefinedRouting requires VirtualMachineScaleSets agent pools",
	"severity": "error",
	"description": concat(" ", [
		"Setting outboundType requires agent pools of type VirtualMachineScaleSets;",
		"with outboundType userDefinedRouting an AvailabilitySet pool is an error.",
	]),
}

_ot_path := lib.np_path("outboundType")

_avset(p) if {
	t := lib.pool_value(p, "type")
	is_string(t)
	lower(t) == "availabilityset"
}

deny contains f if {
	some c in lib.pool_hosts
	lib.is_udr(c)
	some p in lib.agent_pools(c)
	_avset(p)
	f := {
		"rule": "AKS009",
		"msg": sprintf(
			"outboundType userDefinedRouting requires VirtualMachineScaleSets agent pools, but agent pool %s is an AvailabilitySet",
			[p.name],
		),
		"resource": p.resource,
		"path": lib.pool_path(p, "type"),
		"help": "set the agent pool's type to \"VirtualMachineScaleSets\" (a pool's type is fixed when it is created: replace an existing AvailabilitySet pool)",
		"related": [lib.related(c.ref, _ot_path, "outboundType userDefinedRouting is set here")],
	}
}

# UDR, but a pool's type (or the whole pool) is unknown.
deny contains lib.unverifiable("AKS009", p.resource, lib.pool_path(p, "type"), t, what) if {
	some c in lib.pool_hosts
	lib.is_udr(c)
	some p in lib.agent_pools(c)
	t := lib.pool_value(p, "type")
	lib.unknown(t)
	what := sprintf("type of agent pool %s", [p.name])
}

# The outboundType is unknown and some pool is an AvailabilitySet.
deny contains lib.unverifiable("AKS009", c.ref, _ot_path, ot, "outboundType") if {
	some c in clusters
	ot := lib.outbound_type(c)
	lib.unknown(ot)
	some p in lib.agent_pools(c)
	_avset(p)
}

# Another file's cluster, whose outboundType is unknown, and an AvailabilitySet pool
# of this unit: reported at the pool.
deny contains lib.unverifiable("AKS009", p.resource, lib.pool_path(p, "type"), ot, what) if {
	some c in lib.pool_hosts
	c.external
	ot := lib.outbound_type(c)
	lib.unknown(ot)
	some p in lib.agent_pools(c)
	_avset(p)
	what := sprintf("outboundType of cluster %s (in %s)", [lib.show(c.name), c.file])
}
