# AKS005 udr-route-table: with outboundType userDefinedRouting, the subnet of each
# agent pool must carry a route table with a 0.0.0.0/0 route to an egress device:
# not to the Internet, and, for VirtualAppliance, with a nextHopIpAddress.
#
# Subnets and route tables come from input.network (what the scanned files deploy).
# A subnet or route table that is not there cannot be checked: AKS900.
#
# A finding is reported at the cluster's agent pool `vnetSubnetID` (the start of the
# chain), with the subnet, the route table and the offending route as related
# locations, each where it is written (possibly another file), and the outboundType. Paths inside the network resources follow ARM's shape: a subnet's
# route table at <location>/properties/routeTable, a route table's routes at
# <location>/properties/routes, a route's next hop at <location>/properties/nextHopType.
package aksgate.rules.aks005

import data.aksgate.lib
import data.aksgate.lib.clusters
import rego.v1

metadata := {
	"id": "AKS005",
	"slug": "udr-route-table",
	"title": "userDefinedRouting requires a default route to an egress device",
	"severity": "error",
	"description": concat(" ", [
		"With outboundType userDefinedRouting, AKS requires a route table on the cluster's subnet",
		"with a 0.0.0.0/0 route whose next hop is a gateway or network virtual appliance",
		"(VirtualAppliance with a nextHopIpAddress), not the Internet.",
	]),
}

_ot_path := lib.np_path("outboundType")

_fix := "the route table must send 0.0.0.0/0 to your firewall or network virtual appliance: nextHopType VirtualAppliance with its private IP as nextHopIpAddress"

# [cluster, subnet key] for every pool subnet the cluster uses.
_uses contains [c, k] if {
	some c in lib.pool_hosts
	some p in lib.agent_pools(c)
	k := lib.subnet_key(lib.pool_value(p, "vnetSubnetID"))
}

_pools_on(c, k) := [p |
	some p in lib.agent_pools(c)
	lib.subnet_key(lib.pool_value(p, "vnetSubnetID")) == k
]

_related(c, k) := array.concat(
	[lib.related(p.resource, lib.pool_path(p, "vnetSubnetID"), sprintf("agent pool %s of cluster %s uses this subnet", [p.name, lib.show(c.name)])) |
		some p in _pools_on(c, k)
	],
	[lib.related(c.ref, _ot_path, "outboundType userDefinedRouting is set here")],
)

# Where a network item's property is written. Falls back to the first pool that
# uses the subnet when the item has no location.
_at(item, sub, c, k) := {"resource": loc.resource, "path": array.concat(loc.path, sub)} if {
	loc := item.location
	is_array(loc.path)
} else := {"resource": p.resource, "path": lib.pool_path(p, "vnetSubnetID")} if {
	p := _pools_on(c, k)[0]
}

_subnet_name(s, k) := sprintf("%s/%s", [s.vnet, s.name]) if {
	is_string(s.vnet)
	is_string(s.name)
} else := k

_table_name(t) := t.name if is_string(t.name) else := t.key

_tables(rt) := ts if {
	rk := lib.route_table_key(rt)
	ts := lib.route_tables_with_key(rk)
} else := []

_is_default(r) if {
	is_string(r.addressPrefix)
	trim_space(r.addressPrefix) == "0.0.0.0/0"
}

_defaults(routes) := [r | some r in routes; _is_default(r)]

_empty(v) if v == null

_empty(v) if v == ""

# The finding starts at the first pool that uses the subnet; `loc` (the offending
# item) leads the related locations, labelled `what`.
_finding(loc, msg, help, related, c, k, what) := {
	"rule": "AKS005",
	"msg": msg,
	"resource": p.resource,
	"path": primary,
	"help": help,
	"related": array.concat(
		[r | some r in related; not _same_place(r, p.resource, primary)],
		[lib.related(loc.resource, loc.path, what)],
	),
} if {
	p := _pools_on(c, k)[0]
	primary := lib.pool_path(p, "vnetSubnetID")
}

_same_place(r, res, path) if {
	r.resource == res
	r.path == path
}

# _problems: [cluster ref, finding] for every problem, as if the cluster used
# userDefinedRouting.

# The pool's subnet is not in the scanned files.
_problems contains [c.ref, f] if {
	some c in lib.pool_hosts
	some p in lib.agent_pools(c)
	k := lib.subnet_key(lib.pool_value(p, "vnetSubnetID"))
	count(lib.subnets_with_key(k)) == 0
	not input.aksgate.options.externalNetwork
	f := lib.cannot_verify(
		"AKS005", p.resource, lib.pool_path(p, "vnetSubnetID"),
		sprintf("subnet %s of agent pool %s is not in the scanned files, so its route table cannot be verified", [k, p.name]),
		sprintf("scan the files that deploy the subnet and its route table together with this one, or check by hand that %s", [_fix]),
	)
}

# The pool's subnet is unknown.
_problems contains [c.ref, f] if {
	some c in lib.pool_hosts
	some p in lib.agent_pools(c)
	sid := lib.pool_value(p, "vnetSubnetID")
	lib.unknown(sid)
	f := lib.unverifiable("AKS005", p.resource, lib.pool_path(p, "vnetSubnetID"), sid, sprintf("vnetSubnetID of agent pool %s", [p.name]))
}

# The subnet has no route table.
_problems contains [c.ref, f] if {
	some [c, k] in _uses
	some s in lib.subnets_with_key(k)
	_empty(object.get(s, "routeTable", null))
	f := _finding(
		_at(s, ["properties", "routeTable"], c, k),
		sprintf("subnet %s has no route table: outboundType userDefinedRouting of cluster %s needs one with a 0.0.0.0/0 route to an egress device", [_subnet_name(s, k), lib.show(c.name)]),
		sprintf("associate a route table with the subnet (properties.routeTable.id); %s", [_fix]),
		_related(c, k),
		c, k, sprintf("subnet %s has no route table", [_subnet_name(s, k)]),
	)
}

# The subnet's route table is unknown.
_problems contains [c.ref, f] if {
	some [c, k] in _uses
	some s in lib.subnets_with_key(k)
	rt := object.get(s, "routeTable", null)
	lib.unknown(rt)
	loc := _at(s, ["properties", "routeTable"], c, k)
	f := lib.unverifiable("AKS005", loc.resource, loc.path, rt, sprintf("the route table of subnet %s", [_subnet_name(s, k)]))
}

# The route table is not in the scanned files.
_problems contains [c.ref, f] if {
	some [c, k] in _uses
	some s in lib.subnets_with_key(k)
	rt := object.get(s, "routeTable", null)
	is_string(rt)
	rt != ""
	count(_tables(rt)) == 0
	not input.aksgate.options.externalNetwork
	loc := _at(s, ["properties", "routeTable"], c, k)
	f := lib.cannot_verify(
		"AKS005", loc.resource, loc.path,
		sprintf("route table %s of subnet %s is not in the scanned files, so its routes cannot be verified", [rt, _subnet_name(s, k)]),
		sprintf("scan the file that deploys the route table together with this one, or check by hand that %s", [_fix]),
	)
}

# [cluster, subnet key, subnet, route table] for every route table found.
_tables_used contains [c, k, s, t] if {
	some [c, k] in _uses
	some s in lib.subnets_with_key(k)
	rt := object.get(s, "routeTable", null)
	is_string(rt)
	some t in _tables(rt)
}

_route_related(c, k, s, t) := array.concat(
	[
		lib.related(loc.resource, loc.path, sprintf("subnet %s uses route table %s", [_subnet_name(s, k), _table_name(t)])),
		lib.related(t.location.resource, t.location.path, sprintf("route table %s", [_table_name(t)])),
	],
	_related(c, k),
) if {
	loc := _at(s, ["properties", "routeTable"], c, k)
	is_array(t.location.path)
} else := array.concat(
	[lib.related(loc.resource, loc.path, sprintf("subnet %s uses route table %s", [_subnet_name(s, k), _table_name(t)]))],
	_related(c, k),
) if {
	loc := _at(s, ["properties", "routeTable"], c, k)
}

# The route list is unknown.
_problems contains [c.ref, f] if {
	some [c, k, s, t] in _tables_used
	routes := object.get(t, "routes", [])
	lib.unknown(routes)
	loc := _at(t, ["properties", "routes"], c, k)
	f := lib.unverifiable("AKS005", loc.resource, loc.path, routes, sprintf("the routes of route table %s", [_table_name(t)]))
}

# No 0.0.0.0/0 route (and no route whose prefix is unknown).
_problems contains [c.ref, f] if {
	some [c, k, s, t] in _tables_used
	routes := object.get(t, "routes", [])
	is_array(routes)
	count(_defaults(routes)) == 0
	not _some_prefix_unknown(routes)
	f := _finding(
		_at(t, ["properties", "routes"], c, k),
		sprintf("route table %s (on subnet %s) has no 0.0.0.0/0 route: with outboundType userDefinedRouting cluster %s has no egress path", [_table_name(t), _subnet_name(s, k), lib.show(c.name)]),
		sprintf("add a 0.0.0.0/0 route; %s", [_fix]),
		_route_related(c, k, s, t),
		c, k, sprintf("route table %s has no 0.0.0.0/0 route", [_table_name(t)]),
	)
}

_some_prefix_unknown(routes) if {
	some r in routes
	lib.unknown(object.get(r, "addressPrefix", null))
}

# No known 0.0.0.0/0 route, and some prefixes are unknown.
_problems contains [c.ref, f] if {
	some [c, k, s, t] in _tables_used
	routes := object.get(t, "routes", [])
	is_array(routes)
	count(_defaults(routes)) == 0
	some r in routes
	prefix := object.get(r, "addressPrefix", null)
	lib.unknown(prefix)
	loc := _at(r, ["properties", "addressPrefix"], c, k)
	f := lib.unverifiable("AKS005", loc.resource, loc.path, prefix, sprintf("addressPrefix of route %s", [lib.show(object.get(r, "name", "?"))]))
}

# The default route goes to the Internet.
_problems contains [c.ref, f] if {
	some [c, k, s, t] in _tables_used
	some r in _defaults(object.get(t, "routes", []))
	hop := object.get(r, "nextHopType", null)
	is_string(hop)
	lower(hop) == "internet"
	f := _finding(
		_at(r, ["properties", "nextHopType"], c, k),
		sprintf("route %s in route table %s sends 0.0.0.0/0 to the Internet: outboundType userDefinedRouting needs it to go to a gateway or network virtual appliance, and AKS rejects an Internet default route", [lib.show(object.get(r, "name", "?")), _table_name(t)]),
		_fix,
		_route_related(c, k, s, t),
		c, k, "0.0.0.0/0 goes to the Internet here",
	)
}

# The default route goes to a virtual appliance without an address.
_problems contains [c.ref, f] if {
	some [c, k, s, t] in _tables_used
	some r in _defaults(object.get(t, "routes", []))
	hop := object.get(r, "nextHopType", null)
	is_string(hop)
	lower(hop) == "virtualappliance"
	_empty(object.get(r, "nextHopIpAddress", null))
	f := _finding(
		_at(r, ["properties", "nextHopIpAddress"], c, k),
		sprintf("route %s in route table %s sends 0.0.0.0/0 to a VirtualAppliance but has no nextHopIpAddress", [lib.show(object.get(r, "name", "?")), _table_name(t)]),
		"set nextHopIpAddress to the private IP of your firewall or network virtual appliance",
		_route_related(c, k, s, t),
		c, k, "VirtualAppliance next hop without nextHopIpAddress",
	)
}

# The default route's next hop type is unknown.
_problems contains [c.ref, f] if {
	some [c, k, s, t] in _tables_used
	some r in _defaults(object.get(t, "routes", []))
	hop := object.get(r, "nextHopType", null)
	lib.unknown(hop)
	loc := _at(r, ["properties", "nextHopType"], c, k)
	f := lib.unverifiable("AKS005", loc.resource, loc.path, hop, sprintf("nextHopType of route %s", [lib.show(object.get(r, "name", "?"))]))
}

# Each problem is joined with its cluster by `ref` (the cluster's index in
# input.resources), not by matching every cluster with every problem: that join made
# the rule quadratic in the clusters of a unit (issue 18 item 10).
deny contains f if {
	some [ref, f] in _problems
	lib.is_udr(input.resources[ref])
}

# The outboundType is unknown and the subnets have problems (or cannot be checked).
deny contains lib.unverifiable("AKS005", c.ref, _ot_path, ot, "outboundType") if {
	some ref in _with_problems
	c := input.resources[ref]
	not c.external
	ot := lib.outbound_type(c)
	lib.unknown(ot)
}

_with_problems contains ref if some [ref, _] in _problems

# Another file's cluster, whose outboundType is unknown, and this unit's pools on
# subnets with problems: reported at each such pool.
deny contains lib.unverifiable("AKS005", p.resource, lib.pool_path(p, "vnetSubnetID"), ot, what) if {
	some ref in _with_problems
	c := input.resources[ref]
	c.external
	ot := lib.outbound_type(c)
	lib.unknown(ot)
	some p in lib.agent_pools(c)
	what := sprintf("outboundType of cluster %s (in %s)", [lib.show(c.name), c.file])
}
