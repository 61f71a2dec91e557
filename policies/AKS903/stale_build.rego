# AKS903 is reported by aksgate itself (src/stale_build.rs): a .bicep file and the
# template Bicep compiled from it, committed beside it, give different verdicts (the
# compiled JSON is stale). This package declares its metadata.
package aksgate.rules.aks903

import rego.v1

metadata := {
	"id": "AKS903",
	"slug": "stale-compiled-template",
	"title": "The compiled JSON beside a .bicep file gives a different verdict",
	"severity": "note",
	"description": "A .bicep file is judged, not the JSON Bicep compiled from it; when the committed JSON would give a different verdict it is stale, and deploying it deploys something else.",
}
