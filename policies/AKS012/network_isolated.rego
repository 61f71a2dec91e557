# AKS012 network-isolated: outboundType none or block asks for a network isolated
# cluster, which needs:
#
# - bootstrapProfile.artifactSource Cache (images pulled from the private cache, not
#   from the internet);
# - a private cluster (apiServerAccessProfile.enablePrivateCluster) or API Server VNet
#   Integration (apiServerAccessProfile.enableVnetIntegration);
# - a network plugin other than kubenet (a missing plugin is kubenet);
# - for block: an AKS-managed virtual network (no pool vnetSubnetID);
# - no node public IP: a pool with enableNodePublicIP egresses around the isolation.
#
# Which apiVersions accept `none` and `block` (block only the preview ones) is AKS001's.
package aksgate.rules.aks012

import data.aksgate.lib
import data.aksgate.lib.clusters
import rego.v1

metadata := {
	"id": "AKS012",
	"slug": "network-isolated",
	"title": "outboundType none or block needs a network isolated cluster",
	"severity": "error",
	"description": concat(" ", [
		"outboundType none and block are for network isolated clusters: bootstrapProfile.artifactSource",
		"Cache, a private cluster or API Server VNet Integration, and not kubenet; block also needs an",
		"AKS-managed virtual network; a node public IP gives such a cluster an egress path anyway.",
	]),
}

_ot_path := lib.np_path("outboundType")

_isolated_types := {"none", "block"}

_source_path := ["properties", "bootstrapProfile", "artifactSource"]

_private_path := ["properties", "apiServerAccessProfile", "enablePrivateCluster"]

_vnet_path := ["properties", "apiServerAccessProfile", "enableVnetIntegration"]

_plugin_path := lib.np_path("networkPlugin")

_ot_related(c) := lib.related(c.ref, _ot_path, sprintf("outboundType %s is set here", [lib.show(lib.outbound_type_raw(c))]))

_ot_text(c) := sprintf("outboundType %s", [lib.show(lib.outbound_type_raw(c))])

# _problems: [cluster ref, finding, types] for every problem, as if the cluster used one
# of `types` (some conditions hold for both isolated types, one only for block).

# Not pulling from the artifact cache.
_problems contains [c.ref, f, _isolated_types] if {
	some c in clusters
	v := lib.get(c, _source_path)
	not lib.unknown(v)
	not _is_cache(v)
	f := {
		"rule": "AKS012",
		"msg": sprintf("needs a network isolated cluster, but bootstrapProfile.artifactSource is %s, not Cache: nodes would pull their images from the internet", [lib.show(v)]),
		"resource": c.ref,
		"path": _source_path,
		"help": "set properties.bootstrapProfile.artifactSource to \"Cache\" (with containerRegistryId for your own registry)",
	}
}

_problems contains [c.ref, f, _isolated_types] if {
	some c in clusters
	v := lib.get(c, _source_path)
	lib.unknown(v)
	f := lib.unverifiable("AKS012", c.ref, _source_path, v, "bootstrapProfile.artifactSource")
}

_is_cache(v) if {
	is_string(v)
	lower(v) == "cache"
}

# Neither a private cluster nor API Server VNet Integration.
_problems contains [c.ref, f, _isolated_types] if {
	some c in clusters
	p := lib.get(c, _private_path)
	i := lib.get(c, _vnet_path)
	not lib.unknown(p)
	not lib.unknown(i)
	p != true
	i != true
	f := {
		"rule": "AKS012",
		"msg": "needs a network isolated cluster, which is a private cluster or uses API Server VNet Integration; this cluster's API server is public",
		"resource": c.ref,
		"path": _private_path,
		"help": "set properties.apiServerAccessProfile.enablePrivateCluster to true, or enableVnetIntegration to true with an API server subnet (subnetId)",
	}
}

# One is unknown and the other is not true.
_problems contains [c.ref, f, _isolated_types] if {
	some c in clusters
	some [path, other, what] in [[_private_path, _vnet_path, "enablePrivateCluster"], [_vnet_path, _private_path, "enableVnetIntegration"]]
	v := lib.get(c, path)
	lib.unknown(v)
	lib.get(c, other) != true
	f := lib.unverifiable("AKS012", c.ref, path, v, what)
}

# kubenet (or the plugin's default).
_problems contains [c.ref, f, _isolated_types] if {
	some c in clusters
	lib.network_plugin(c) == "kubenet"
	f := {
		"rule": "AKS012",
		"msg": sprintf("needs a network isolated cluster, which does not support kubenet (networkPlugin %s)", [_plugin_shown(c)]),
		"resource": c.ref,
		"path": _plugin_path,
		"help": "use Azure CNI Overlay (networkPlugin \"azure\", networkPluginMode \"overlay\")",
	}
}

_plugin_shown(c) := "is not set, which is kubenet" if {
	lib.get(c, _plugin_path) == null
} else := sprintf("is %s", [lib.show(lib.get(c, _plugin_path))])

_problems contains [c.ref, f, _isolated_types] if {
	some c in clusters
	v := lib.network_plugin(c)
	lib.unknown(v)
	f := lib.unverifiable("AKS012", c.ref, _plugin_path, v, "networkPlugin")
}

# A node public IP.
_problems contains [c.ref, f, _isolated_types] if {
	some c in clusters
	some p in lib.agent_pools(c)
	lib.pool_value(p, "enableNodePublicIP") == true
	f := {
		"rule": "AKS012",
		"msg": sprintf("isolates the cluster's egress, but agent pool %s has enableNodePublicIP: its nodes egress through their public IPs anyway", [p.name]),
		"resource": p.resource,
		"path": lib.pool_path(p, "enableNodePublicIP"),
		"help": "remove enableNodePublicIP (or set it to false) on the pools of a network isolated cluster",
	}
}

_problems contains [c.ref, f, _isolated_types] if {
	some c in clusters
	some p in lib.agent_pools(c)
	v := lib.pool_value(p, "enableNodePublicIP")
	lib.unknown(v)
	f := lib.unverifiable("AKS012", p.resource, lib.pool_path(p, "enableNodePublicIP"), v, sprintf("enableNodePublicIP of agent pool %s", [p.name]))
}

# block: a custom virtual network.
_problems contains [c.ref, f, {"block"}] if {
	some c in clusters
	some p in lib.agent_pools(c)
	sid := lib.pool_value(p, "vnetSubnetID")
	is_string(sid)
	sid != ""
	f := {
		"rule": "AKS012",
		"msg": sprintf("needs an AKS-managed virtual network, but agent pool %s is deployed into subnet %s", [p.name, sid]),
		"resource": p.resource,
		"path": lib.pool_path(p, "vnetSubnetID"),
		"help": "remove vnetSubnetID to let AKS manage the virtual network, or use outboundType none with your own virtual network",
	}
}

_problems contains [c.ref, f, {"block"}] if {
	some c in clusters
	some p in lib.agent_pools(c)
	sid := lib.pool_value(p, "vnetSubnetID")
	lib.unknown(sid)
	f := lib.unverifiable("AKS012", p.resource, lib.pool_path(p, "vnetSubnetID"), sid, sprintf("vnetSubnetID of agent pool %s", [p.name]))
}

deny contains _with_type(c, f) if {
	some c in clusters
	ot := lib.outbound_type(c)
	ot in _isolated_types
	some [ref, f, types] in _problems
	ref == c.ref
	ot in types
}

# A problem's message is what follows the outboundType, which leads it; the finding
# relates to where the outboundType is set.
_with_type(c, f) := f if {
	f.rule == "AKS900"
} else := object.union(f, {
	"msg": concat(" ", [_ot_text(c), f.msg]),
	"related": [_ot_related(c)],
})

# The outboundType is unknown and the cluster looks network isolated (it pulls from the
# artifact cache), yet breaks one of the conditions: AKS900.
deny contains lib.unverifiable("AKS012", c.ref, _ot_path, ot, "outboundType") if {
	some c in clusters
	ot := lib.outbound_type(c)
	lib.unknown(ot)
	_is_cache(lib.get(c, _source_path))
	some [ref, _, _] in _problems
	ref == c.ref
}
