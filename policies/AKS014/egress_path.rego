# AKS014 egress-path: with outboundType userDefinedRouting, the appliance the default
# route names must exist in the scanned files and let the cluster's required egress out.
#
# AKS005 follows each pool's subnet to its route table and the 0.0.0.0/0 route; AKS014
# starts where AKS005 stops, at a VirtualAppliance next hop with a nextHopIpAddress:
#
# - the address is looked up among the scanned firewalls' and network interfaces'
#   private IPs (input.network, any file: the route items carry `appliances`); none:
#   AKS900 (unless external_network);
# - a network interface at the address must have enableIPForwarding true;
# - an Azure Firewall at the address (classic rule collections, or its firewall
#   policy's rule collection groups) must allow, from the node subnet: the
#   AzureKubernetesService FQDN tag (or each required FQDN) on Https 443; for a
#   non-private cluster, UDP 1194 and TCP 9000 to AzureCloud.<region>. A Deny rule of
#   the same kind with a higher priority (lower number) that matches the same traffic
#   shadows the allow; network rules come before application rules, so a network rule
#   for HTTPS to every address decides it first. Rule content aksgate cannot read (markers, IP groups) is AKS900
#   when something looks missing, never a pass.
#
# The finding is reported at the firewall (or network interface) when this unit deploys
# it, else at the pool's vnetSubnetID; the route, the subnet and the pools are related.
package aksgate.rules.aks014

import data.aksgate.lib
import rego.v1

metadata := {
	"id": "AKS014",
	"slug": "egress-path",
	"title": "userDefinedRouting's next hop must be an appliance that allows AKS egress",
	"severity": "error",
	"description": concat(" ", [
		"With outboundType userDefinedRouting, the 0.0.0.0/0 route's nextHopIpAddress must be a",
		"firewall or network virtual appliance the scanned files deploy: a network interface",
		"with IP forwarding, or an Azure Firewall whose rules allow the cluster's required",
		"egress (the AzureKubernetesService FQDN tag on Https 443 from the node subnet; for a",
		"non-private cluster UDP 1194 and TCP 9000 to AzureCloud.<region>), not shadowed by a",
		"higher-priority Deny.",
	]),
}

_ot_path := lib.np_path("outboundType")

_aks_tag := "azurekubernetesservice"

# The FQDNs on Https 443 the tag covers (outbound-rules-control-egress), for a cluster
# in region `reg`.
_required_fqdns(reg) := [
	sprintf("*.hcp.%s.azmk8s.io", [reg]),
	"mcr.microsoft.com",
	"*.data.mcr.microsoft.com",
	"mcr-0001.mcr-msedge.net",
	"management.azure.com",
	"login.microsoftonline.com",
	"packages.microsoft.com",
	"acs-mirror.azureedge.net",
	"packages.aks.azure.com",
]

# The network rules a non-private cluster needs: [protocol, port].
_required_net := [["UDP", 1194], ["TCP", 9000]]

# ---------------------------------------------------------------- the chain

_uses contains [c, k] if {
	some c in lib.pool_hosts
	some p in lib.agent_pools(c)
	k := lib.subnet_key(lib.pool_value(p, "vnetSubnetID"))
}

_pools_on(c, k) := [p |
	some p in lib.agent_pools(c)
	lib.subnet_key(lib.pool_value(p, "vnetSubnetID")) == k
]

_is_default(r) if {
	is_string(r.addressPrefix)
	trim_space(r.addressPrefix) == "0.0.0.0/0"
}

_is_appliance_hop(r) if {
	hop := object.get(r, "nextHopType", null)
	is_string(hop)
	lower(hop) == "virtualappliance"
}

_set(v) if {
	v != null
	v != ""
}

# [cluster, subnet key, subnet, route table, route] for every default route to a
# VirtualAppliance with an address (AKS005 reports the rest of the chain).
_hops contains [c, k, s, t, r] if {
	some [c, k] in _uses
	some s in lib.subnets_with_key(k)
	rt := object.get(s, "routeTable", null)
	is_string(rt)
	some t in lib.route_tables_with_key(lib.route_table_key(rt))
	routes := object.get(t, "routes", [])
	is_array(routes)
	some r in routes
	_is_default(r)
	_is_appliance_hop(r)
	_set(object.get(r, "nextHopIpAddress", null))
}

_network(kind) := items if {
	items := object.get(object.get(input, "network", {}), kind, [])
	is_array(items)
} else := []

# The appliances at a route's next hop: as src/network.rs found them, or (an input
# built by hand) looked up here.
_appliances(r) := r.appliances if {
	is_array(r.appliances)
} else := array.concat(
	[{"kind": "firewall", "index": i} |
		some i, f in _network("firewalls")
		_has_ip(f, r.nextHopIpAddress)
	],
	array.concat(
		[{"kind": "networkInterface", "index": i} |
			some i, n in _network("networkInterfaces")
			_has_ip(n, r.nextHopIpAddress)
		],
		array.concat(
			[{"kind": "loadBalancer", "index": i} |
				some i, n in _network("loadBalancers")
				_has_ip(n, r.nextHopIpAddress)
			],
			[{"kind": "applicationGateway", "index": i} |
				some i, n in _network("applicationGateways")
				_has_ip(n, r.nextHopIpAddress)
			],
		),
	),
)

_has_ip(item, ip) if {
	some a in object.get(item, "privateIPAddresses", [])
	is_string(a)
	trim_space(a) == trim_space(ip)
}

_appliance(a) := _network("firewalls")[a.index] if a.kind == "firewall"

_appliance(a) := _network("networkInterfaces")[a.index] if a.kind == "networkInterface"

_appliance(a) := _network("loadBalancers")[a.index] if a.kind == "loadBalancer"

_appliance(a) := _network("applicationGateways")[a.index] if a.kind == "applicationGateway"

# An unknown next hop written as a firewall's reference: the one scanned firewall whose
# name the expression quotes (`reference(resourceId('...azureFirewalls', 'fw-hub'))...`).
_named_firewalls(ip) := [f |
	expr := lower(lib.unknown_expr(ip))
	contains(expr, "azurefirewalls")
	some f in _network("firewalls")
	is_string(f.name)
	_quotes(expr, lower(f.name))
]

_quotes(expr, name) if contains(expr, sprintf("'%s'", [name]))

_quotes(expr, name) if contains(expr, sprintf("\"%s\"", [name]))

# ---------------------------------------------------------------- locations

_sub(loc, sub) := {"resource": loc.resource, "path": array.concat(loc.path, sub)}

_subnet_name(s, k) := sprintf("%s/%s", [s.vnet, s.name]) if {
	is_string(s.vnet)
	is_string(s.name)
} else := k

_table_name(t) := t.name if is_string(t.name) else := t.key

_route_name(r) := lib.show(object.get(r, "name", "?"))

_is_external(loc) if input.resources[loc.resource].external

# The chain, for related locations: route, subnet, pools, outboundType.
_chain(c, k, s, t, r) := array.concat(
	[
		lib.related(r.location.resource, array.concat(r.location.path, ["properties", "nextHopIpAddress"]), sprintf("route %s of route table %s sends 0.0.0.0/0 here", [_route_name(r), _table_name(t)])),
		lib.related(s.location.resource, array.concat(s.location.path, ["properties", "routeTable"]), sprintf("subnet %s uses route table %s", [_subnet_name(s, k), _table_name(t)])),
	],
	array.concat(
		[lib.related(p.resource, lib.pool_path(p, "vnetSubnetID"), sprintf("agent pool %s of cluster %s uses this subnet", [p.name, lib.show(c.name)])) |
			some p in _pools_on(c, k)
		],
		[lib.related(c.ref, _ot_path, "outboundType userDefinedRouting is set here")],
	),
)

# A finding at `at` (an appliance's location) when this unit deploys it; else at the
# first pool on the subnet, with `at` leading the related locations.
_finding(rule, at, what, msg, help, c, k, s, t, r) := {
	"rule": rule,
	"msg": msg,
	"resource": at.resource,
	"path": at.path,
	"help": help,
	"related": _chain(c, k, s, t, r),
} if {
	not _is_external(at)
} else := {
	"rule": rule,
	"msg": msg,
	"resource": p.resource,
	"path": lib.pool_path(p, "vnetSubnetID"),
	"help": help,
	"related": array.concat([lib.related(at.resource, at.path, what)], _chain(c, k, s, t, r)),
} if {
	p := _pools_on(c, k)[0]
}

# `loc` when this unit deploys what is there, else where the route names it.
_here_or_hop(c, k, r, loc) := loc if not _is_external(loc) else := _at_hop(c, k, r)

_at_hop(c, k, r) := _sub(r.location, ["properties", "nextHopIpAddress"]) if {
	not _is_external(r.location)
} else := {"resource": p.resource, "path": lib.pool_path(p, "vnetSubnetID")} if {
	p := _pools_on(c, k)[0]
}

# ---------------------------------------------------------------- problems
#
# _problems: [cluster ref, finding], as if the cluster used userDefinedRouting.

# No scanned file deploys anything at the next hop.
_problems contains [c.ref, f] if {
	some [c, k, s, t, r] in _hops
	ip := r.nextHopIpAddress
	is_string(ip)
	count(_appliances(r)) == 0
	not input.aksgate.options.externalNetwork
	at := _at_hop(c, k, r)
	f := lib.cannot_verify(
		"AKS014", at.resource, at.path,
		sprintf("no scanned file deploys a firewall or network interface at %s, the next hop of route %s (route table %s), so cluster %s's egress through it cannot be verified", [ip, _route_name(r), _table_name(t), lib.show(c.name)]),
		"scan the file that deploys the firewall or network virtual appliance together with this one, or set external_network = true when the hub is managed elsewhere",
	)
}

# The next hop is unknown, and names no single scanned firewall.
_problems contains [c.ref, f] if {
	some [c, k, s, t, r] in _hops
	ip := r.nextHopIpAddress
	lib.unknown(ip)
	count(_named_firewalls(ip)) != 1
	at := _at_hop(c, k, r)
	f := lib.unverifiable("AKS014", at.resource, at.path, ip, sprintf("nextHopIpAddress of route %s", [_route_name(r)]))
}

# [cluster, subnet key, subnet, route table, route, appliance] for every appliance found.
_direct contains [c, k, s, t, r, x] if {
	some [c, k, s, t, r] in _hops
	is_string(r.nextHopIpAddress)
	some a in _appliances(r)
	x := object.union(_appliance(a), {"kind": a.kind})
}

_direct contains [c, k, s, t, r, x] if {
	some [c, k, s, t, r] in _hops
	lib.unknown(r.nextHopIpAddress)
	[fw] := _named_firewalls(r.nextHopIpAddress)
	x := object.union(fw, {"kind": "firewall"})
}

# What the route reaches: the appliances at the address and, behind an internal load
# balancer there, those in its backend pools (src/network.rs lists them), each checked
# as if the route named it.
_found contains e if some e in _direct

_found contains [c, k, s, t, r, x] if {
	some [c, k, s, t, r, lb] in _direct
	lb.kind == "loadBalancer"
	some b in object.get(lb, "backends", [])
	x := object.union(_appliance(b), {"kind": b.kind, "behind": lb.name})
}

# How a finding names an appliance: a network interface behind a load balancer says so.
_label(x) := sprintf("network interface %s (behind load balancer %s)", [x.name, x.behind]) if {
	x.kind == "networkInterface"
	is_string(x.behind)
} else := sprintf("network interface %s", [x.name]) if x.kind == "networkInterface"

_label(x) := sprintf("firewall %s (behind load balancer %s)", [x.name, x.behind]) if {
	x.kind == "firewall"
	is_string(x.behind)
} else := sprintf("firewall %s", [x.name]) if x.kind == "firewall"

# An application gateway proxies inbound web requests; it routes nothing a cluster
# sends out.
_problems contains [c.ref, f] if {
	some [c, k, s, t, r, x] in _found
	x.kind == "applicationGateway"
	f := _finding(
		"AKS014", _sub(x.location, ["properties", "frontendIPConfigurations"]), sprintf("application gateway %s holds %s", [x.name, r.nextHopIpAddress]),
		sprintf("application gateway %s holds %s, the next hop of route %s for cluster %s: an application gateway is a reverse proxy for inbound web traffic and does not forward outbound traffic, so the cluster has no egress", [x.name, r.nextHopIpAddress, _route_name(r), lib.show(c.name)]),
		"send 0.0.0.0/0 to an Azure Firewall's private IP, or to a network virtual appliance (a network interface with IP forwarding, or an internal load balancer in front of such appliances)",
		c, k, s, t, r,
	)
}

# An internal load balancer with no backend the scan deploys: what it hands the
# traffic to cannot be checked.
_problems contains [c.ref, f] if {
	some [c, k, s, t, r, x] in _found
	x.kind == "loadBalancer"
	count(object.get(x, "backends", [])) == 0
	not input.aksgate.options.externalNetwork
	at := _here_or_hop(c, k, r, _sub(x.location, ["properties", "frontendIPConfigurations"]))
	f := lib.cannot_verify(
		"AKS014", at.resource, at.path,
		sprintf("load balancer %s holds %s, the next hop of route %s for cluster %s, but no scanned file deploys a network interface in its backend pools or an appliance at their addresses, so the cluster's egress through it cannot be verified", [x.name, r.nextHopIpAddress, _route_name(r), lib.show(c.name)]),
		"scan the files that deploy the appliances behind the load balancer (their network interfaces name its backend pool) together with this one, or set external_network = true when the hub is managed elsewhere",
	)
}

# A network interface without IP forwarding drops what it is sent.
_problems contains [c.ref, f] if {
	some [c, k, s, t, r, x] in _found
	x.kind == "networkInterface"
	fwd := object.get(x, "enableIPForwarding", null)
	not lib.unknown(fwd)
	fwd != true
	at := _sub(x.location, ["properties", "enableIPForwarding"])
	f := _finding(
		"AKS014", at, sprintf("%s has no IP forwarding", [_label(x)]),
		sprintf("%s, the next hop of route %s for cluster %s, does not have enableIPForwarding true: it drops traffic that is not addressed to it, so the cluster has no egress", [_label(x), _route_name(r), lib.show(c.name)]),
		"set properties.enableIPForwarding to true on the appliance's network interface (and enable forwarding in the appliance's operating system)",
		c, k, s, t, r,
	)
}

_problems contains [c.ref, f] if {
	some [c, k, s, t, r, x] in _found
	x.kind == "networkInterface"
	fwd := object.get(x, "enableIPForwarding", null)
	lib.unknown(fwd)
	at := _sub(x.location, ["properties", "enableIPForwarding"])
	f := lib.unverifiable("AKS014", at.resource, at.path, fwd, sprintf("enableIPForwarding of network interface %s", [x.name]))
}

# ---------------------------------------------------------------- firewall rules

# Every rule of a firewall, flattened: {kind, prio, action, rule}. Classic collections
# have one level of priority; a policy's rules are ordered by group, then collection.
_rules(fw) := array.concat(_classic_rules(fw), _policy_rules(fw))

_classic_rules(fw) := array.concat(
	[e |
		some coll in _array(object.get(fw, "applicationRuleCollections", null))
		some e in _collection_rules(coll.properties, "application", 0)
	],
	[e |
		some coll in _array(object.get(fw, "networkRuleCollections", null))
		some e in _collection_rules(coll.properties, "network", 0)
	],
)

_collection_rules(props, kind, group_prio) := [e |
	is_object(props)
	some rule in _array(object.get(props, "rules", null))
	e := {
		"kind": kind,
		"prio": [group_prio, object.get(props, "priority", null)],
		"action": lib.enum_value(object.get(object.get(props, "action", {}), "type", "allow")),
		"rule": rule,
	}
]

_array(v) := v if is_array(v) else := []

_policies(fw) := [p |
	id := object.get(fw, "firewallPolicy", null)
	is_string(id)
	k := _policy_key(id)
	some p in _network("firewallPolicies")
	p.key == k
]

_policy_key(id) := concat("/", array.slice(segs, count(segs) - 2, count(segs))) if {
	segs := split(lower(trim(id, "/")), "/")
	count(segs) >= 2
}

_policy_rules(fw) := [e |
	some p in _policies(fw)
	some g in _array(object.get(p, "ruleCollectionGroups", null))
	some rc in _array(object.get(g, "ruleCollections", null))
	is_object(rc)
	lower(object.get(rc, "ruleCollectionType", "FirewallPolicyFilterRuleCollection")) == "firewallpolicyfilterrulecollection"
	some rule in _array(object.get(rc, "rules", null))
	e := {
		"kind": _policy_rule_kind(rule),
		"prio": [object.get(g, "priority", null), object.get(rc, "priority", null)],
		"action": lib.enum_value(object.get(object.get(rc, "action", {}), "type", "allow")),
		"rule": rule,
	}
]

_policy_rule_kind(rule) := "application" if {
	lower(object.get(rule, "ruleType", "")) == "applicationrule"
} else := "network" if {
	lower(object.get(rule, "ruleType", "")) == "networkrule"
} else := "other"

# What aksgate cannot read in a firewall's rules: any marker in them, a policy that is
# not in the scan, IP groups (their addresses are another resource's).
_unsure(fw) if lib.unknown(object.get(fw, "properties", null))

_unsure(fw) if lib.unknown(object.get(fw, "firewallPolicy", null))

_unsure(fw) if _has_unknown(_content(fw))

_unsure(fw) if {
	some e in _rules(fw)
	count(_array(object.get(e.rule, "sourceIpGroups", null))) > 0
}

_unsure(fw) if {
	some e in _rules(fw)
	count(_array(object.get(e.rule, "destinationIpGroups", null))) > 0
}

_unsure(fw) if _policy_missing(fw)

_policy_missing(fw) if {
	is_string(object.get(fw, "firewallPolicy", null))
	count(_policies(fw)) == 0
}

# Unknowns that could hide a Deny: reported even when the allows are found.
_unsure_deny(fw) if lib.unknown(object.get(fw, "properties", null))

_unsure_deny(fw) if lib.unknown(object.get(fw, "firewallPolicy", null))

_unsure_deny(fw) if _policy_missing(fw)

_unsure_deny(fw) if {
	some e in _rules(fw)
	e.action != "allow"
	_has_unknown([e])
}

_unsure_deny(fw) if {
	some v in [object.get(fw, "applicationRuleCollections", null), object.get(fw, "networkRuleCollections", null)]
	lib.unknown(v)
}

_unsure_deny(fw) if {
	some coll in array.concat(_array(object.get(fw, "applicationRuleCollections", null)), _array(object.get(fw, "networkRuleCollections", null)))
	_has_unknown([object.get(coll, "properties", null)])
	not _has_unknown([object.get(coll, ["properties", "rules"], null)])
}

_unsure_deny(fw) if {
	some p in _policies(fw)
	some g in _array(object.get(p, "ruleCollectionGroups", null))
	_has_unknown([object.get(g, "priority", null), object.get(g, "ruleCollections", null)])
	not _rules_only_unknown_in_allows(g)
}

# A group whose unknowns are all inside Allow collections' rules.
_rules_only_unknown_in_allows(g) if {
	rcs := object.get(g, "ruleCollections", null)
	is_array(rcs)
	not lib.unknown(object.get(g, "priority", null))
	every rc in rcs {
		is_object(rc)
		lib.enum_value(object.get(object.get(rc, "action", {}), "type", "allow")) == "allow"
		not lib.unknown(object.get(rc, "priority", null))
	}
}

_content(fw) := array.concat(
	[object.get(fw, "applicationRuleCollections", null), object.get(fw, "networkRuleCollections", null)],
	[g | some p in _policies(fw); some g in _array(object.get(p, "ruleCollectionGroups", null))],
)

# Any marker at any depth (walk is not in regorus's compiled form; Rego has no
# recursion): the marker's key in the value's JSON text.
_has_unknown(x) if contains(json.marshal(x), `"$unknown"`)

# ------------------------------------------------ matching traffic

_lower_list(v) := [lower(x) | some x in _array(v); is_string(x)]

_is_ipv4(s) if {
	parts := split(s, ".")
	count(parts) == 4
	every p in parts {
		p != ""
		count(p) <= 3
		trim(p, "0123456789") == ""
	}
}

_is_cidr(s) if {
	is_string(s)
	parts := split(trim_space(s), "/")
	count(parts) in {1, 2}
	_is_ipv4(parts[0])
	_prefix_len_ok(parts)
}

_prefix_len_ok(parts) if count(parts) == 1

_prefix_len_ok(parts) if {
	count(parts) == 2
	parts[1] != ""
	count(parts[1]) <= 2
	trim(parts[1], "0123456789") == ""
	to_number(parts[1]) <= 32
}

_source_ok(rule, _) if {
	some x in _lower_list(object.get(rule, "sourceAddresses", null))
	trim_space(x) in {"*", "0.0.0.0/0", "any"}
}

_source_ok(rule, prefix) if {
	_is_cidr(prefix)
	some x in _lower_list(object.get(rule, "sourceAddresses", null))
	_is_cidr(x)
	net.cidr_contains(trim_space(x), trim_space(prefix))
}

_app_https_443(rule) if {
	some p in _array(object.get(rule, "protocols", null))
	is_object(p)
	lower(object.get(p, "protocolType", "")) == "https"
	_port_is(object.get(p, "port", null), 443)
}

_port_is(v, n) if v == n

_port_is(v, n) if {
	is_string(v)
	trim_space(v) == sprintf("%d", [n])
}

_fqdn_covers(pat, fqdn) if pat == "*"

_fqdn_covers(pat, fqdn) if pat == fqdn

_fqdn_covers(pat, fqdn) if {
	startswith(pat, "*.")
	endswith(fqdn, substring(pat, 1, -1))
}

_app_dest(rule, _) if _aks_tag in _lower_list(object.get(rule, "fqdnTags", null))

_app_dest(rule, fqdn) if {
	some pat in _lower_list(object.get(rule, "targetFqdns", null))
	_fqdn_covers(trim_space(pat), fqdn)
}

_app_match(e, fqdn, prefix) if {
	e.kind == "application"
	_app_https_443(e.rule)
	_app_dest(e.rule, fqdn)
	_source_ok(e.rule, prefix)
}

_net_protocols(rule) := _lower_list(object.get(rule, "ipProtocols", null)) if {
	is_array(object.get(rule, "ipProtocols", null))
} else := _lower_list(object.get(rule, "protocols", null))

_net_port(rule, port) if {
	some x in _array(object.get(rule, "destinationPorts", null))
	_port_covers(x, port)
}

_port_covers(x, _) if x == "*"

_port_covers(x, port) if _port_is(x, port)

_port_covers(x, port) if {
	is_string(x)
	bounds := split(trim_space(x), "-")
	count(bounds) == 2
	every b in bounds {
		b != ""
		trim(b, "0123456789") == ""
	}
	to_number(bounds[0]) <= port
	port <= to_number(bounds[1])
}

_net_dest(rule, reg) if {
	some d in _lower_list(object.get(rule, "destinationAddresses", null))
	_cloud_covers(trim_space(d), reg)
}

_cloud_covers(d, _) if d in {"*", "azurecloud", "0.0.0.0/0"}

_cloud_covers(d, reg) if {
	is_string(reg)
	d == sprintf("azurecloud.%s", [reg])
}

_net_match(e, proto, port, reg, prefix) if {
	e.kind == "network"
	some p in _net_protocols(e.rule)
	p in {lower(proto), "any"}
	_net_port(e.rule, port)
	_net_dest(e.rule, reg)
	_source_ok(e.rule, prefix)
}

# An allow counts unless a Deny of the same kind, with a lower priority number, matches
# the same traffic (`pred` says which: a function can not be passed, so two copies).
# Network rules are processed before application rules whatever their priorities
# (learn.microsoft.com/azure/firewall/rule-processing): HTTPS from the node subnet to
# anywhere is decided by the first network rule that matches it, when one does.
_app_allowed(rules, fqdn, prefix) if {
	not _https_by_network(rules, prefix)
	some e in rules
	e.action == "allow"
	_app_match(e, fqdn, prefix)
	not _app_shadowed(rules, e, fqdn, prefix)
}

_app_allowed(rules, _, prefix) if _https_by_network(rules, prefix) == "allow"

# The action of the first network rule (lowest priority number; a Deny on a tie) for TCP
# 443 from the subnet to every address; undefined when none matches.
_https_by_network(rules, prefix) := "deny" if {
	first := min([e.prio | some e in rules; _net_https_anywhere(e, prefix)])
	some d in rules
	_net_https_anywhere(d, prefix)
	d.prio == first
	d.action == "deny"
} else := "allow" if {
	some e in rules
	_net_https_anywhere(e, prefix)
}

_net_https_anywhere(e, prefix) if {
	e.kind == "network"
	some p in _net_protocols(e.rule)
	p in {"tcp", "any"}
	_net_port(e.rule, 443)
	some d in _lower_list(object.get(e.rule, "destinationAddresses", null))
	trim_space(d) in {"*", "0.0.0.0/0"}
	_source_ok(e.rule, prefix)
}

_app_shadowed(rules, e, fqdn, prefix) if {
	some d in rules
	d.action == "deny"
	d.prio < e.prio
	_app_match(d, fqdn, prefix)
}

_net_allowed(rules, proto, port, reg, prefix) if {
	some e in rules
	e.action == "allow"
	_net_match(e, proto, port, reg, prefix)
	not _net_shadowed(rules, e, proto, port, reg, prefix)
}

_net_shadowed(rules, e, proto, port, reg, prefix) if {
	some d in rules
	d.action == "deny"
	d.prio < e.prio
	_net_match(d, proto, port, reg, prefix)
}

# ------------------------------------------------ what is missing

_region(c) := lower(replace(c.location, " ", "")) if is_string(c.location) else := null

_subnet_prefix(s) := p if {
	p := object.get(s, ["properties", "addressPrefix"], null)
	is_string(p)
} else := p if {
	p := object.get(s, ["properties", "addressPrefixes", 0], null)
	is_string(p)
} else := null

_private(c) := object.get(c, ["properties", "apiServerAccessProfile", "enablePrivateCluster"], null)

_missing(c, s, fw) := array.concat(_missing_app(c, s, fw), _missing_net(c, s, fw))

_missing_app(c, s, fw) := [] if {
	count(_missing_fqdns(c, s, fw)) == 0
} else := [sprintf("an application rule allowing the AzureKubernetesService FQDN tag (or each required FQDN) on Https:443 from %s", [_source_text(s)])] if {
	count(_missing_fqdns(c, s, fw)) == count(_required_fqdns(_region_text(c)))
} else := [sprintf("Https:443 from %s to %s", [_source_text(s), concat(", ", _missing_fqdns(c, s, fw))])]

_missing_fqdns(c, s, fw) := [f |
	rules := _rules(fw)
	prefix := _subnet_prefix(s)
	some f in _required_fqdns(_region_text(c))
	not _app_allowed(rules, f, prefix)
]

_region_text(c) := r if {
	r := _region(c)
	is_string(r)
} else := "<location>"

_missing_net(c, _, _) := [] if _private(c) == true

_missing_net(c, s, fw) := [sprintf("a network rule allowing %s %d from %s to AzureCloud.%s", [proto, port, _source_text(s), _region_text(c)]) |
	rules := _rules(fw)
	prefix := _subnet_prefix(s)
	some [proto, port] in _required_net
	not _net_allowed(rules, proto, port, _region(c), prefix)
] if _private(c) != true

_source_text(s) := sprintf("the node subnet (%s)", [p]) if {
	p := _subnet_prefix(s)
	is_string(p)
} else := "the node subnet"

_fw_at(fw) := _sub(fw.location, ["properties", "firewallPolicy"]) if {
	is_string(object.get(fw, "firewallPolicy", null))
} else := _sub(fw.location, ["properties"])

# A firewall whose policy is another repository's (external_network) is not checked.
_firewalls_found contains [c, k, s, t, r, x] if {
	some [c, k, s, t, r, x] in _found
	x.kind == "firewall"
	not _policy_elsewhere(x)
}

_policy_elsewhere(fw) if {
	_policy_missing(fw)
	input.aksgate.options.externalNetwork
}

_fw_help := concat(" ", [
	"add (to the firewall's policy or classic rule collections) an Allow application rule with the",
	"FQDN tag AzureKubernetesService on Https:443 from the node subnet and, unless the cluster is",
	"private, Allow network rules UDP 1194 and TCP 9000 to the service tag AzureCloud.<region>;",
	"make sure no Deny with a lower priority number matches the same traffic",
])

# Everything is known and something is missing: error.
_problems contains [c.ref, f] if {
	some [c, k, s, t, r, fw] in _firewalls_found
	not _unsure(fw)
	not _unsure_cluster(c, s)
	missing := _missing(c, s, fw)
	count(missing) > 0
	f := _finding(
		"AKS014", _fw_at(fw), sprintf("firewall %s does not allow the AKS egress", [fw.name]),
		sprintf("firewall %s, the next hop of cluster %s's default route (subnet %s), does not allow the cluster's required egress: missing %s", [fw.name, lib.show(c.name), _subnet_name(s, k), concat("; ", missing)]),
		_fw_help,
		c, k, s, t, r,
	)
}

# Something looks missing, but part of the rules (or the cluster's region, privacy or
# subnet prefix) is unknown.
_problems contains [c.ref, f] if {
	some [c, k, s, t, r, fw] in _firewalls_found
	_unsure_any(c, s, fw)
	missing := _missing(c, s, fw)
	count(missing) > 0
	at := _fw_at(fw)
	f := lib.cannot_verify(
		"AKS014", at.resource, at.path,
		sprintf("firewall %s (next hop of cluster %s's default route, subnet %s) shows no rule for %s, and %s", [fw.name, lib.show(c.name), _subnet_name(s, k), concat("; ", missing), _why_unsure(c, s, fw)]),
		"give the rule collections values aksgate can resolve (and scan the firewall policy's files), or check by hand that the firewall allows the AKS egress",
	)
}

# Nothing looks missing, but a Deny aksgate cannot read could shadow the allows.
_problems contains [c.ref, f] if {
	some [c, k, s, t, r, fw] in _firewalls_found
	_unsure_deny(fw)
	count(_missing(c, s, fw)) == 0
	at := _fw_at(fw)
	f := lib.cannot_verify(
		"AKS014", at.resource, at.path,
		sprintf("firewall %s allows cluster %s's egress, but %s, which could deny it first", [fw.name, lib.show(c.name), _why_unsure(c, s, fw)]),
		"give the rule collections values aksgate can resolve (and scan the firewall policy's files), or check by hand that no Deny shadows the AKS egress",
	)
}

_unsure_any(c, s, _) if _unsure_cluster(c, s)

_unsure_any(_, _, fw) if _unsure(fw)

_unsure_cluster(c, _) if lib.unknown(_private(c))

_unsure_cluster(c, _) if not is_string(_region(c))

_unsure_cluster(_, s) if not _is_cidr(_subnet_prefix(s))

_why_unsure(c, s, fw) := "its firewall policy is not in the scanned files" if {
	_policy_missing(fw)
} else := "part of its rules cannot be resolved (unknown values or IP groups)" if {
	_unsure(fw)
} else := "the cluster's location is not known" if {
	not is_string(_region(c))
} else := "the node subnet's address prefix is not known" if {
	not _is_cidr(_subnet_prefix(s))
} else := "whether the cluster is private is not known"

# Joined with the clusters by `ref`, not every cluster with every problem (see AKS005).
deny contains f if {
	some [ref, f] in _problems
	lib.is_udr(input.resources[ref])
}

_with_problems contains ref if some [ref, _] in _problems

# The outboundType is unknown and the egress path has problems.
deny contains lib.unverifiable("AKS014", c.ref, _ot_path, ot, "outboundType") if {
	some ref in _with_problems
	c := input.resources[ref]
	not c.external
	ot := lib.outbound_type(c)
	lib.unknown(ot)
}
