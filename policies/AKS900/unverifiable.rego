# AKS900 unverifiable: emitted by the rules (through data.aksgate.lib.unverifiable
# and lib.cannot_verify, with `about` naming the rule) when a value their verdict
# depends on is unknown. Metadata only. Severity warning; the CLI raises it to
# error with --strict.
package aksgate.rules.aks900

import rego.v1

metadata := {
	"id": "AKS900",
	"slug": "unverifiable",
	"title": "A rule could not decide because a value is unknown",
	"severity": "warning",
	"description": concat(" ", [
		"A rule could not decide because a value it needs cannot be resolved before deployment",
		"(a parameter with no default and no parameter file, reference(), a runtime-only function)",
		"or an item it needs is not in the scanned files. The message names the rule, the value,",
		"and the expression it came from.",
	]),
}
