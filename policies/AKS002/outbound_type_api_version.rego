# AKS002 outbound-type-api-version: networkProfile.outboundType written on an
# apiVersion that does not define it. ARM drops unknown properties, so the cluster
# is created with the default egress: a public load balancer.
package aksgate.rules.aks002

import data.aksgate.lib
import data.aksgate.lib.clusters
import rego.v1

metadata := {
	"id": "AKS002",
	"slug": "outbound-type-api-version",
	"title": "outboundType needs an apiVersion that defines it",
	"severity": "error",
	"description": concat(" ", [
		"networkProfile.outboundType is defined from apiVersion 2019-11-01 (previews: 2021-11-01-preview).",
		"On an older apiVersion ARM drops the property and the cluster silently egresses",
		"through a public load balancer.",
	]),
}

_path := lib.np_path("outboundType")

_help := concat(" ", [
	"use apiVersion 2019-11-01 or later (the 2020 AKS documentation asks for 2020-01-01 or later),",
	"or a preview apiVersion from 2021-11-01-preview;",
	"values other than loadBalancer and userDefinedRouting need later versions (see AKS001)",
])

deny contains f if {
	some c in clusters
	lib.outbound_type_set(c)
	v := lib.api_version(c)
	lib.valid_api_version(v)
	not lib.outbound_type_defined(v)
	f := {
		"rule": "AKS002",
		"msg": sprintf(
			"outboundType is set to %s, but apiVersion %s does not define it: ARM drops the property and the cluster egresses through a public load balancer",
			[lib.show(lib.outbound_type_raw(c)), v],
		),
		"resource": c.ref,
		"path": _path,
		"help": _help,
		"related": [lib.related(c.ref, ["apiVersion"], sprintf("apiVersion %s is used here", [v]))],
	}
}

deny contains lib.unverifiable("AKS002", c.ref, ["apiVersion"], v, "apiVersion") if {
	some c in clusters
	lib.outbound_type_set(c)
	v := lib.api_version(c)
	lib.unknown(v)
}
