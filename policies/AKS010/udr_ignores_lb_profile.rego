# AKS010 udr-ignores-lb-profile (warning): with outboundType userDefinedRouting AKS
# does not configure the load balancer for egress, so outbound IPs and ports set in
# loadBalancerProfile do nothing. allocatedOutboundPorts 0 is the default and is
# not reported.
package aksgate.rules.aks010

import data.aksgate.lib
import data.aksgate.lib.clusters
import rego.v1

metadata := {
	"id": "AKS010",
	"slug": "udr-ignores-lb-profile",
	"title": "userDefinedRouting ignores the load balancer's outbound settings",
	"severity": "warning",
	"description": concat(" ", [
		"With outboundType userDefinedRouting AKS does not configure the load balancer for egress:",
		"loadBalancerProfile managedOutboundIPs, outboundIPs, outboundIPPrefixes and",
		"allocatedOutboundPorts have no effect.",
	]),
}

_ot_path := lib.np_path("outboundType")

_profile_path := lib.np_path("loadBalancerProfile")

_keys := ["managedOutboundIPs", "outboundIPs", "outboundIPPrefixes", "allocatedOutboundPorts"]

# The keys of _keys that the cluster's loadBalancerProfile sets (an unknown profile sets
# none here: the last rule reports it). The profile is looked at once per cluster: a
# missing one sets none of the keys.
_set_keys(c) := [key |
	profile := lib.lb_profile(c)
	profile != null
	not lib.unknown(profile)
	some key in _keys
	v := lib.get(c, lib.lb_profile_path(key))
	v != null
	not _default_ports(key, v)
]

_default_ports(key, v) if {
	key == "allocatedOutboundPorts"
	v == 0
}

warn contains f if {
	some c in clusters
	lib.is_udr(c)
	some key in _set_keys(c)
	f := {
		"rule": "AKS010",
		"msg": sprintf(
			"loadBalancerProfile.%s has no effect with outboundType userDefinedRouting: AKS does not configure the load balancer for egress",
			[key],
		),
		"resource": c.ref,
		"path": lib.lb_profile_path(key),
		"help": sprintf("remove loadBalancerProfile.%s: egress goes through the route table of the cluster's subnet", [key]),
		"related": [lib.related(c.ref, _ot_path, "outboundType userDefinedRouting is set here")],
	}
}

warn contains lib.unverifiable("AKS010", c.ref, _ot_path, ot, "outboundType") if {
	some c in clusters
	ot := lib.outbound_type(c)
	lib.unknown(ot)
	some key in _set_keys(c)
}

warn contains lib.unverifiable("AKS010", c.ref, _profile_path, profile, "loadBalancerProfile") if {
	some c in clusters
	lib.is_udr(c)
	profile := lib.lb_profile(c)
	lib.unknown(profile)
}
