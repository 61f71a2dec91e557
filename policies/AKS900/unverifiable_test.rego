package aksgate.rules.aks900_test

import data.aksgate.rules.aks900
import rego.v1

test_aks900_metadata if {
	aks900.metadata.id == "AKS900"
	aks900.metadata.slug == "unverifiable"
	aks900.metadata.severity == "warning"
}
