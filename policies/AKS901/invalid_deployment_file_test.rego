package aksgate.rules.aks901_test

import data.aksgate.rules.aks901
import rego.v1

test_aks901_metadata if {
	aks901.metadata.id == "AKS901"
	aks901.metadata.slug == "invalid-deployment-file"
	aks901.metadata.severity == "error"
}
