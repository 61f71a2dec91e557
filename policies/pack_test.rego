# Whole-pack checks: metadata of every rule package, and all rules together on the
# example input of docs/policy-contract.md.
package aksgate.pack_test

import data.aksgate.test.fixtures as fx
import rego.v1

expected_ids := {
	"AKS001", "AKS002", "AKS003", "AKS004", "AKS005", "AKS006", "AKS007",
	"AKS008", "AKS009", "AKS010", "AKS011", "AKS012", "AKS013", "AKS014", "AKS900", "AKS901", "AKS902",
	"AKS903",
}

metadata_by_package := {
	"aks001": data.aksgate.rules.aks001.metadata,
	"aks002": data.aksgate.rules.aks002.metadata,
	"aks003": data.aksgate.rules.aks003.metadata,
	"aks004": data.aksgate.rules.aks004.metadata,
	"aks005": data.aksgate.rules.aks005.metadata,
	"aks006": data.aksgate.rules.aks006.metadata,
	"aks007": data.aksgate.rules.aks007.metadata,
	"aks008": data.aksgate.rules.aks008.metadata,
	"aks009": data.aksgate.rules.aks009.metadata,
	"aks010": data.aksgate.rules.aks010.metadata,
	"aks011": data.aksgate.rules.aks011.metadata,
	"aks012": data.aksgate.rules.aks012.metadata,
	"aks013": data.aksgate.rules.aks013.metadata,
	"aks014": data.aksgate.rules.aks014.metadata,
	"aks900": data.aksgate.rules.aks900.metadata,
	"aks901": data.aksgate.rules.aks901.metadata,
	"aks902": data.aksgate.rules.aks902.metadata,
	"aks903": data.aksgate.rules.aks903.metadata,
}

# Discovers every package under aksgate.rules that declares metadata (slow: it
# evaluates the whole subtree, tests included).
test_every_rule_has_a_package if {
	discovered := {m.id | some pkg; m := data.aksgate.rules[pkg].metadata}
	discovered == expected_ids
	{m.id | some m in metadata_by_package} == expected_ids
}

test_package_names_match_ids if {
	every pkg, m in metadata_by_package {
		pkg == lower(m.id)
	}
}

test_metadata_fields if {
	every _, m in metadata_by_package {
		object.keys(m) == {"id", "slug", "title", "severity", "description"}
		m.severity in {"error", "warning", "note"}
		regex.match(`^[a-z0-9]+(-[a-z0-9]+)*$`, m.slug)
		m.title != ""
		m.description != ""
	}
}

example := {
	"aksgate": {"inputVersion": 1},
	"file": "infra/aks.json",
	"kind": "template",
	"parameterFile": "infra/aks.parameters.prod.json",
	"resources": [{
		"ref": 0,
		"type": "Microsoft.ContainerService/managedClusters",
		"apiVersion": "2021-05-01",
		"name": "aks-prod",
		"parent": null,
		"properties": {
			"networkProfile": {
				"networkPlugin": "kubenet",
				"outboundType": "userDefinedRouting",
				"loadBalancerSku": {"$unknown": {"expr": "[parameters('sku')]", "reason": "parameter 'sku' has no default and no parameter file sets it"}},
			},
			"agentPoolProfiles": [{
				"name": "system", "type": "VirtualMachineScaleSets",
				"vnetSubnetID": "/subscriptions/{subscription}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/aks",
			}],
		},
	}],
	"network": {
		"subnets": [{
			"id": "/subscriptions/{subscription}/resourcegroups/rg/providers/microsoft.network/virtualnetworks/vnet/subnets/aks",
			"key": "virtualnetworks/vnet/subnets/aks",
			"vnet": "vnet", "name": "aks",
			"routeTable": "/subscriptions/{subscription}/resourcegroups/rg/providers/microsoft.network/routetables/egress",
			"location": {"resource": 1, "path": ["properties", "subnets", 0]},
		}],
		"routeTables": [{
			"id": "/subscriptions/{subscription}/resourcegroups/rg/providers/microsoft.network/routetables/egress",
			"key": "routetables/egress", "name": "egress",
			"location": {"resource": 2, "path": []},
			"routes": [{
				"name": "default", "addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance",
				"nextHopIpAddress": "10.0.0.4", "location": {"resource": 2, "path": ["properties", "routes", 0]},
			}],
		}],
	},
}

# Every finding of the pack (explicit references: iterating data.aksgate.rules with
# a variable evaluates every rule under it, tests included, and is slow).
all_findings(inp) := fs if {
	fs := ((((((((((((((data.aksgate.rules.aks001.deny | data.aksgate.rules.aks002.deny) | data.aksgate.rules.aks003.deny) | data.aksgate.rules.aks004.deny) | data.aksgate.rules.aks005.deny) | data.aksgate.rules.aks006.deny) | data.aksgate.rules.aks007.deny) | data.aksgate.rules.aks008.deny) | data.aksgate.rules.aks009.deny) | data.aksgate.rules.aks010.warn) | data.aksgate.rules.aks011.deny) | data.aksgate.rules.aks012.deny) | data.aksgate.rules.aks013.deny) | data.aksgate.rules.aks013.warn) | data.aksgate.rules.aks014.deny) with input as inp
}

test_contract_example if {
	fs := all_findings(example)
	{[f.rule, object.get(f, "about", "")] | some f in fs} == {["AKS003", ""], ["AKS013", ""], ["AKS900", "AKS008"], ["AKS900", "AKS014"]}
}

test_findings_follow_the_contract if {
	bad_udr := fx.cluster_np("2020-01-01", {"outboundType": "UDR", "loadBalancerSku": "basic"}, [{"name": "a", "type": "AvailabilitySet", "enableNodePublicIP": true}])
	fs := all_findings(fx.doc([bad_udr, {"ref": 1, "type": "Microsoft.Network/publicIPAddresses", "name": "pip"}]))
	count(fs) > 3
	every f in fs {
		f.rule in expected_ids
		is_string(f.msg)
		is_number(f.resource)
		is_array(f.path)
		is_string(f.help)
		every r in object.get(f, "related", []) {
			object.keys(r) == {"resource", "path", "msg"}
		}
		_about_ok(f)
	}
}

_about_ok(f) if {
	f.rule == "AKS900"
	f.about in expected_ids
}

_about_ok(f) if {
	f.rule != "AKS900"
	not f.about
}

test_clean_udr_cluster_has_no_findings if {
	base := fx.doc_net(
		[fx.udr_cluster],
		[fx.subnet("aks", fx.route_table_id("egress"))],
		[fx.route_table("egress", [fx.route(0, "0.0.0.0/0", "VirtualAppliance", "10.0.0.4")])],
	)
	# The next hop is a network virtual appliance that forwards (AKS014).
	nva := {"name": "nva", "key": "networkinterfaces/nva", "enableIPForwarding": true, "privateIPAddresses": ["10.0.0.4"], "location": {"resource": 3, "path": []}}
	inp := object.union(base, {"network": {"networkInterfaces": [nva]}})
	count(all_findings(inp)) == 0
}
