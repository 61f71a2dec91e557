# AKS011 nat-gateway-egress: the NAT gateway outbound types have network
# preconditions the API does not check before the deployment fails (or, for
# userAssignedNATGateway, before nodes come up without egress):
#
# - userAssignedNATGateway: every agent pool is in a custom subnet (vnetSubnetID), and
#   that subnet, when the scan deploys it, is associated with a NAT gateway
#   (properties.natGateway). A subnet not in the scanned files is AKS900.
# - managedNATGateway / managedNATGatewayV2: AKS builds the VNet; a pool vnetSubnetID
#   (a custom VNet) is not compatible.
# - natGatewayProfile.managedOutboundIPProfile.count is 1 to 16.
package aksgate.rules.aks011

import data.aksgate.lib
import data.aksgate.lib.clusters
import rego.v1

metadata := {
	"id": "AKS011",
	"slug": "nat-gateway-egress",
	"title": "NAT gateway egress needs its network: a NAT gateway on the subnet, or an AKS-managed VNet",
	"severity": "error",
	"description": concat(" ", [
		"outboundType userAssignedNATGateway needs every agent pool in a custom subnet associated",
		"with a NAT gateway before the cluster is created; managedNATGateway and managedNATGatewayV2",
		"are not compatible with custom virtual networks (a pool vnetSubnetID); the managed NAT",
		"gateway's outbound IP count is 1 to 16.",
	]),
}

_ot_path := lib.np_path("outboundType")

_count_path := ["properties", "networkProfile", "natGatewayProfile", "managedOutboundIPProfile", "count"]

_managed := {"managednatgateway", "managednatgatewayv2"}

_missing(v) if v == null

_missing(v) if v == ""

_ot_related(c) := lib.related(c.ref, _ot_path, sprintf("outboundType %s is set here", [lib.show(lib.outbound_type_raw(c))]))

_subnet_name(s, k) := sprintf("%s/%s", [s.vnet, s.name]) if {
	is_string(s.vnet)
	is_string(s.name)
} else := k

# Where a subnet's NAT gateway association is written.
_nat_at(s) := {"resource": s.location.resource, "path": array.concat(s.location.path, ["properties", "natGateway"])} if {
	is_array(s.location.path)
}

# ---------------------------------------------------------------- userAssignedNATGateway
#
# _user_problems: [cluster ref, finding] for every problem, as if the cluster used
# userAssignedNATGateway.

# A pool without a custom subnet.
_user_problems contains [c.ref, f] if {
	some c in clusters
	some p in lib.agent_pools(c)
	sid := lib.pool_value(p, "vnetSubnetID")
	not lib.unknown(sid)
	_missing(sid)
	f := {
		"rule": "AKS011",
		"msg": sprintf("outboundType userAssignedNATGateway requires agent pool %s to be deployed into a subnet associated with a NAT gateway, but it has no vnetSubnetID", [p.name]),
		"resource": p.resource,
		"path": lib.pool_path(p, "vnetSubnetID"),
		"help": "set vnetSubnetID to the id of an existing subnet of your virtual network whose properties.natGateway is the NAT gateway the cluster egresses through",
		"related": [_ot_related(c)],
	}
}

# The whole pool is unknown (a vnetSubnetID that is written but unresolvable names some
# subnet: its NAT gateway cannot be checked, below).
_user_problems contains [c.ref, f] if {
	some c in clusters
	some p in lib.agent_pools(c)
	sid := lib.pool_value(p, "vnetSubnetID")
	lib.unknown(sid)
	f := lib.unverifiable("AKS011", p.resource, lib.pool_path(p, "vnetSubnetID"), sid, sprintf("vnetSubnetID of agent pool %s", [p.name]))
}

# The list of pools is unknown.
_user_problems contains [c.ref, f] if {
	some c in clusters
	lib.agent_pool_profiles_unknown(c)
	path := ["properties", "agentPoolProfiles"]
	f := lib.unverifiable("AKS011", c.ref, path, lib.get(c, path), "agentPoolProfiles")
}

# The pool's subnet is not in the scanned files.
_user_problems contains [c.ref, f] if {
	some c in clusters
	some p in lib.agent_pools(c)
	k := lib.subnet_key(lib.pool_value(p, "vnetSubnetID"))
	count(lib.subnets_with_key(k)) == 0
	not input.aksgate.options.externalNetwork
	f := lib.cannot_verify(
		"AKS011", p.resource, lib.pool_path(p, "vnetSubnetID"),
		sprintf("subnet %s of agent pool %s is not in the scanned files, so its NAT gateway association cannot be verified", [k, p.name]),
		"scan the files that deploy the subnet together with this one, or check by hand that the subnet's properties.natGateway names the NAT gateway before the cluster is created",
	)
}

# [cluster, pool, subnet key, subnet] for every pool subnet found in the scan.
_subnets contains [c, p, k, s] if {
	some c in clusters
	some p in lib.agent_pools(c)
	k := lib.subnet_key(lib.pool_value(p, "vnetSubnetID"))
	some s in lib.subnets_with_key(k)
}

_nat(s) := lib.get(s, ["properties", "natGateway"])

# The subnet has no NAT gateway.
_user_problems contains [c.ref, f] if {
	some [c, p, k, s] in _subnets
	nat := _nat(s)
	not lib.unknown(nat)
	_no_nat(nat)
	at := _nat_at(s)
	f := {
		"rule": "AKS011",
		"msg": sprintf("subnet %s of agent pool %s has no NAT gateway: outboundType userAssignedNATGateway of cluster %s egresses through the NAT gateway associated with the subnet, so its nodes would have no egress", [_subnet_name(s, k), p.name, lib.show(c.name)]),
		"resource": p.resource,
		"path": lib.pool_path(p, "vnetSubnetID"),
		"help": "associate the NAT gateway with the subnet (properties.natGateway.id) in the template that deploys the subnet, before the cluster is created",
		"related": [_ot_related(c), lib.related(at.resource, at.path, sprintf("subnet %s has no natGateway", [_subnet_name(s, k)]))],
	}
}

_no_nat(nat) if nat == null

_no_nat(nat) if {
	is_object(nat)
	_missing(object.get(nat, "id", null))
}

# The subnet's NAT gateway (or the subnet's properties) is unknown.
_user_problems contains [c.ref, f] if {
	some [c, p, k, s] in _subnets
	nat := _nat(s)
	lib.unknown(nat)
	at := _nat_at(s)
	f := lib.unverifiable("AKS011", at.resource, at.path, nat, sprintf("the NAT gateway of subnet %s", [_subnet_name(s, k)]))
}

_user_problems contains [c.ref, f] if {
	some [c, p, k, s] in _subnets
	nat := _nat(s)
	is_object(nat)
	id := object.get(nat, "id", null)
	lib.unknown(id)
	at := _nat_at(s)
	f := lib.unverifiable("AKS011", at.resource, array.concat(at.path, ["id"]), id, sprintf("the NAT gateway of subnet %s", [_subnet_name(s, k)]))
}

deny contains f if {
	some c in clusters
	lib.outbound_type(c) == "userassignednatgateway"
	some [ref, f] in _user_problems
	ref == c.ref
}

# ---------------------------------------------------------------- managed NAT gateway

# [cluster ref, finding] as if the cluster used a managed NAT gateway.
_managed_problems contains [c.ref, f] if {
	some c in clusters
	some p in lib.agent_pools(c)
	sid := lib.pool_value(p, "vnetSubnetID")
	is_string(sid)
	sid != ""
	f := {
		"rule": "AKS011",
		"msg": sprintf("outboundType %s is not compatible with a custom virtual network, but agent pool %s is deployed into subnet %s", [lib.show(lib.outbound_type_raw(c)), p.name, sid]),
		"resource": p.resource,
		"path": lib.pool_path(p, "vnetSubnetID"),
		"help": "with your own virtual network use outboundType userAssignedNATGateway and associate your NAT gateway with the subnet; or remove vnetSubnetID and let AKS create the virtual network",
		"related": [_ot_related(c)],
	}
}

_managed_problems contains [c.ref, f] if {
	some c in clusters
	some p in lib.agent_pools(c)
	sid := lib.pool_value(p, "vnetSubnetID")
	lib.unknown(sid)
	f := lib.unverifiable("AKS011", p.resource, lib.pool_path(p, "vnetSubnetID"), sid, sprintf("vnetSubnetID of agent pool %s", [p.name]))
}

deny contains f if {
	some c in clusters
	lib.outbound_type(c) in _managed
	some [ref, f] in _managed_problems
	ref == c.ref
}

# ---------------------------------------------------------------- outbound IP count

_count_ok(n) if {
	is_number(n)
	n == floor(n)
	n >= 1
	n <= 16
}

deny contains f if {
	some c in clusters
	n := lib.get(c, _count_path)
	n != null
	not lib.unknown(n)
	not _count_ok(n)
	f := {
		"rule": "AKS011",
		"msg": sprintf("natGatewayProfile.managedOutboundIPProfile.count is %s: a managed NAT gateway has 1 to 16 outbound IPs", [lib.show(n)]),
		"resource": c.ref,
		"path": _count_path,
		"help": "set managedOutboundIPProfile.count to a whole number from 1 to 16 (the default is 1)",
	}
}

deny contains lib.unverifiable("AKS011", c.ref, _count_path, n, "natGatewayProfile.managedOutboundIPProfile.count") if {
	some c in clusters
	lib.outbound_type(c) in _managed
	n := lib.get(c, _count_path)
	lib.unknown(n)
}

# ---------------------------------------------------------------- unknown outboundType

# The outboundType is unknown and the cluster would break a NAT gateway rule: with a
# custom subnet for a managed NAT gateway, or without one (or without a NAT gateway on
# it) for userAssignedNATGateway. Only a cluster shaped for NAT egress is reported (a
# natGatewayProfile, or a pool subnet with a NAT gateway): any other outboundType is as
# likely, and the rules of those types report the unknown value themselves.
deny contains lib.unverifiable("AKS011", c.ref, _ot_path, ot, "outboundType") if {
	some c in clusters
	ot := lib.outbound_type(c)
	lib.unknown(ot)
	_nat_shaped(c)
	_some_problem(c)
}

# Written in the cluster: a natGatewayProfile inside an unknown parent says nothing.
_nat_shaped(c) if {
	p := lib.get(c, lib.np_path("natGatewayProfile"))
	p != null
	lib.within(p) == null
}

_nat_shaped(c) if {
	some [d, _, _, s] in _subnets
	d.ref == c.ref
	not _no_nat(_nat(s))
}

_some_problem(c) if {
	some [ref, _] in _user_problems
	ref == c.ref
}

_some_problem(c) if {
	some [ref, _] in _managed_problems
	ref == c.ref
}
