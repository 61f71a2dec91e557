# AKS008 outbound-requires-standard-lb: an outboundType other than loadBalancer
# needs the Standard load balancer SKU.
package aksgate.rules.aks008

import data.aksgate.lib
import data.aksgate.lib.clusters
import rego.v1

metadata := {
	"id": "AKS008",
	"slug": "outbound-requires-standard-lb",
	"title": "outboundType other than loadBalancer requires the Standard load balancer",
	"severity": "error",
	"description": concat(" ", [
		"Setting outboundType to anything but loadBalancer requires loadBalancerSku standard;",
		"a Basic load balancer is rejected.",
	]),
}

_ot_path := lib.np_path("outboundType")

_sku_path := lib.np_path("loadBalancerSku")

deny contains f if {
	some c in clusters
	ot := lib.outbound_type(c)
	is_string(ot)
	ot != "loadbalancer"
	lib.lb_sku(c) == "basic"
	raw := lib.show(lib.outbound_type_raw(c))
	f := {
		"rule": "AKS008",
		"msg": sprintf(
			"outboundType %s requires the Standard load balancer, but loadBalancerSku is %s",
			[raw, lib.show(lib.get(c, _sku_path))],
		),
		"resource": c.ref,
		"path": _sku_path,
		"help": "set loadBalancerSku to \"standard\" (from apiVersion 2021-05-01 it is also the default when the property is omitted)",
		"related": [lib.related(c.ref, _ot_path, sprintf("outboundType %s is set here", [raw]))],
	}
}

# The outboundType is unknown and the SKU is basic.
deny contains lib.unverifiable("AKS008", c.ref, _ot_path, ot, "outboundType") if {
	some c in clusters
	ot := lib.outbound_type(c)
	lib.unknown(ot)
	lib.lb_sku(c) == "basic"
}

# The outboundType needs Standard, and the SKU is unknown (or not set on an
# apiVersion that documents no default).
deny contains lib.unverifiable("AKS008", c.ref, _sku_path, sku, "loadBalancerSku") if {
	some c in clusters
	ot := lib.outbound_type(c)
	is_string(ot)
	ot != "loadbalancer"
	sku := lib.lb_sku(c)
	lib.unknown(sku)
}
