package aksgate.rules.aks903_test

import rego.v1

import data.aksgate.rules.aks903

test_metadata_declares_the_rule if {
	aks903.metadata.id == "AKS903"
	aks903.metadata.severity == "note"
}
