# AKS003 udr-requires-azure-cni: outboundType userDefinedRouting needs
# networkPlugin azure when the cluster has a system-assigned identity or none
# (limit-egress-traffic.md: "system-assigned identity only supports the CNI network
# plugin"); kubenet with a user-assigned identity is a warning (configure-kubenet.md:
# route table associated before creation, one per cluster). With
# input.aksgate.options.docsEdition "2019" any kubenet + UDR is an error, as the 2019
# text says. A missing networkPlugin is kubenet.
package aksgate.rules.aks003

import data.aksgate.lib
import data.aksgate.lib.clusters
import rego.v1

metadata := {
	"id": "AKS003",
	"slug": "udr-requires-azure-cni",
	"title": "userDefinedRouting requires Azure CNI",
	"severity": "error",
	"description": concat(" ", [
		"With outboundType userDefinedRouting and a system-assigned identity (or none) the cluster must use",
		"Azure CNI (networkPlugin azure); kubenet with a user-assigned identity is a warning naming what must",
		"hold (route table associated before creation, one per cluster). A missing networkPlugin is kubenet.",
		"docs_edition = \"2019\" restores the 2019 rule: any kubenet with userDefinedRouting is an error.",
	]),
}

_plugin_path := lib.np_path("networkPlugin")

_ot_path := lib.np_path("outboundType")

_help := concat(" ", [
	"set properties.networkProfile.networkPlugin to \"azure\" (Azure CNI, also with overlay),",
	"or keep kubenet with a user-assigned cluster identity (identity.type UserAssigned) and a route",
	"table associated with the subnet before the cluster is created. With a system-assigned identity",
	"(or none) user-defined routing supports only Azure CNI",
])

# The 2019 text's strict rule, for teams that follow it (docs_edition = "2019").
_edition_2019 if input.aksgate.options.docsEdition == "2019"

_identity_path := ["identity", "type"]

# The cluster identity's type, lower-cased; "none" when absent; the marker when unknown.
_identity(c) := t if {
	v := lib.get(c, _identity_path)
	v != null
	t := lib.enum_value(v)
} else := "none"

_user_assigned(c) if {
	t := _identity(c)
	is_string(t)
	contains(t, "userassigned")
}

# UDR with a plugin that is not Azure CNI: a finding unless the current documentation
# allows it (kubenet with a user-assigned identity: a warning, see below).
_not_cni(c) := plugin if {
	lib.is_udr(c)
	plugin := lib.network_plugin(c)
	not lib.unknown(plugin)
	plugin != "azure"
}

# Current documentation: UDR with a system-assigned identity (or none) supports only
# Azure CNI. The 2019 edition: any plugin but azure. A plugin other than kubenet
# (none: bring your own CNI) is not covered by the kubenet exception.
_error(c) if _edition_2019

_error(c) if {
	_not_cni(c) != "kubenet"
}

_error(c) if {
	t := _identity(c)
	is_string(t)
	not contains(t, "userassigned")
}

deny contains f if {
	some c in clusters
	_ = _not_cni(c)
	_error(c)
	f := {
		"rule": "AKS003",
		"msg": _msg(c),
		"resource": c.ref,
		"path": _plugin_path,
		"help": _help,
		"related": [lib.related(c.ref, _ot_path, "outboundType userDefinedRouting is set here")],
	}
}

_why(c) := "the 2019 AKS egress documentation requires Azure CNI for user-defined routing (docs_edition 2019)" if {
	_edition_2019
} else := "with a system-assigned identity (or none) user-defined routing supports only Azure CNI" if {
	_not_cni(c) == "kubenet"
} else := "only kubenet with a user-assigned identity is documented as an alternative"

_msg(c) := sprintf("outboundType userDefinedRouting requires networkPlugin azure (Azure CNI), but networkPlugin is not set and defaults to kubenet: %s", [_why(c)]) if {
	lib.get(c, _plugin_path) == null
} else := sprintf(
	"outboundType userDefinedRouting requires networkPlugin azure (Azure CNI), but networkPlugin is %s: %s",
	[lib.show(lib.get(c, _plugin_path)), _why(c)],
)

_warn_help := concat(" ", [
	"kubenet with userDefinedRouting works only if the route table is associated with the cluster subnet",
	"before the cluster is created (it cannot be swapped later), each cluster has its own route table,",
	"and the user-assigned identity has been granted permissions on the subnet and route table beforehand;",
	"or set networkPlugin to \"azure\" (Azure CNI, also with overlay). Kubenet is retired on 2028-03-31 (AKS013)",
])

# Current documentation: kubenet + UDR + user-assigned identity is supported with
# conditions the files cannot show.
deny contains f if {
	some c in clusters
	_not_cni(c) == "kubenet"
	not _edition_2019
	_user_assigned(c)
	f := {
		"rule": "AKS003",
		"severity": "warning",
		"msg": "outboundType userDefinedRouting with kubenet and a user-assigned identity: supported only when the route table is associated with the subnet before the cluster is created and is used by this cluster alone",
		"resource": c.ref,
		"path": _plugin_path,
		"help": _warn_help,
		"related": [
			lib.related(c.ref, _ot_path, "outboundType userDefinedRouting is set here"),
			lib.related(c.ref, _identity_path, "user-assigned identity"),
		],
	}
}

# UDR with kubenet, and the identity type is unknown (current documentation only).
deny contains lib.unverifiable("AKS003", c.ref, _identity_path, t, "identity.type") if {
	some c in clusters
	_not_cni(c) == "kubenet"
	not _edition_2019
	t := _identity(c)
	lib.unknown(t)
}

# The outboundType is unknown and the plugin is not (known to be) azure.
deny contains lib.unverifiable("AKS003", c.ref, _ot_path, ot, "outboundType") if {
	some c in clusters
	ot := lib.outbound_type(c)
	lib.unknown(ot)
	lib.network_plugin(c) != "azure"
}

# UDR, but the plugin is unknown.
deny contains lib.unverifiable("AKS003", c.ref, _plugin_path, plugin, "networkPlugin") if {
	some c in clusters
	lib.is_udr(c)
	plugin := lib.network_plugin(c)
	lib.unknown(plugin)
}
