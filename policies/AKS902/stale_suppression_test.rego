package aksgate.rules.aks902_test

import rego.v1

import data.aksgate.rules.aks902

test_metadata_declares_the_rule if {
	aks902.metadata.id == "AKS902"
	aks902.metadata.severity == "warning"
}
