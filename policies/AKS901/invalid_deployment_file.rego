# AKS901 invalid-deployment-file: emitted by the Rust side when a file that is (or
# looks like) a deployment file cannot be parsed or has the wrong shape. Metadata
# only.
package aksgate.rules.aks901

import rego.v1

metadata := {
	"id": "AKS901",
	"slug": "invalid-deployment-file",
	"title": "A deployment file cannot be parsed",
	"severity": "error",
	"description": concat(" ", [
		"A file that is a deployment file, or looks like one, cannot be parsed or has the wrong",
		"shape. Nothing is silently skipped.",
	]),
}
