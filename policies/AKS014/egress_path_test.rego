package aksgate.rules.aks014_test

import data.aksgate.rules.aks014
import data.aksgate.test.fixtures as fx
import rego.v1

egress := fx.route_table_id("egress")

nva_route := fx.route(0, "0.0.0.0/0", "VirtualAppliance", "10.0.0.4")

# Subnet vnet/aks with prefix 10.1.0.0/22 and the egress route table.
aks_subnet := object.union(fx.subnet("aks", egress), {"properties": {"addressPrefix": "10.1.0.0/22"}})

cluster := object.union(fx.udr_cluster, {"location": "westeurope"})

private_cluster := object.union(cluster, {"properties": {"apiServerAccessProfile": {"enablePrivateCluster": true}}})

app_rule(src, tags) := {"name": "aks", "sourceAddresses": src, "protocols": [{"protocolType": "Https", "port": 443}], "fqdnTags": tags}

net_rule(proto, port, dest) := {"name": "n", "protocols": [proto], "sourceAddresses": ["*"], "destinationAddresses": [dest], "destinationPorts": [port]}

coll(prio, action, rules) := {"name": "c", "properties": {"priority": prio, "action": {"type": action}, "rules": rules}}

good_app := [coll(200, "Allow", [app_rule(["10.1.0.0/16"], ["AzureKubernetesService"])])]

good_net := [coll(100, "Allow", [net_rule("UDP", "1194", "AzureCloud.westeurope"), net_rule("TCP", "9000", "AzureCloud")])]

# A firewall at 10.0.0.4, written in resource 3.
firewall(app, net) := {
	"name": "fw", "key": "azurefirewalls/fw", "privateIPAddresses": ["10.0.0.4"],
	"firewallPolicy": null, "applicationRuleCollections": app, "networkRuleCollections": net,
	"location": {"resource": 3, "path": []},
}

nic(fwd) := {
	"name": "nic", "key": "networkinterfaces/nic", "privateIPAddresses": ["10.0.0.4"],
	"enableIPForwarding": fwd, "location": {"resource": 3, "path": []},
}

doc(c, routes, firewalls, nics, policies) := {
	"aksgate": {"inputVersion": 1},
	"file": "infra/aks.json",
	"kind": "template",
	"resources": [c, {"ref": 1}, {"ref": 2}, {"ref": 3}],
	"network": {
		"subnets": [aks_subnet],
		"routeTables": [fx.route_table("egress", routes)],
		"firewalls": firewalls,
		"networkInterfaces": nics,
		"firewallPolicies": policies,
	},
}

findings_fw(c, fw) := fs if {
	fs := aks014.deny with input as doc(c, [nva_route], [fw], [], [])
}

test_metadata if {
	aks014.metadata.id == "AKS014"
	aks014.metadata.slug == "egress-path"
	aks014.metadata.severity == "error"
}

test_firewall_allowing_aks_egress_passes if {
	count(findings_fw(cluster, firewall(good_app, good_net))) == 0
}

test_not_udr_is_not_checked if {
	lb := object.union(cluster, {"properties": {"networkProfile": {"outboundType": "loadBalancer"}}})
	count(findings_fw(lb, firewall([], []))) == 0
}

test_appliance_not_in_scan_is_aks900 if {
	f := fx.only(aks014.deny) with input as doc(cluster, [nva_route], [], [], [])
	f.rule == "AKS900"
	f.about == "AKS014"
	f.resource == 2
	f.path == ["properties", "routes", 0, "properties", "nextHopIpAddress"]
	contains(f.msg, "no scanned file deploys a firewall or network interface at 10.0.0.4")
}

test_appliance_not_in_scan_external_network_passes if {
	inp := object.union(doc(cluster, [nva_route], [], [], []), {"aksgate": {"options": {"externalNetwork": true}}})
	count(aks014.deny) == 0 with input as inp
}

test_unknown_next_hop_is_aks900 if {
	r := fx.route(0, "0.0.0.0/0", "VirtualAppliance", fx.marker("[parameters('fwIp')]"))
	f := fx.only(aks014.deny) with input as doc(cluster, [r], [firewall(good_app, good_net)], [], [])
	f.rule == "AKS900"
	contains(f.msg, "nextHopIpAddress of route r0 is [parameters('fwIp')]")
}

test_unknown_next_hop_naming_a_firewall_checks_it if {
	r := fx.route(0, "0.0.0.0/0", "VirtualAppliance", fx.marker("[reference(resourceId('Microsoft.Network/azureFirewalls', 'fw')).ipConfigurations[0].properties.privateIPAddress]"))
	count(aks014.deny) == 0 with input as doc(cluster, [r], [firewall(good_app, good_net)], [], [])
	f := fx.only(aks014.deny) with input as doc(cluster, [r], [firewall([], good_net)], [], [])
	f.rule == "AKS014"
}

test_nic_with_ip_forwarding_passes if {
	count(aks014.deny) == 0 with input as doc(cluster, [nva_route], [], [nic(true)], [])
}

test_nic_without_ip_forwarding_fails if {
	f := fx.only(aks014.deny) with input as doc(cluster, [nva_route], [], [nic(null)], [])
	f.rule == "AKS014"
	f.resource == 3
	f.path == ["properties", "enableIPForwarding"]
	contains(f.msg, "network interface nic")
	count(aks014.deny) == 1 with input as doc(cluster, [nva_route], [], [nic(false)], [])
}

test_nic_ip_forwarding_unknown_is_aks900 if {
	f := fx.only(aks014.deny) with input as doc(cluster, [nva_route], [], [nic(fx.marker("[parameters('fwd')]"))], [])
	f.rule == "AKS900"
}

test_missing_fqdn_tag_fails if {
	f := fx.only(findings_fw(cluster, firewall([coll(200, "Allow", [app_rule(["*"], ["WindowsUpdate"])])], good_net)))
	f.rule == "AKS014"
	f.resource == 3
	f.path == ["properties"]
	contains(f.msg, "missing an application rule allowing the AzureKubernetesService FQDN tag")
	# The chain is related: route, subnet, pool, outboundType.
	f.related[0].path == ["properties", "routes", 0, "properties", "nextHopIpAddress"]
	f.related[1].path == ["properties", "subnets", 0, "properties", "routeTable"]
	f.related[2].path == ["properties", "agentPoolProfiles", 0, "vnetSubnetID"]
}

test_wrong_port_fails if {
	r := object.union(app_rule(["*"], ["AzureKubernetesService"]), {"protocols": [{"protocolType": "Http", "port": 80}]})
	count(findings_fw(cluster, firewall([coll(200, "Allow", [r])], good_net))) == 1
}

test_target_fqdns_partly_names_what_is_missing if {
	r := {"name": "x", "sourceAddresses": ["*"], "protocols": [{"protocolType": "Https", "port": 443}], "targetFqdns": ["*.azmk8s.io", "mcr.microsoft.com"]}
	f := fx.only(findings_fw(cluster, firewall([coll(200, "Allow", [r])], good_net)))
	contains(f.msg, "management.azure.com")
	not contains(f.msg, "hcp.westeurope")
}

test_target_fqdn_star_passes if {
	r := {"name": "x", "sourceAddresses": ["*"], "protocols": [{"protocolType": "Https", "port": "443"}], "targetFqdns": ["*"]}
	count(findings_fw(cluster, firewall([coll(200, "Allow", [r])], good_net))) == 0
}

test_source_not_covering_subnet_fails if {
	count(findings_fw(cluster, firewall([coll(200, "Allow", [app_rule(["10.2.0.0/16"], ["AzureKubernetesService"])])], good_net))) == 1
	# A /24 inside the /22 does not cover the subnet either.
	count(findings_fw(cluster, firewall([coll(200, "Allow", [app_rule(["10.1.0.0/24"], ["AzureKubernetesService"])])], good_net))) == 1
}

test_ip_groups_are_aks900 if {
	r := object.union(app_rule([], ["AzureKubernetesService"]), {"sourceIpGroups": ["/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/ipGroups/g"]})
	f := fx.only(findings_fw(cluster, firewall([coll(200, "Allow", [r])], good_net)))
	f.rule == "AKS900"
	f.about == "AKS014"
}

test_unknown_rules_are_aks900 if {
	f := fx.only(findings_fw(cluster, firewall(fx.marker("[parameters('rules')]"), good_net)))
	f.rule == "AKS900"
}

test_network_rules_missing_fails if {
	f := fx.only(findings_fw(cluster, firewall(good_app, [coll(100, "Allow", [net_rule("UDP", "1194", "AzureCloud.westeurope")])])))
	f.rule == "AKS014"
	contains(f.msg, "TCP 9000")
	not contains(f.msg, "UDP 1194")
	# Another region's tag does not count.
	count(findings_fw(cluster, firewall(good_app, [coll(100, "Allow", [net_rule("Any", "1-65535", "AzureCloud.eastus")])]))) == 1
	# Any protocol, a port range and the global tag do.
	count(findings_fw(cluster, firewall(good_app, [coll(100, "Allow", [net_rule("Any", "1000-10000", "AzureCloud")])]))) == 0
}

test_private_cluster_needs_no_network_rules if {
	count(findings_fw(private_cluster, firewall(good_app, []))) == 0
}

test_higher_priority_deny_shadows_allow if {
	deny_all := coll(100, "Deny", [{"name": "all", "sourceAddresses": ["*"], "protocols": [{"protocolType": "Https", "port": 443}], "targetFqdns": ["*"]}])
	f := fx.only(findings_fw(cluster, firewall(array.concat([deny_all], good_app), good_net)))
	f.rule == "AKS014"
	# The same Deny after the allow (a higher number) does not shadow it.
	late := coll(300, "Deny", deny_all.properties.rules)
	count(findings_fw(cluster, firewall(array.concat(good_app, [late]), good_net))) == 0
}

test_deny_not_covering_does_not_shadow if {
	narrow := coll(100, "Deny", [{"name": "x", "sourceAddresses": ["*"], "protocols": [{"protocolType": "Https", "port": 443}], "targetFqdns": ["example.com"]}])
	count(findings_fw(cluster, firewall(array.concat([narrow], good_app), good_net))) == 0
}

# Network rules come before application rules, whatever the priorities: a network Deny
# of HTTPS to every address, even numbered after the allow, stops the FQDN tag's allow.
test_network_deny_of_all_https_shadows_the_application_allow if {
	deny_https := coll(900, "Deny", [net_rule("TCP", "443", "*")])
	f := fx.only(findings_fw(cluster, firewall(good_app, array.concat(good_net, [deny_https]))))
	f.rule == "AKS014"
	contains(f.msg, "AzureKubernetesService")
	# A network Deny of one address is not all of HTTPS.
	narrow := coll(900, "Deny", [net_rule("TCP", "443", "10.9.9.9")])
	count(findings_fw(cluster, firewall(good_app, array.concat(good_net, [narrow])))) == 0
	# A network Allow of all HTTPS ahead of it decides first.
	allow_https := coll(150, "Allow", [net_rule("Any", "*", "0.0.0.0/0")])
	count(findings_fw(cluster, firewall(good_app, array.concat(good_net, [allow_https, deny_https])))) == 0
}

# HTTPS to every address allowed by a network rule needs no application rule.
test_network_allow_of_all_https_is_the_egress if {
	allow_https := coll(150, "Allow", [net_rule("TCP", "443", "*")])
	count(findings_fw(cluster, firewall([], array.concat(good_net, [allow_https])))) == 0
	# Unless an earlier network Deny takes it (a Deny wins a tie too).
	deny_first := coll(150, "Deny", [net_rule("TCP", "443", "*")])
	f := fx.only(findings_fw(cluster, firewall([], array.concat(good_net, [deny_first, allow_https]))))
	f.rule == "AKS014"
}

policy_fw := object.union(firewall(null, null), {"firewallPolicy": "/subscriptions/x/resourcegroups/rg/providers/microsoft.network/firewallpolicies/fwp"})

policy(groups) := {"name": "fwp", "key": "firewallpolicies/fwp", "ruleCollectionGroups": groups, "location": {"resource": 4, "path": []}}

prc(prio, action, rules) := {"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "rc", "priority": prio, "action": {"type": action}, "rules": rules}

papp := {"ruleType": "ApplicationRule", "name": "a", "sourceAddresses": ["*"], "protocols": [{"protocolType": "Https", "port": 443}], "fqdnTags": ["AzureKubernetesService"]}

pnet(proto, port) := {"ruleType": "NetworkRule", "name": "n", "ipProtocols": [proto], "sourceAddresses": ["10.1.0.0/22"], "destinationAddresses": ["AzureCloud.westeurope"], "destinationPorts": [port]}

good_group := {"name": "fwp/aks", "priority": 200, "ruleCollections": [prc(100, "Allow", [papp, pnet("UDP", "1194"), pnet("TCP", "9000")])]}

test_firewall_policy_passes if {
	count(aks014.deny) == 0 with input as doc(cluster, [nva_route], [policy_fw], [], [policy([good_group])])
}

test_firewall_policy_deny_group_first_fails if {
	deny := {"name": "fwp/deny", "priority": 100, "ruleCollections": [prc(100, "Deny", [{"ruleType": "NetworkRule", "name": "all", "ipProtocols": ["Any"], "sourceAddresses": ["*"], "destinationAddresses": ["*"], "destinationPorts": ["*"]}])]}
	f := fx.only(aks014.deny) with input as doc(cluster, [nva_route], [policy_fw], [], [policy([good_group, deny])])
	f.rule == "AKS014"
	f.path == ["properties", "firewallPolicy"]
	contains(f.msg, "UDP 1194")
}

test_firewall_policy_not_in_scan_is_aks900 if {
	f := fx.only(aks014.deny) with input as doc(cluster, [nva_route], [policy_fw], [], [])
	f.rule == "AKS900"
	contains(f.msg, "its firewall policy is not in the scanned files")
}

test_unknown_deny_is_aks900_even_when_allowed if {
	deny := {"name": "fwp/deny", "priority": 100, "ruleCollections": [prc(100, "Deny", fx.marker("[variables('deny')]"))]}
	f := fx.only(aks014.deny) with input as doc(cluster, [nva_route], [policy_fw], [], [policy([good_group, deny])])
	f.rule == "AKS900"
	contains(f.msg, "could deny it first")
}

test_unknown_outbound_type_with_problems_is_aks900 if {
	c := object.union(cluster, {"properties": {"networkProfile": {"outboundType": fx.marker("[parameters('ot')]")}}})
	fs := aks014.deny with input as doc(c, [nva_route], [], [], [])
	some f in fs
	f.rule == "AKS900"
	f.path == ["properties", "networkProfile", "outboundType"]
}

# The appliance list the Rust side computes is used when present.
test_precomputed_appliances_are_used if {
	r := object.union(nva_route, {"appliances": [{"kind": "networkInterface", "index": 0, "name": "nic"}]})
	count(aks014.deny) == 1 with input as doc(cluster, [r], [], [nic(false)], [])
}

# ------------------------------------------------ what holds the address is no appliance

agw := {
	"name": "agw", "key": "applicationgateways/agw", "privateIPAddresses": ["10.0.0.4"],
	"location": {"resource": 3, "path": []},
}

# An internal load balancer at 10.0.0.4 with the given backends.
ilb(backends) := {
	"name": "ilb", "key": "loadbalancers/ilb", "privateIPAddresses": ["10.0.0.4"],
	"backendIPAddresses": [], "backends": backends, "location": {"resource": 3, "path": []},
}

# A network interface behind the balancer, at another address.
backend_nic(fwd) := {
	"name": "nva0", "key": "networkinterfaces/nva0", "privateIPAddresses": ["10.0.0.10"],
	"enableIPForwarding": fwd, "location": {"resource": 2, "path": []},
}

doc_lb(lbs, gws, nics) := object.union(doc(cluster, [nva_route], [], nics, []), {"network": {"loadBalancers": lbs, "applicationGateways": gws}})

test_application_gateway_at_the_next_hop_fails if {
	f := fx.only(aks014.deny) with input as doc_lb([], [agw], [])
	f.rule == "AKS014"
	f.resource == 3
	contains(f.msg, "application gateway agw holds 10.0.0.4")
	contains(f.msg, "does not forward outbound traffic")
}

test_load_balancer_without_backends_in_scan_is_aks900 if {
	f := fx.only(aks014.deny) with input as doc_lb([ilb([])], [], [])
	f.rule == "AKS900"
	f.resource == 3
	contains(f.msg, "load balancer ilb holds 10.0.0.4")
}

test_load_balancer_without_backends_external_network_passes if {
	count(aks014.deny) == 0 with input as object.union(doc_lb([ilb([])], [], []), {"aksgate": {"options": {"externalNetwork": true}}})
}

test_load_balancer_backend_with_ip_forwarding_passes if {
	count(aks014.deny) == 0 with input as doc_lb([ilb([{"kind": "networkInterface", "index": 0, "name": "nva0"}])], [], [backend_nic(true)])
}

test_load_balancer_backend_without_ip_forwarding_fails if {
	f := fx.only(aks014.deny) with input as doc_lb([ilb([{"kind": "networkInterface", "index": 0, "name": "nva0"}])], [], [backend_nic(false)])
	f.rule == "AKS014"
	f.resource == 2
	f.path == ["properties", "enableIPForwarding"]
	contains(f.msg, "network interface nva0 (behind load balancer ilb)")
}

# Precomputed by src/network.rs: the route's appliance list names the balancer.
test_precomputed_load_balancer_is_followed if {
	r := object.union(nva_route, {"appliances": [{"kind": "loadBalancer", "index": 0, "name": "ilb"}]})
	input_doc := object.union(doc(cluster, [r], [], [backend_nic(false)], []), {"network": {"loadBalancers": [ilb([{"kind": "networkInterface", "index": 0, "name": "nva0"}])]}})
	f := fx.only(aks014.deny) with input as input_doc
	f.rule == "AKS014"
	contains(f.msg, "behind load balancer ilb")
}
