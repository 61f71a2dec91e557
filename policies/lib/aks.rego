# Shared helpers for the aksgate rule pack (see docs/policy-contract.md).
#
# Values:
#   unknown(v)                 v is the marker {"$unknown": {"expr", "reason"}}
#   unknown_expr(v)            the marker's expression ("?" when absent)
#   unknown_reason(v)          the marker's reason ("?" when absent)
#   get(obj, path)             value at path; null when missing or a parent is not
#                              an object; when a parent is unknown, its marker with
#                              "within": the path to that parent (see within)
#   within(v)                  where a marker from get was found, as text
#                              ("properties.networkProfile"); null for the value's own
#   enum_value(raw)            lower-cased string; other values (marker) unchanged
#   show(v)                    v for a message: a string as is, a marker's expression,
#                              anything else as JSON
#
# Resources:
#   pack_types                 the resource types the pack reports on (lower-cased)
#   resources_of_type(t)       the resources of type t (one of pack_types), in order
#   clusters                   the unit's own managedClusters resources, in input order
#                              (array; not those marked `external`)
#   is_cluster(r)              r is a managedClusters resource
#   api_version(c)             c.apiVersion, null when missing
#   outbound_type_raw(c)       networkProfile.outboundType as written (null: absent)
#   outbound_type_set(c)       outboundType is written (a marker counts as written)
#   outbound_type_dropped(c)   outboundType is written but the apiVersion does not
#                              define it, so ARM drops it
#   outbound_type(c)           effective value, lower-cased; "loadbalancer" when absent,
#                              null or dropped; the unknown marker passes through
#   is_udr(c)                  outbound_type(c) == "userdefinedrouting"
#   network_plugin(c)          effective value, lower-cased; "kubenet" when absent
#   lb_sku(c)                  effective loadBalancerSku, lower-cased; when absent:
#                              "standard" from apiVersion 2021-05-01, else a marker
#   lb_sku_set(c)              loadBalancerSku is written
#   np_path(key)               ["properties", "networkProfile", key]
#   lb_profile_path(key)       [... "networkProfile", "loadBalancerProfile", key]
#   lb_profile(c)              get(c, np_path("loadBalancerProfile"))
#   agent_pools(c)             set of {"resource", "path", "name", "pool"}: every entry
#                              of c.properties.agentPoolProfiles (path [..., i]) and
#                              every managedClusters/agentPools resource of c (path
#                              ["properties"]; pool = its properties)
#   all_agent_pools            agent_pools of every cluster plus every agentPools
#                              resource, also those whose cluster is not in the unit
#   pool_hosts                 clusters, plus the other files' clusters (`external`)
#                              this unit's agentPools resources deploy into; for
#                              those, agent_pools(c) is this unit's pools only
#   orphan_pools               the unit's agentPools resources whose cluster is in no
#                              scanned file
#   agent_pool_profiles_unknown(c)  agentPoolProfiles (or properties) is a marker
#   pool_value(p, key)         p.pool[key]; null when missing; the marker when the pool
#                              itself is unknown
#   pool_path(p, key)          p.path + [key]
#   subnet_key(id)             "virtualnetworks/<vnet>/subnets/<subnet>" (lower-cased)
#   route_table_key(id)        "routetables/<name>" (lower-cased)
#   subnets_with_key(k)        the input.network.subnets entries with that key (array)
#   route_tables_with_key(k)   the input.network.routeTables entries with that key
#
# API versions (facts in api_versions.rego):
#   valid_api_version(v)       v looks like YYYY-MM-DD or YYYY-MM-DD-<suffix>
#   is_preview(v)              v has a "-preview" suffix
#   api_channel(v)             "preview" or "stable"
#   api_date(v)                the date part (first 10 characters)
#   api_at_least(v, d)         v's date >= d's date (channel not compared)
#   outbound_type_defined(v)   v defines networkProfile.outboundType
#   outbound_type_accepted(v, x)  v accepts the lower-cased outboundType x
#   accepted_outbound_types(v) sorted canonical names of the values v accepts
#   outbound_type_name(x)      canonical spelling of a lower-cased value (x if unknown)
#   outbound_type_versions(x)  text naming the versions that accept x
#
# Findings:
#   unverifiable(about, ref, path, value, what)  AKS900 for an unknown value: `what`
#                              names the property, `value` is the marker
#   cannot_verify(about, ref, path, msg, help)   AKS900 with a free-form reason
#   related(ref, path, msg)    a related location
#
# A rule package imports the rules here that are values, not functions, by name:
#   import data.aksgate.lib.clusters        ... some c in clusters
# not `lib.clusters` through `import data.aksgate.lib`. For `lib.<rule>` regorus's
# compiled form (RVM) builds the whole data.aksgate.lib document, every rule of this
# package, each time the reference is evaluated; that cost more than the rules' own
# work. (Functions, `lib.f(x)`, are called directly either way.)
package aksgate.lib

import rego.v1

cluster_type := "microsoft.containerservice/managedclusters"

agent_pool_type := "microsoft.containerservice/managedclusters/agentpools"

# The resource types the pack reports on (lower-cased; src/plan.rs RULE_TYPES).
pack_types := {
	cluster_type,
	agent_pool_type,
	"microsoft.network/publicipaddresses",
	"microsoft.network/publicipprefixes",
}

# ---------------------------------------------------------------- values

unknown(v) if {
	is_object(v)
	_ = v["$unknown"]
}

unknown_expr(v) := e if {
	info := object.get(v, "$unknown", {})
	e := object.get(info, "expr", "?")
} else := "?"

unknown_reason(v) := e if {
	info := object.get(v, "$unknown", {})
	e := object.get(info, "reason", "?")
} else := "?"

# The value at `path` (an array of keys and indexes) inside obj. When an object on
# the way is the unknown marker, that marker is the result, so that a rule sees
# "unknown" rather than "absent".
get(obj, path) := v if {
	# Found: no object on the way was a marker (a marker has no other members).
	v := object.get(obj, path, null)
	v != null
} else := m if {
	# A comprehension, not `some` in the body: regorus's compiled form (RVM) does not
	# fall through to `else` after a body whose iteration finds nothing.
	markers := [[i, x] |
		some i in numbers.range(0, count(path) - 1)
		x := object.get(obj, array.slice(path, 0, i), null)
		# unknown(x), written out: this runs for every missing value.
		is_object(x)
		_ = x["$unknown"]
	]
	count(markers) > 0
	[i, x] := markers[0]
	m := _found_within(x, array.slice(path, 0, i))
} else := null

# A parent's marker, saying which parent: a message must not present the parent's
# expression as the value's own.
_found_within(x, at) := {"$unknown": {
	"expr": unknown_expr(x),
	"reason": unknown_reason(x),
	"within": concat(".", [sprintf("%v", [k]) | some k in at]),
}}

within(v) := w if {
	w := v["$unknown"].within
	is_string(w)
} else := null

enum_value(raw) := lower(raw) if is_string(raw)

enum_value(raw) := raw if not is_string(raw)

show(v) := v if {
	is_string(v)
} else := unknown_expr(v) if {
	unknown(v)
} else := sprintf("%v", [v])

# ---------------------------------------------------------------- resources

is_cluster(r) if {
	is_string(r.type)
	lower(r.type) == cluster_type
}

# [lower-cased type, index] of every resource of a pack type, found in one pass over
# input.resources: the lists of clusters, agent pools and public IPs are read from here
# rather than each visiting every resource.
_typed contains [t, i] if {
	some i, r in input.resources
	is_string(r.type)
	t := lower(r.type)
	t in pack_types
}

# The resources of type t (one of pack_types), in input order.
resources_of_type(t) := [input.resources[i] | some [u, i] in _typed; u == t]

# An array, not a set: a set of whole resource objects is ordered by deep comparison,
# which costs more than every rule that reads it.
# A cluster marked `external` is another file's, attached only because this unit's
# standalone agent pools deploy into it: it is reported where it is deployed.
clusters := [c | some c in resources_of_type(cluster_type); not c.external]

# The clusters whose pools this unit deploys: its own, and the other files' clusters
# its standalone agentPools resources deploy into (whose agent_pools are those only).
pool_hosts := array.concat(clusters, [c |
	some c in resources_of_type(cluster_type)
	c.external
	count(_child_pools(c)) > 0
])

# The unit's standalone agentPools resources whose cluster no scanned file deploys
# (another repository's, or an `existing` one not in the scan): the rules that need
# the cluster's outboundType cannot check them.
orphan_pools := [r |
	some r in _pool_resources
	not r.external
	not _has_host(r)
]

_has_host(r) if {
	some c in resources_of_type(cluster_type)
	_is_pool_of(r, c)
}

api_version(c) := object.get(c, "apiVersion", null)

np_path(key) := ["properties", "networkProfile", key]

lb_profile_path(key) := ["properties", "networkProfile", "loadBalancerProfile", key]

# ---------------------------------------------------------------- memoised views
#
# Rego functions are not memoised, rules are: every rule asks for a cluster's
# outboundType (as written and effective), plugin, SKU and pools, so for each cluster
# of the input they are computed once, into a view keyed by `ref` that the functions
# below read. A cluster that is not the input's own resource (a baseline, a test's
# hand-made object) is computed directly.
#
# Each function tests `input.resources[c.ref] == c` itself, not through a helper: the
# compiled pack spends most of its time on function calls, and these functions are
# called the most.

_views[c.ref] := view if {
	some c in clusters
	raw := get(c, np_path("outboundType"))
	view := {
		"outbound_type_raw": raw,
		"outbound_type": _outbound_type(c, raw),
		"network_plugin": _network_plugin(get(c, np_path("networkPlugin"))),
		"lb_sku": _lb_sku(c, get(c, np_path("loadBalancerSku"))),
		"agent_pools": _agent_pools(c, get(c, ["properties", "agentPoolProfiles"])),
		"lb_profile": get(c, np_path("loadBalancerProfile")),
	}
}

outbound_type_raw(c) := _views[c.ref].outbound_type_raw if {
	input.resources[c.ref] == c
	not c.external
} else := get(c, np_path("outboundType"))

outbound_type(c) := _views[c.ref].outbound_type if {
	input.resources[c.ref] == c
	not c.external
} else := _outbound_type(c, outbound_type_raw(c))

network_plugin(c) := _views[c.ref].network_plugin if {
	input.resources[c.ref] == c
	not c.external
} else := _network_plugin(get(c, np_path("networkPlugin")))

lb_sku(c) := _views[c.ref].lb_sku if {
	input.resources[c.ref] == c
	not c.external
} else := _lb_sku(c, get(c, np_path("loadBalancerSku")))

agent_pools(c) := _views[c.ref].agent_pools if {
	input.resources[c.ref] == c
	not c.external
} else := _child_pools(c) if {
	c.external
} else := _agent_pools(c, get(c, ["properties", "agentPoolProfiles"]))

lb_profile(c) := _views[c.ref].lb_profile if {
	input.resources[c.ref] == c
	not c.external
} else := get(c, np_path("loadBalancerProfile"))

outbound_type_set(c) if outbound_type_raw(c) != null

# The apiVersion does not define outboundType: ARM drops it (AKS002).
outbound_type_dropped(c) if _dropped(c, outbound_type_raw(c))

# With `raw`, c's outboundType as written.
_dropped(c, raw) if {
	raw != null
	v := api_version(c)
	valid_api_version(v)
	not outbound_type_defined(v)
}

_outbound_type(c, raw) := v if {
	raw != null
	not _dropped(c, raw)
	v := enum_value(raw)
} else := outbound_type_default

is_udr(c) if outbound_type(c) == "userdefinedrouting"

# With `raw`, c's networkPlugin as written.
_network_plugin(raw) := v if {
	raw != null
	v := enum_value(raw)
} else := network_plugin_default

lb_sku_set(c) if get(c, np_path("loadBalancerSku")) != null

# With `raw`, c's loadBalancerSku as written.
_lb_sku(c, raw) := v if {
	raw != null
	v := enum_value(raw)
} else := "standard" if {
	v := api_version(c)
	valid_api_version(v)
	api_at_least(v, lb_sku_default_standard_from)
} else := {"$unknown": {
	"expr": "not set",
	"reason": sprintf("apiVersion %s documents no default", [show(api_version(c))]),
}}

# ---------------------------------------------------------------- agent pools

# With `profiles`, c's agentPoolProfiles as written.
_agent_pools(c, profiles) := embedded | _child_pools(c) if {
	embedded := {p |
		is_array(profiles)
		some i, pool in profiles
		p := {
			"resource": c.ref,
			"path": ["properties", "agentPoolProfiles", i],
			"name": _pool_name(pool, i),
			"pool": pool,
		}
	}
}

# c's managedClusters/agentPools resources in the unit.
_child_pools(c) := {p |
	some r in _pool_resources
	not r.external
	_is_pool_of(r, c)
	p := {
		"resource": r.ref,
		"path": ["properties"],
		"name": _child_pool_name(r),
		"pool": object.get(r, "properties", {}),
	}
}

# Every agent pool in the unit, whether or not its cluster is: the embedded pools
# of every cluster and every managedClusters/agentPools resource.
all_agent_pools := {p |
	some c in clusters
	some p in agent_pools(c)
} | {p |
	some r in _pool_resources
	p := {
		"resource": r.ref,
		"path": ["properties"],
		"name": _child_pool_name(r),
		"pool": object.get(r, "properties", {}),
	}
}

# Every managedClusters/agentPools resource: each cluster looks for its own pools among
# these few rather than among all resources.
_pool_resources := resources_of_type(agent_pool_type)

agent_pool_profiles_unknown(c) if unknown(get(c, ["properties", "agentPoolProfiles"]))

pool_value(p, key) := _found_within(p.pool, p.path) if {
	unknown(p.pool)
} else := object.get(p.pool, key, null) if {
	is_object(p.pool)
} else := null

pool_path(p, key) := array.concat(p.path, [key])

_pool_name(pool, i) := pool.name if {
	is_object(pool)
	is_string(pool.name)
} else := sprintf("#%d", [i])

_child_pool_name(r) := name if {
	is_string(r.name)
	parts := split(r.name, "/")
	name := parts[count(parts) - 1]
} else := show(object.get(r, "name", "(unnamed)"))

_is_agent_pool_resource(r) if {
	is_string(r.type)
	lower(r.type) == agent_pool_type
}

_is_pool_of(r, c) if {
	_is_agent_pool_resource(r)
	object.get(r, "parent", null) == c.ref
}

# A standalone agentPools resource: its name is "<cluster>/<pool>".
_is_pool_of(r, c) if {
	_is_agent_pool_resource(r)
	object.get(r, "parent", null) == null
	is_string(r.name)
	is_string(c.name)
	parts := split(r.name, "/")
	count(parts) == 2
	lower(parts[0]) == lower(c.name)
}

# ---------------------------------------------------------------- network

_segments(id) := split(lower(trim(id, "/")), "/")

subnet_key(id) := k if {
	is_string(id)
	segs := _segments(id)
	n := count(segs)
	n >= 4
	segs[n - 4] == "virtualnetworks"
	segs[n - 2] == "subnets"
	k := concat("/", array.slice(segs, n - 4, n))
}

route_table_key(id) := k if {
	is_string(id)
	segs := _segments(id)
	n := count(segs)
	n >= 2
	segs[n - 2] == "routetables"
	k := concat("/", array.slice(segs, n - 2, n))
}

_item_key(item, _) := item.key if is_string(item.key)

_item_key(item, kind) := subnet_key(item.id) if {
	not is_string(item.key)
	kind == "subnet"
}

_item_key(item, kind) := route_table_key(item.id) if {
	not is_string(item.key)
	kind == "routetable"
}

_network_items(kind) := items if {
	items := object.get(object.get(input, "network", {}), kind, [])
	is_array(items)
} else := []

subnets_with_key(k) := [s |
	some s in _network_items("subnets")
	_item_key(s, "subnet") == k
]

route_tables_with_key(k) := [t |
	some t in _network_items("routeTables")
	_item_key(t, "routetable") == k
]

# ---------------------------------------------------------------- API versions

# v matches ^[0-9]{4}-[0-9]{2}-[0-9]{2}(-[A-Za-z]+)?$. Tested with string builtins, not
# regex.match: regorus compiles the pattern again on every call (it is built without its
# regex cache); at several calls per cluster, regex.match here makes the whole pack a
# third slower. A unit test holds this to the pattern.
valid_api_version(v) if {
	is_string(v)
	parts := split(v, "-")
	count(parts) in {3, 4}
	count(parts[0]) == 4
	count(parts[1]) == 2
	count(parts[2]) == 2
	trim(concat("", array.slice(parts, 0, 3)), "0123456789") == ""
	_api_suffix_ok(parts)
}

_api_suffix_ok(parts) if count(parts) == 3

_api_suffix_ok(parts) if {
	count(parts) == 4
	parts[3] != ""
	trim(parts[3], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") == ""
}

is_preview(v) if contains(lower(v), "-preview")

api_channel(v) := "preview" if is_preview(v)

api_channel(v) := "stable" if not is_preview(v)

api_date(v) := substring(v, 0, 10)

api_at_least(v, d) if api_date(v) >= api_date(d)

outbound_type_defined(v) if {
	valid_api_version(v)
	api_at_least(v, outbound_type_first[api_channel(v)])
}

_in_range(v, r) if {
	r != null
	api_at_least(v, r.from)
	r.until == null
}

_in_range(v, r) if {
	r != null
	api_at_least(v, r.from)
	r.until != null
	api_date(v) <= api_date(r.until)
}

outbound_type_accepted(v, x) if {
	valid_api_version(v)
	e := outbound_type_values[x]
	_in_range(v, e[api_channel(v)])
}

accepted_outbound_types(v) := sort([e.name |
	some x, e in outbound_type_values
	outbound_type_accepted(v, x)
])

outbound_type_name(x) := n if {
	n := outbound_type_values[x].name
} else := x

_range_text(r) := sprintf("%s or later", [r.from]) if r.until == null

_range_text(r) := sprintf("%s through %s", [r.from, r.until]) if r.until != null

outbound_type_versions(x) := concat(" or ", [t |
	some ch in ["stable", "preview"]
	r := outbound_type_values[x][ch]
	r != null
	t := sprintf("%s apiVersion %s", [ch, _range_text(r)])
])

# ---------------------------------------------------------------- findings

unverifiable(about, ref, path, value, what) := {
	"rule": "AKS900",
	"about": about,
	"resource": ref,
	"path": path,
	"msg": _unknown_message(about, what, value),
	"help": sprintf(
		"give %s a value aksgate can resolve (a literal, a parameter defaultValue or a parameter file), or check %s by hand",
		[what, about],
	),
}

_unknown_message(about, what, value) := sprintf(
	"%s cannot decide: %s is %s (%s)",
	[about, what, unknown_expr(value), unknown_reason(value)],
) if {
	within(value) == null
} else := sprintf(
	"%s cannot decide: %s is unknown: it is inside %s, which depends on %s (%s)",
	[about, what, _place(within(value)), unknown_expr(value), unknown_reason(value)],
)

_place(w) := "the resource" if w == ""

_place(w) := w if w != ""

cannot_verify(about, ref, path, msg, help) := {
	"rule": "AKS900",
	"about": about,
	"resource": ref,
	"path": path,
	"msg": sprintf("%s cannot decide: %s", [about, msg]),
	"help": help,
}

related(ref, path, msg) := {"resource": ref, "path": path, "msg": msg}
