# AKS013 retired-features: features AKS has retired, or retires on a published date,
# dated by the scan day (input.aksgate.options.today; policies have no clock):
#
# - the Basic load balancer (loadBalancerSku basic): retired 2025-09-30;
# - Availability Set agent pools (type AvailabilitySet): retired 2025-09-30;
# - kubenet (networkPlugin kubenet, or missing): retires 2028-03-31: a warning before
#   that day, an error from it.
#
# Ownership, so that no construct is reported twice: AKS008 reports the Basic load
# balancer of a cluster whose (known) outboundType is not loadBalancer, AKS009 an
# AvailabilitySet pool of a userDefinedRouting cluster; this rule reports every other
# Basic load balancer and AvailabilitySet pool, whatever the outboundType (also an
# unknown one: the feature is retired whatever the value turns out to be).
package aksgate.rules.aks013

import data.aksgate.lib
import data.aksgate.lib.all_agent_pools
import data.aksgate.lib.clusters
import rego.v1

metadata := {
	"id": "AKS013",
	"slug": "retired-features",
	"title": "A retired AKS feature: Basic load balancer, Availability Set pools, kubenet",
	"severity": "error",
	"description": concat(" ", [
		"The Basic load balancer and Availability Set agent pools were retired on 2025-09-30;",
		"kubenet is retired on 2028-03-31 (a warning before that day, an error from it,",
		"dated by the scan day). AKS008 and AKS009 report the Basic load balancer and",
		"AvailabilitySet pools where their outboundType rules apply; this rule reports the rest.",
	]),
}

retired_on := {
	"basic_load_balancer": "2025-09-30",
	"availability_set": "2025-09-30",
	"kubenet": "2028-03-31",
}

_sku_path := lib.np_path("loadBalancerSku")

_plugin_path := lib.np_path("networkPlugin")

# The scan day, YYYY-MM-DD; null when the input does not say.
_today := d if {
	d := input.aksgate.options.today
	is_string(d)
} else := null

# Retired on the scan day or before it. Without a scan day, not (the warning stands).
retired(feature) if {
	_today != null
	_today >= retired_on[feature]
}

# ---------------------------------------------------------------- Basic load balancer

# AKS008 fires for this cluster's Basic load balancer.
_aks008_owns(c) if {
	ot := lib.outbound_type(c)
	is_string(ot)
	ot != "loadbalancer"
}

deny contains f if {
	some c in clusters
	sku := lib.get(c, _sku_path)
	is_string(sku)
	lower(sku) == "basic"
	not _aks008_owns(c)
	f := {
		"rule": "AKS013",
		"msg": sprintf("loadBalancerSku %s: the Basic load balancer was retired on %s, and AKS no longer creates clusters with it", [sku, retired_on.basic_load_balancer]),
		"resource": c.ref,
		"path": _sku_path,
		"help": "set loadBalancerSku to \"standard\" (the default from apiVersion 2021-05-01); an existing Basic cluster must be migrated to the Standard load balancer",
	}
}

deny contains lib.unverifiable("AKS013", c.ref, _sku_path, sku, "loadBalancerSku") if {
	some c in clusters
	sku := lib.get(c, _sku_path)
	lib.unknown(sku)
	not _aks008_owns(c)
}

# ---------------------------------------------------------------- Availability Sets

_avset(p) if {
	t := lib.pool_value(p, "type")
	is_string(t)
	lower(t) == "availabilityset"
}

# [resource, path] of every pool of a userDefinedRouting cluster: AKS009 reports those.
# A rule, computed once, not a search of every cluster for every pool.
_udr_pools contains [p.resource, p.path] if {
	some c in lib.pool_hosts
	lib.is_udr(c)
	some p in lib.agent_pools(c)
}

_aks009_owns(p) if [p.resource, p.path] in _udr_pools

deny contains f if {
	some p in all_agent_pools
	_avset(p)
	not _aks009_owns(p)
	f := {
		"rule": "AKS013",
		"msg": sprintf("agent pool %s is an AvailabilitySet pool: Availability Sets were retired on %s", [p.name, retired_on.availability_set]),
		"resource": p.resource,
		"path": lib.pool_path(p, "type"),
		"help": "use type \"VirtualMachineScaleSets\" (a pool's type is fixed when it is created: replace an existing AvailabilitySet pool)",
	}
}

deny contains lib.unverifiable("AKS013", p.resource, lib.pool_path(p, "type"), t, sprintf("type of agent pool %s", [p.name])) if {
	some p in all_agent_pools
	t := lib.pool_value(p, "type")
	lib.unknown(t)
	not _aks009_owns(p)
}

# ---------------------------------------------------------------- kubenet

_kubenet_finding(c) := {
	"rule": "AKS013",
	"msg": _kubenet_msg(c),
	"resource": c.ref,
	"path": _plugin_path,
	"help": "move the cluster to Azure CNI Overlay (networkPlugin \"azure\", networkPluginMode \"overlay\"); an existing cluster can be upgraded in place",
}

_kubenet_msg(c) := sprintf("%s: kubenet %s on %s", [_plugin_text(c), _tense, retired_on.kubenet])

_tense := "was retired" if retired("kubenet") else := "is retired"

_plugin_text(c) := "networkPlugin is not set, which is kubenet" if {
	lib.get(c, _plugin_path) == null
} else := sprintf("networkPlugin %s", [lib.show(lib.get(c, _plugin_path))])

_kubenet(c) if lib.network_plugin(c) == "kubenet"

warn contains _kubenet_finding(c) if {
	some c in clusters
	_kubenet(c)
	not retired("kubenet")
}

deny contains _kubenet_finding(c) if {
	some c in clusters
	_kubenet(c)
	retired("kubenet")
}

deny contains lib.unverifiable("AKS013", c.ref, _plugin_path, v, "networkPlugin") if {
	some c in clusters
	v := lib.network_plugin(c)
	lib.unknown(v)
}
