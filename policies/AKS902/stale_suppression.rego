# AKS902 is reported by aksgate itself when it applies suppressions (src/suppress.rs):
# a suppression that matched no finding or has expired (warning), or an inline
# suppression without a reason (error, not applied). This package declares its metadata.
package aksgate.rules.aks902

import rego.v1

metadata := {
	"id": "AKS902",
	"slug": "stale-suppression",
	"title": "A suppression is stale, expired or has no reason",
	"severity": "warning",
	"description": "Every suppression needs a reason; one that matches nothing or has expired is reported so waivers do not pile up.",
}
