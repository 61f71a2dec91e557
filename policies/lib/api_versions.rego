# API-version facts for Microsoft.ContainerService/managedClusters, as data.
#
# Source: shared/reference/aks-api-versions.md (swagger reads of
# Azure/azure-rest-api-specs, plus the AKS egress documentation).
#
# Versions are compared by their date part (the first 10 characters) within a
# channel: "stable" (no suffix) or "preview" (a "-preview" suffix).
package aksgate.lib

import rego.v1

# The first versions that define networkProfile.outboundType at all.
# Before these, ARM drops the property (AKS002). The 2020 documentation asked
# for 2020-01-01 or later, but the 2019-11-01 swagger already defines it.
outbound_type_first := {
	"stable": "2019-11-01",
	"preview": "2021-11-01-preview",
}

# For each outboundType value (keyed by its lower-cased form): its canonical
# spelling, and the range of versions that accept it in each channel
# ("from" inclusive; "until" inclusive, null when still accepted; a channel that
# is null never accepts it). "note" is said in AKS001's help when set.
outbound_type_values := {
	"loadbalancer": {
		"name": "loadBalancer",
		"stable": {"from": "2019-11-01", "until": null},
		"preview": {"from": "2021-11-01-preview", "until": null},
	},
	"userdefinedrouting": {
		"name": "userDefinedRouting",
		"stable": {"from": "2019-11-01", "until": null},
		"preview": {"from": "2021-11-01-preview", "until": null},
	},
	"managednatgateway": {
		"name": "managedNATGateway",
		"stable": {"from": "2021-07-01", "until": null},
		"preview": {"from": "2021-11-01-preview", "until": null},
	},
	"userassignednatgateway": {
		"name": "userAssignedNATGateway",
		"stable": {"from": "2021-07-01", "until": null},
		"preview": {"from": "2021-11-01-preview", "until": null},
	},
	"none": {
		"name": "none",
		"stable": {"from": "2025-02-01", "until": null},
		"preview": {"from": "2024-05-02-preview", "until": null},
	},
	"block": {
		"name": "block",
		"stable": null,
		"preview": {"from": "2024-05-02-preview", "until": null},
		"note": "block is documented only as a preview feature and no API specification lists it; it needs a preview apiVersion",
	},
	"managednatgatewayv2": {
		"name": "managedNATGatewayV2",
		"stable": null,
		"preview": {"from": "2026-01-02-preview", "until": "2026-05-02-preview"},
		"note": "managedNATGatewayV2 is accepted only by the preview apiVersions 2026-01-02-preview through 2026-05-02-preview; from 2026-06-01 use managedNATGateway with natGatewayProfile.sku StandardV2",
	},
}

# The first version whose description of loadBalancerSku says "The default is
# 'standard'". Older versions document no default (the swagger never has a
# `default` keyword for it).
lb_sku_default_standard_from := "2021-05-01"

# networkPlugin's default in the 2019 text and the 2019-2022 swaggers.
network_plugin_default := "kubenet"

# outboundType's default in every version that defines it.
outbound_type_default := "loadbalancer"
