# AKS003 udr-requires-azure-cni: outboundType userDefinedRouting needs
# networkPlugin azure. A missing networkPlugin is kubenet (2019 text; the
# 2019-2022 API specifications default it to kubenet).
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
		"With outboundType userDefinedRouting the cluster must use Azure CNI",
		"(networkPlugin azure): \"Clusters must use Azure CNI networking, this does not work with Kubenet\"",
		"(AKS egress documentation, 2019). A missing networkPlugin is kubenet.",
	]),
}

_plugin_path := lib.np_path("networkPlugin")

_ot_path := lib.np_path("outboundType")

_help := concat(" ", [
	"set properties.networkProfile.networkPlugin to \"azure\" (Azure CNI).",
	"This rule follows the 2019 AKS egress documentation; newer apiVersions may default",
	"networkPlugin differently, so set it explicitly",
])

deny contains f if {
	some c in clusters
	lib.is_udr(c)
	plugin := lib.network_plugin(c)
	not lib.unknown(plugin)
	plugin != "azure"
	f := {
		"rule": "AKS003",
		"msg": _msg(c),
		"resource": c.ref,
		"path": _plugin_path,
		"help": _help,
		"related": [lib.related(c.ref, _ot_path, "outboundType userDefinedRouting is set here")],
	}
}

_msg(c) := "outboundType userDefinedRouting requires networkPlugin azure (Azure CNI), but networkPlugin is not set and defaults to kubenet" if {
	lib.get(c, _plugin_path) == null
} else := sprintf(
	"outboundType userDefinedRouting requires networkPlugin azure (Azure CNI), but networkPlugin is %s",
	[lib.show(lib.get(c, _plugin_path))],
)

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
