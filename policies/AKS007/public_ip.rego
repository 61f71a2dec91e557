# AKS007 public-ip: the deployment creates or allocates a public IP. Each construct
# gets its own finding:
#   - a Microsoft.Network/publicIPAddresses or publicIPPrefixes resource;
#   - a cluster egressing through loadBalancer on the Standard SKU (AKS provisions
#     a public IP for the load balancer);
#   - loadBalancerProfile.managedOutboundIPs / outboundIPs / outboundIPPrefixes
#     (with outboundType loadBalancer; with other outbound types the profile is not
#     used for egress, see AKS010);
#   - an agent pool with enableNodePublicIP true (also agentPools resources whose
#     cluster is not in the unit);
#   - outboundType managedNATGateway or managedNATGatewayV2 (AKS provisions the NAT
#     gateway's public IPs).
# Organisations that allow public IPs turn the rule off in configuration.
package aksgate.rules.aks007

import data.aksgate.lib
import data.aksgate.lib.clusters
import data.aksgate.lib.all_agent_pools
import rego.v1

metadata := {
	"id": "AKS007",
	"slug": "public-ip",
	"title": "The deployment creates or allocates a public IP",
	"severity": "error",
	"description": concat(" ", [
		"Reports every construct that creates or allocates a public IP: public IP address and prefix",
		"resources, load balancer egress on the Standard SKU, load balancer outbound IPs,",
		"node public IPs, and AKS-managed NAT gateways.",
		"Turn it off in configuration if your organisation allows public IPs.",
	]),
}

_ot_path := lib.np_path("outboundType")

_sku_path := lib.np_path("loadBalancerSku")

_off := "or turn AKS007 off in configuration if your organisation allows public IPs"

_no_public_egress := "to egress without a public IP, use outboundType userDefinedRouting with a route table that sends 0.0.0.0/0 to your firewall"

# Both are lib.pack_types (lib.resources_of_type lists no others).
_pip_types := {
	"microsoft.network/publicipaddresses": "public IP address",
	"microsoft.network/publicipprefixes": "public IP prefix",
}

deny contains f if {
	some t, kind in _pip_types
	some r in lib.resources_of_type(t)
	# A public IP of another file is reported there; here it is only for references.
	not r.external
	f := {
		"rule": "AKS007",
		"msg": sprintf("the deployment creates the %s %s", [kind, lib.show(object.get(r, "name", "(unnamed)"))]),
		"resource": r.ref,
		"path": [],
		"help": sprintf("remove the %s, %s", [kind, _off]),
	}
}

# ---- load balancer egress on the Standard SKU

deny contains f if {
	some c in clusters
	lib.outbound_type(c) == "loadbalancer"
	lib.lb_sku(c) == "standard"
	f := {
		"rule": "AKS007",
		"msg": sprintf(
			"cluster %s egresses through a Standard load balancer (outboundType loadBalancer%s): AKS provisions a public IP for it",
			[lib.show(c.name), _default_note(c)],
		),
		"resource": c.ref,
		"path": _ot_path,
		"help": sprintf("%s, %s", [_no_public_egress, _off]),
		"related": _sku_related(c),
	}
}

_default_note(c) := sprintf(", because apiVersion %s drops the outboundType set here", [lib.api_version(c)]) if {
	lib.outbound_type_dropped(c)
} else := "" if {
	lib.outbound_type_set(c)
} else := ", the default"

_sku_related(c) := [lib.related(c.ref, _sku_path, "loadBalancerSku standard is set here")] if {
	lib.lb_sku_set(c)
} else := []

deny contains lib.unverifiable("AKS007", c.ref, _sku_path, sku, "loadBalancerSku") if {
	some c in clusters
	lib.outbound_type(c) == "loadbalancer"
	sku := lib.lb_sku(c)
	lib.unknown(sku)
}

# The outboundType is unknown: loadBalancer or managedNATGateway would create public
# IPs unless the load balancer is Basic.
deny contains lib.unverifiable("AKS007", c.ref, _ot_path, ot, "outboundType") if {
	some c in clusters
	ot := lib.outbound_type(c)
	lib.unknown(ot)
	lib.lb_sku(c) != "basic"
}

# ---- load balancer outbound IPs

_profile_keys := {
	"managedOutboundIPs": "asks AKS to create public IPs for the cluster's load balancer",
	"outboundIPs": "assigns public IP addresses to the cluster's load balancer for egress",
	"outboundIPPrefixes": "assigns public IP prefixes to the cluster's load balancer for egress",
}

deny contains f if {
	some c in clusters
	lib.outbound_type(c) == "loadbalancer"
	profile := lib.lb_profile(c)
	# A missing profile sets none of the keys: no need to look for each.
	profile != null
	not lib.unknown(profile)
	some key, what in _profile_keys
	lib.get(c, lib.lb_profile_path(key)) != null
	f := {
		"rule": "AKS007",
		"msg": sprintf("loadBalancerProfile.%s %s", [key, what]),
		"resource": c.ref,
		"path": lib.lb_profile_path(key),
		"help": sprintf("remove loadBalancerProfile.%s; %s, %s", [key, _no_public_egress, _off]),
		"related": _referenced_pips(c, key),
	}
}

# The public IPs (or prefixes) an outboundIPs / outboundIPPrefixes list references, where
# the scan creates them (this file or any other: input.resources includes the network
# resources of other files as `external`).
_list_keys := {"outboundIPs": ["publicIPs", "microsoft.network/publicipaddresses"], "outboundIPPrefixes": ["publicIPPrefixes", "microsoft.network/publicipprefixes"]}

_referenced_pips(c, key) := [lib.related(r.ref, [], sprintf("%s %s is created here", [_pip_types[t], r.name])) |
	[list, t] := _list_keys[key]
	entries := lib.get(c, array.concat(lib.lb_profile_path(key), [list]))
	is_array(entries)
	some e in entries
	id := object.get(e, "id", null)
	is_string(id)
	some r in lib.resources_of_type(t)
	is_string(r.name)
	_id_names(id, t, r.name)
] if {
	_list_keys[key]
} else := []

# Does resource id `id` name a resource of type `t` called `name`? Compares the provider
# part (`.../<type>/<name>`), ignoring subscription and resource group, which may be
# placeholders on either side.
_id_names(id, t, name) if {
	parts := split(lower(id), "/")
	n := count(parts)
	parts[n - 1] == lower(name)
	parts[n - 2] == split(t, "/")[1]
}

deny contains lib.unverifiable("AKS007", c.ref, path, profile, "loadBalancerProfile") if {
	some c in clusters
	lib.outbound_type(c) == "loadbalancer"
	path := lib.np_path("loadBalancerProfile")
	profile := lib.lb_profile(c)
	lib.unknown(profile)
}

# ---- node public IPs

_true(v) if v == true

_true(v) if {
	is_string(v)
	lower(v) == "true"
}

deny contains f if {
	some p in all_agent_pools
	_true(lib.pool_value(p, "enableNodePublicIP"))
	f := {
		"rule": "AKS007",
		"msg": sprintf("agent pool %s sets enableNodePublicIP: every node gets its own public IP", [p.name]),
		"resource": p.resource,
		"path": lib.pool_path(p, "enableNodePublicIP"),
		"help": sprintf("remove enableNodePublicIP or set it to false, %s", [_off]),
	}
}

deny contains lib.unverifiable("AKS007", p.resource, lib.pool_path(p, "enableNodePublicIP"), v, what) if {
	some p in all_agent_pools
	v := lib.pool_value(p, "enableNodePublicIP")
	lib.unknown(v)
	what := sprintf("enableNodePublicIP of agent pool %s", [p.name])
}

# ---- AKS-managed NAT gateway

_managed_nat := {"managednatgateway", "managednatgatewayv2"}

deny contains f if {
	some c in clusters
	ot := lib.outbound_type(c)
	ot in _managed_nat
	f := {
		"rule": "AKS007",
		"msg": sprintf(
			"outboundType %s: AKS provisions a NAT gateway with public IPs for cluster %s's egress",
			[lib.show(lib.outbound_type_raw(c)), lib.show(c.name)],
		),
		"resource": c.ref,
		"path": _ot_path,
		"help": sprintf("%s, %s", [_no_public_egress, _off]),
		"related": _nat_related(c),
	}
}

_nat_related(c) := [lib.related(c.ref, path, "AKS creates this many public IPs for the NAT gateway")] if {
	path := array.concat(lib.np_path("natGatewayProfile"), ["managedOutboundIPProfile"])
	lib.get(c, path) != null
} else := []
