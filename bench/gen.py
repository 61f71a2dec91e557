#!/usr/bin/env python3
"""Builds a synthetic repository of about N deployment files for bench/run.sh.

Usage: gen.py N OUT CORPUS [mixed|replicated]

mixed (the default): half of the files replicate ../shared/corpus (copied folder by
folder, so parameter files keep their templates); the rest are generated: AKS clusters
built from parameters (with parameter files), copy loops, nested deployments, network
templates, and non-AKS templates.

replicated: only copies of the corpus, as many as make about N files (1,000 files is
11 copies, 51 MB: the issue's "replicated corpus")."""
import json, os, shutil, sys

def generated(i):
    kind = i % 5
    schema = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
    if kind == 0:  # cluster from parameters, with a parameter file
        tpl = {"$schema": schema, "contentVersion": "1.0.0.0",
               "parameters": {"plugin": {"type": "string", "defaultValue": "azure"},
                              "outbound": {"type": "string", "defaultValue": "userDefinedRouting"},
                              "name": {"type": "string", "defaultValue": f"aks-{i}"}},
               "variables": {"subnet": f"[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet-{i}', 'aks')]"},
               "resources": [{"type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2023-05-01",
                              "name": "[parameters('name')]", "location": "westeurope",
                              "properties": {"agentPoolProfiles": [{"name": "sys", "vnetSubnetID": "[variables('subnet')]"}],
                                             "networkProfile": {"networkPlugin": "[parameters('plugin')]", "outboundType": "[parameters('outbound')]"}}}]}
        par = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
               "contentVersion": "1.0.0.0", "parameters": {"plugin": {"value": "kubenet" if i % 3 else "azure"}}}
        return {f"gen{i}/aks.json": tpl, f"gen{i}/aks.parameters.json": par}
    if kind == 1:  # copy loop of clusters
        return {f"gen{i}/fleet.json": {"$schema": schema, "contentVersion": "1.0.0.0",
            "parameters": {"count": {"type": "int", "defaultValue": 5}},
            "resources": [{"type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2023-05-01",
                           "name": "[concat('aks-', copyIndex())]", "copy": {"name": "fleet", "count": "[parameters('count')]"},
                           "properties": {"networkProfile": {"outboundType": "loadBalancer", "loadBalancerSku": "standard"}}}]}}
    if kind == 2:  # nested inner deployment
        inner = {"$schema": schema, "contentVersion": "1.0.0.0", "parameters": {"p": {"type": "string"}},
                 "resources": [{"type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2021-07-01", "name": "nested",
                                "properties": {"networkProfile": {"networkPlugin": "[parameters('p')]", "outboundType": "managedNATGateway"}}}]}
        return {f"gen{i}/nested.json": {"$schema": schema, "contentVersion": "1.0.0.0",
            "resources": [{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "m",
                           "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                                          "parameters": {"p": {"value": "azure"}}, "template": inner}}]}}
    if kind == 3:  # network
        return {f"gen{i}/network.json": {"$schema": schema, "contentVersion": "1.0.0.0",
            "resources": [{"type": "Microsoft.Network/routeTables", "apiVersion": "2023-04-01", "name": f"rt-{i}",
                           "properties": {"routes": [{"name": "d", "properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.0.0.4"}}]}},
                          {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01", "name": f"vnet-{i}",
                           "properties": {"subnets": [{"name": "aks", "properties": {"routeTable": {"id": f"[resourceId('Microsoft.Network/routeTables', 'rt-{i}')]"}}}]}}]}}
    return {f"gen{i}/storage.json": {"$schema": schema, "contentVersion": "1.0.0.0",
        "resources": [{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": f"st{i}", "kind": "StorageV2"}]}}

def main():
    n, out, corpus = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    mode = sys.argv[4] if len(sys.argv) > 4 else "mixed"
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    corpus_files = sum(len([f for f in fs if f.endswith((".json", ".jsonc"))]) for _, _, fs in os.walk(corpus))
    if mode == "replicated":
        copies, n = max(1, round(n / corpus_files)), 0
    else:
        copies = max(1, (n // 2) // corpus_files)
    for c in range(copies):
        shutil.copytree(corpus, os.path.join(out, f"corpus-{c:04d}"), ignore=shutil.ignore_patterns("*.md", "*.tsv"))
    made, i = copies * corpus_files, 0
    while made < n:
        for rel, doc in generated(i).items():
            p = os.path.join(out, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w") as f:
                json.dump(doc, f, indent=2)
            made += 1
        i += 1
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(out) for f in fs)
    print(f"{made} files ({copies} corpus copies + generated), {size / 1e6:.1f} MB in {out}")

main()
