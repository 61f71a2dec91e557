# AKS006 outbound-type-immutable: the cluster's outboundType differs from its
# baseline, the same cluster in the base git revision or an exported live cluster.
# The Rust side attaches it to the resource as
#   "baseline": {"file": ..., "apiVersion": ..., "properties": {...}}
# Absent on either side = loadBalancer; on an apiVersion that does not define
# outboundType the property is dropped, so that side is loadBalancer too
# (lib.outbound_type).
package aksgate.rules.aks006

import data.aksgate.lib
import rego.v1

metadata := {
	"id": "AKS006",
	"slug": "outbound-type-immutable",
	"title": "outboundType cannot change after cluster creation",
	"severity": "error",
	"description": concat(" ", [
		"outboundType is set at cluster creation: the 2019 AKS documentation and the API specification",
		"say it cannot be changed later. The rule compares the cluster with its baseline (base git",
		"revision or exported cluster); a missing outboundType is loadBalancer.",
	]),
}

_ot_path := lib.np_path("outboundType")

_effective(x) := lib.outbound_type(x)

_help(was) := concat(" ", [
	sprintf("keep outboundType %s, or create a new cluster with the new outbound type.", [lib.outbound_type_name(was)]),
	"The API specification says outboundType can only be set at creation; AKS documentation since 2024",
	"allows some migrations with az aks update (Azure CLI 2.56 or later), which disrupt egress and change the egress IP",
])

deny contains f if {
	some c in lib.clusters
	b := c.baseline
	is_object(b)
	now := _effective(c)
	was := _effective(b)
	not lib.unknown(now)
	not lib.unknown(was)
	now != was
	f := {
		"rule": "AKS006",
		"msg": sprintf(
			"outboundType changes from %s (in %s) to %s: outboundType is set at cluster creation and cannot be changed",
			[lib.outbound_type_name(was), lib.show(object.get(b, "file", "the baseline")), lib.outbound_type_name(now)],
		),
		"resource": c.ref,
		"path": _ot_path,
		"help": _help(was),
	}
}

deny contains lib.unverifiable("AKS006", c.ref, _ot_path, v, what) if {
	some c in lib.clusters
	b := c.baseline
	is_object(b)
	some [v, what] in [[_effective(c), "outboundType"], [_effective(b), "the baseline's outboundType"]]
	lib.unknown(v)
}
