# AKS001 outbound-type-value: networkProfile.outboundType must be a value that the
# resource's apiVersion accepts (compared case-insensitively, as ARM does).
# Versions that do not define outboundType at all are AKS002's job.
package aksgate.rules.aks001

import data.aksgate.lib
import data.aksgate.lib.clusters
import data.aksgate.lib.outbound_type_values
import rego.v1

metadata := {
	"id": "AKS001",
	"slug": "outbound-type-value",
	"title": "outboundType must be a value the apiVersion accepts",
	"severity": "error",
	"description": concat(" ", [
		"networkProfile.outboundType must be one of the values the resource's apiVersion accepts:",
		"loadBalancer and userDefinedRouting from 2019-11-01, the NAT gateway values from 2021-07-01",
		"(2021-11-01-preview), none from 2025-02-01 (2024-05-02-preview).",
		"The 2019 documentation's UDR is not an API value: the value is userDefinedRouting.",
	]),
}

_path := lib.np_path("outboundType")

deny contains f if {
	some c in clusters
	raw := lib.outbound_type_raw(c)
	raw != null
	not lib.unknown(raw)
	v := lib.api_version(c)
	lib.outbound_type_defined(v)
	x := lib.enum_value(raw)
	not lib.outbound_type_accepted(v, x)
	f := {
		"rule": "AKS001",
		"msg": _msg(raw, x, v),
		"resource": c.ref,
		"path": _path,
		"help": _help(x, v),
		"related": [lib.related(c.ref, ["apiVersion"], sprintf("apiVersion %s is used here", [v]))],
	}
}

# The apiVersion is unknown (a REST body) or missing, and the value is accepted by no
# version at all (the 2019 text's UDR, a typo): invalid whatever the version.
deny contains f if {
	some c in clusters
	raw := lib.outbound_type_raw(c)
	is_string(raw)
	not lib.valid_api_version(lib.api_version(c))
	x := lib.enum_value(raw)
	not outbound_type_values[x]
	f := {
		"rule": "AKS001",
		"msg": _msg_any(raw, x),
		"resource": c.ref,
		"path": _path,
		"help": _help_any(x),
	}
}

_msg_any(raw, x) := m if {
	x == "udr"
	m := sprintf("outboundType \"%s\" is not an API value: user-defined routing is written userDefinedRouting", [raw])
} else := sprintf("outboundType \"%s\" is not a value any apiVersion accepts", [raw])

_help_any(x) := "set outboundType to \"userDefinedRouting\"" if {
	x == "udr"
} else := sprintf("use one of %s (each needs an apiVersion that accepts it)", [concat(", ", sort([e.name | some e in outbound_type_values]))])

# The apiVersion is unknown and the value is accepted by some versions only.
deny contains lib.unverifiable("AKS001", c.ref, ["apiVersion"], v, "apiVersion") if {
	some c in clusters
	raw := lib.outbound_type_raw(c)
	is_string(raw)
	v := lib.api_version(c)
	lib.unknown(v)
	x := lib.enum_value(raw)
	outbound_type_values[x]
	not x in {"loadbalancer", "userdefinedrouting"}
}

deny contains lib.unverifiable("AKS001", c.ref, _path, raw, "outboundType") if {
	some c in clusters
	raw := lib.outbound_type_raw(c)
	lib.unknown(raw)
	lib.outbound_type_defined(lib.api_version(c))
}

_accepted_text(v) := concat(", ", lib.accepted_outbound_types(v))

_msg(raw, x, v) := m if {
	x == "udr"
	m := sprintf("outboundType \"%s\" is not an API value: user-defined routing is written userDefinedRouting", [raw])
} else := m if {
	e := outbound_type_values[x]
	m := sprintf("outboundType \"%s\" is not accepted by apiVersion %s: %s needs %s", [raw, v, e.name, lib.outbound_type_versions(x)])
} else := sprintf("outboundType \"%s\" is not a value apiVersion %s accepts (it accepts %s)", [lib.show(raw), v, _accepted_text(v)])

_help(x, v) := "set outboundType to \"userDefinedRouting\"" if {
	x == "udr"
} else := h if {
	e := outbound_type_values[x]
	note := object.get(e, "note", "")
	base := sprintf("use an apiVersion that accepts %s (%s), or one of the values apiVersion %s accepts: %s", [e.name, lib.outbound_type_versions(x), v, _accepted_text(v)])
	h := trim_space(concat(". ", [base, note]))
} else := sprintf("use one of the values apiVersion %s accepts: %s", [v, _accepted_text(v)])
