//! One test per lowering construct.

use super::*;
use std::collections::HashMap;

struct MapFiles(HashMap<&'static str, &'static str>);

impl Files for MapFiles {
    fn read(&self, from: &str, rel: &str) -> Result<(String, String), String> {
        let path = module::join(from, rel).ok_or("outside")?;
        self.0
            .get(path.as_str())
            .map(|t| (path.clone(), t.to_string()))
            .ok_or_else(|| "no such file".into())
    }
}

fn lower(text: &str) -> Lowered {
    lower_text(text, "main.bicep", &NoFiles).expect("parses")
}

fn json(text: &str) -> serde_json::Value {
    let l = lower(text);
    assert!(l.problems.is_empty(), "{:?}", l.problems);
    l.doc.root.to_json()
}

fn res(text: &str, i: usize) -> serde_json::Value {
    json(text)["resources"][i].clone()
}

#[test]
fn params_keep_type_default_and_constraints() {
    let j = json(
        "@allowed(['a', 'b'])\n@minLength(1)\n@maxLength(5)\nparam p string = 'a'\n\
         @minValue(1)\n@maxValue(9)\nparam n int\nparam o string?\n@secure()\nparam s string\n\
         param u 'x' | 'y' = 'x'\n",
    );
    let p = &j["parameters"];
    assert_eq!(p["p"]["type"], "string");
    assert_eq!(p["p"]["defaultValue"], "a");
    assert_eq!(p["p"]["allowedValues"], serde_json::json!(["a", "b"]));
    assert_eq!(p["p"]["minLength"], 1);
    assert_eq!(p["p"]["maxLength"], 5);
    assert_eq!(p["n"]["minValue"], 1);
    assert_eq!(p["n"]["maxValue"], 9);
    assert_eq!(p["o"]["nullable"], true);
    assert_eq!(p["s"]["type"], "securestring");
    assert_eq!(p["u"]["allowedValues"], serde_json::json!(["x", "y"]));
}

#[test]
fn variables_and_expressions_become_arm_expressions() {
    let j = json(
        "param a string\nparam b int = 1\nvar x = a == 'k' ? 'y' : 'z'\nvar y = !(b > 2) && b != 3 || a =~ 'Q'\n\
         var z = a ?? 'd'\nvar s = 'pre-${a}-{lit}'\nvar m = { k: [1, a] }\nvar e = x.foo[0]\nvar f = toLower(a)\n\
         var g = map([1], i => i + 1)\nvar h = -b\n",
    );
    let v = &j["variables"];
    assert_eq!(v["x"], "[if(equals(parameters('a'), 'k'), 'y', 'z')]");
    assert_eq!(
        v["y"],
        "[or(and(not(greater(parameters('b'), 2)), not(equals(parameters('b'), 3))), equals(toLower(parameters('a')), toLower('Q')))]"
    );
    assert_eq!(v["z"], "[coalesce(parameters('a'), 'd')]");
    assert_eq!(v["s"], "[format('pre-{0}-{{lit}}', parameters('a'))]");
    assert_eq!(v["m"]["k"][1], "[parameters('a')]");
    assert_eq!(v["e"], "[variables('x').foo[0]]");
    assert_eq!(v["f"], "[toLower(parameters('a'))]");
    assert_eq!(
        v["g"],
        "[map(createArray(1), lambda('i', add(lambdaVariables('i'), 1)))]"
    );
    assert_eq!(v["h"], "[sub(0, parameters('b'))]");
}

#[test]
fn a_literal_starting_with_a_bracket_is_escaped() {
    let j = json("var x = '[not an expression]'\n");
    assert_eq!(j["variables"]["x"], "[[not an expression]");
}

#[test]
fn resources_split_type_and_keep_body_keys() {
    let r = res(
        "param loc string\nresource aks 'Microsoft.ContainerService/managedClusters@2024-02-01' = {\n  name: 'c1'\n  location: loc\n  sku: { name: 'Base' }\n  properties: { networkProfile: { networkPlugin: 'kubenet' } }\n}\n",
        0,
    );
    assert_eq!(r["type"], "Microsoft.ContainerService/managedClusters");
    assert_eq!(r["apiVersion"], "2024-02-01");
    assert_eq!(r["name"], "c1");
    assert_eq!(r["location"], "[parameters('loc')]");
    assert_eq!(
        r["properties"]["networkProfile"]["networkPlugin"],
        "kubenet"
    );
}

#[test]
fn conditions_loops_and_existing() {
    let j = json(
        "param on bool\nparam names array\nresource a 'A.B/c@1' = if (on) { name: 'a' }\n\
         resource b 'A.B/c@1' = [for (n, i) in names: { name: n, properties: { i: i } }]\n\
         resource e 'A.B/c@1' existing = { name: 'e' }\n",
    );
    let r = &j["resources"];
    assert_eq!(r[0]["condition"], "[parameters('on')]");
    assert_eq!(r[1]["copy"]["count"], "[length(parameters('names'))]");
    assert_eq!(r[1]["name"], "[parameters('names')[copyIndex()]]");
    assert_eq!(r[1]["properties"]["i"], "[copyIndex()]");
    assert_eq!(r[2]["existing"], true);
}

#[test]
fn nested_and_parent_children_get_full_names_and_ids() {
    let j = json(
        "resource vnet 'Microsoft.Network/virtualNetworks@2023-04-01' = {\n  name: 'v'\n  resource sub 'subnets' = { name: 's' }\n}\n\
         resource s2 'Microsoft.Network/virtualNetworks/subnets@2023-04-01' = { parent: vnet\n name: 't' }\n\
         var id = vnet::sub.id\nvar id2 = s2.id\nvar p = vnet.properties.addressSpace\n",
    );
    let r = &j["resources"];
    assert_eq!(r[1]["type"], "Microsoft.Network/virtualNetworks/subnets");
    assert_eq!(r[1]["apiVersion"], "2023-04-01");
    assert_eq!(r[1]["name"], "v/s");
    assert_eq!(r[2]["name"], "v/t");
    let v = &j["variables"];
    assert_eq!(
        v["id"],
        "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v', 's')]"
    );
    assert_eq!(
        v["id2"],
        "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v', 't')]"
    );
    assert_eq!(
        v["p"],
        "[reference(resourceId('Microsoft.Network/virtualNetworks', 'v'), '2023-04-01').addressSpace]"
    );
}

#[test]
fn spans_point_into_the_bicep_text() {
    let text = "param p string\nvar x = toLower(p)\n";
    let l = lower(text);
    let x = l.doc.root.get("variables").unwrap().get("x").unwrap();
    assert_eq!(&text[x.span.start..x.span.end], "toLower(p)");
}

#[test]
fn what_is_not_lowered_is_a_problem_at_its_span() {
    let text = "var x = loadTextContent('a.txt')\n";
    let l = lower(text);
    assert_eq!(l.problems.len(), 1);
    assert_eq!(l.problems[0].code, "AKS901");
    let s = l.problems[0].span;
    assert_eq!(&text[s.start..s.end], "loadTextContent('a.txt')");
}

#[test]
fn a_syntax_error_is_reported() {
    let e = lower_text("resource x = {\n", "main.bicep", &NoFiles).unwrap_err();
    assert_eq!(e.code, "AKS901");
}

#[test]
fn modules_become_inner_scope_deployments() {
    let files = MapFiles(HashMap::from([(
        "mods/aks.bicep",
        "param net string\nresource a 'Microsoft.ContainerService/managedClusters@2024-02-01' = { name: 'c', properties: { networkProfile: { networkPlugin: net } } }\n",
    )]));
    let text = "module m './mods/aks.bicep' = {\n  name: 'dep'\n  params: { net: 'kubenet' }\n}\n";
    let l = lower_text(text, "main.bicep", &files).unwrap();
    assert!(l.problems.is_empty(), "{:?}", l.problems);
    let r = &l.doc.root.to_json()["resources"][0];
    assert_eq!(r["type"], "Microsoft.Resources/deployments");
    assert_eq!(r["name"], "dep");
    assert_eq!(
        r["properties"]["expressionEvaluationOptions"]["scope"],
        "inner"
    );
    assert_eq!(r["properties"]["parameters"]["net"]["value"], "kubenet");
    let inner = &r["properties"]["template"]["resources"][0];
    assert_eq!(inner["type"], "Microsoft.ContainerService/managedClusters");
}

#[test]
fn registry_missing_and_cyclic_modules_are_problems() {
    let l = lower("module m 'br:reg.io/x:1' = { name: 'd' }\n");
    assert_eq!(l.problems[0].code, "AKS900");
    assert!(l.problems[0].message.contains("module not visible"));
    let l = lower("module m './x.bicep' = { name: 'd' }\n");
    assert_eq!(l.problems[0].code, "AKS900");
    let files = MapFiles(HashMap::from([(
        "main.bicep",
        "module m './main.bicep' = { name: 'd' }\n",
    )]));
    let l = lower_text(
        "module m './main.bicep' = { name: 'd' }\n",
        "main.bicep",
        &files,
    )
    .unwrap();
    assert!(
        l.problems[0].message.contains("includes itself"),
        "{:?}",
        l.problems
    );
}

#[test]
fn interpolated_keys_and_extension_scopes() {
    let j = json(
        "param p string\nvar o = { '${p}-x': 1, k: 2 }\nresource a 'A.B/c@1' = { name: 'a' }\n\
         resource l 'Microsoft.Authorization/locks@2020-05-01' = { name: 'l', scope: a }\n",
    );
    assert_eq!(
        j["variables"]["o"],
        "[createObject(format('{0}-x', parameters('p')), 1, 'k', 2)]"
    );
    assert_eq!(j["resources"][1]["scope"], "[resourceId('A.B/c', 'a')]");
}

#[test]
fn module_scope_and_name() {
    let files = MapFiles(HashMap::from([("m.bicep", "param x int = 1\n")]));
    let text = "module m './m.bicep' = {\n  name: 'dep'\n  scope: resourceGroup('sub', 'rg')\n}\nvar n = m.name\n";
    let l = lower_text(text, "main.bicep", &files).unwrap();
    assert!(l.problems.is_empty(), "{:?}", l.problems);
    let j = l.doc.root.to_json();
    assert_eq!(j["resources"][0]["subscriptionId"], "sub");
    assert_eq!(j["resources"][0]["resourceGroup"], "rg");
    assert_eq!(j["variables"]["n"], "dep");
}

#[test]
fn one_resource_of_a_loop_by_index() {
    let j = json(
        "param names array\nresource s 'A.B/c@1' = [for n in names: { name: n }]\nvar id = s[1].id\n\
         resource l 'Microsoft.Authorization/locks@2020-05-01' = [for (n, i) in names: { name: 'l${i}', scope: s[i] }]\n",
    );
    assert_eq!(
        j["variables"]["id"],
        "[resourceId('A.B/c', parameters('names')[1])]"
    );
    assert_eq!(
        j["resources"][1]["scope"],
        "[resourceId('A.B/c', parameters('names')[copyIndex()])]"
    );
}

#[test]
fn nameof_is_the_name_written() {
    let j = json("var c = { 'server-name': 1 }\nvar n = 'x-${nameof(c['server-name'])}'\nvar m = nameof(c)\n");
    assert_eq!(j["variables"]["n"], "[format('x-{0}', 'server-name')]");
    assert_eq!(j["variables"]["m"], "c");
}

#[test]
fn module_fan_out_is_bounded() {
    // Each level uses the next twice: 2^20 modules unless the count is bounded.
    let mut files = HashMap::new();
    let texts: Vec<&'static str> = (0..20)
        .map(|i| {
            let t = format!(
                "module a './m{n}.bicep' = {{ name: 'a' }}\nmodule b './m{n}.bicep' = {{ name: 'b' }}\n",
                n = i + 1
            );
            &*Box::leak(t.into_boxed_str())
        })
        .collect();
    let names: Vec<&'static str> = (0..21)
        .map(|i| &*Box::leak(format!("m{i}.bicep").into_boxed_str()))
        .collect();
    for i in 0..20 {
        files.insert(names[i], texts[i]);
    }
    files.insert(names[20], "param x int = 1\n");
    let l = lower_text(texts[0], "m0.bicep", &MapFiles(files)).unwrap();
    assert!(
        l.problems
            .iter()
            .any(|p| p.message.contains("modules in one deployment")
                || p.message.contains("nest deeper")),
        "{:?}",
        l.problems.first()
    );
}

const STORAGE: &str = "resource sa 'Microsoft.Storage/storageAccounts@2022-09-01' = {\n  name: 'sa'\n  location: 'westus'\n  kind: 'StorageV2'\n  sku: { name: 'Standard_LRS' }\n}\n\
    resource sas 'Microsoft.Storage/storageAccounts@2022-09-01' = [for i in range(0, 2): {\n  name: 'sa${i}'\n  location: 'westus'\n  kind: 'StorageV2'\n  sku: { name: 'Standard_LRS' }\n}]\n\
    param p string = 'id'\nparam cond bool = false\nvar key = 'id'\nvar keys = ['name', 'properties']\n";

fn bcp182(body: &str) -> Vec<Problem> {
    lower(&format!(
        "{STORAGE}var v = [for i in range(0, 2): {body}]\n"
    ))
    .problems
}

#[test]
fn a_variable_loop_may_use_what_is_known_when_the_deployment_starts() {
    for body in [
        "sa.id",
        "sas[i].name",
        "sas[any(0)].id",
        "sa['type']",
        "sa[key]",
        "sa['${key}']",
        "sa[first(keys)]",
        "sa[cond ? 'id' : keys[0]]",
        "{ '${sa.id}': i }",
        "map([1], x => sa.apiVersion)",
        // A loop variable named like a resource is the loop variable.
        "[for sa in [{ properties: 1 }]: sa.properties]",
    ] {
        assert_eq!(bcp182(body), [], "{body}");
    }
}

#[test]
fn a_variable_loop_using_a_deployed_value_is_refused() {
    for body in [
        "sa",
        "sa.properties.accessTier",
        "sas[i]",
        "sas[0].properties",
        "sa[p]",
        "sa[last(keys)]",
        "sa[cond ? 'id' : 'properties']",
        "sa[any('id')]",
        "{ '${sas[i].properties.accessTier}': 1 }",
    ] {
        let problems = bcp182(body);
        assert_eq!(problems.len(), 1, "{body}: {problems:?}");
        assert_eq!(problems[0].code, "AKS901");
        assert!(problems[0].message.contains("BCP182"), "{body}");
    }
    // Outside a loop a variable may hold a deployed value (the compiler inlines it).
    assert_eq!(
        lower(&format!("{STORAGE}var v = sa.properties\n")).problems,
        []
    );
}

#[test]
fn modules_with_one_name_in_one_scope_are_refused() {
    let files = MapFiles(HashMap::from([("m.bicep", "param x int = 1\n")]));
    let lower = |text: &str| lower_text(text, "main.bicep", &files).unwrap().problems;
    let same = lower(
        "module a 'm.bicep' = {\n  name: 'dep'\n}\nmodule b 'm.bicep' = {\n  name: 'DEP'\n}\n",
    );
    assert_eq!(same.len(), 2, "{same:?}");
    assert!(same[0].message.contains("BCP122") && same[0].message.contains("a, b"));
    // Another name, another scope, or a loop (names from the index) are fine.
    for text in [
        "module a 'm.bicep' = {\n  name: 'one'\n}\nmodule b 'm.bicep' = {\n  name: 'two'\n}\n",
        "module a 'm.bicep' = {\n  name: 'dep'\n}\nmodule b 'm.bicep' = {\n  name: 'dep'\n  scope: resourceGroup('other')\n}\n",
        "module a 'm.bicep' = [for i in range(0, 2): {\n  name: 'dep${i}'\n}]\nmodule b 'm.bicep' = {\n  name: 'dep'\n}\n",
    ] {
        assert_eq!(lower(text), [], "{text}");
    }
}

#[test]
fn an_existing_resource_in_another_group_has_that_groups_id() {
    let j = json(
        "param rg string = 'rg-hub'\n\
         resource hub 'Microsoft.Network/virtualNetworks@2023-05-01' existing = {\n  name: 'vnet-hub'\n  scope: resourceGroup(rg)\n  resource snet 'subnets' existing = {\n    name: 'aks'\n  }\n}\n\
         resource other 'Microsoft.Network/virtualNetworks@2023-05-01' existing = {\n  name: 'v2'\n  scope: az.resourceGroup('sub', 'rg2')\n}\n\
         resource nic 'Microsoft.Network/networkInterfaces@2023-05-01' = {\n  name: 'nic'\n  properties: {\n    a: hub::snet.id\n    b: other.id\n  }\n}\n",
    );
    let props = &j["resources"][3]["properties"];
    assert_eq!(
        props["a"],
        "[resourceId(parameters('rg'), 'Microsoft.Network/virtualNetworks/subnets', 'vnet-hub', 'aks')]",
        "{j}"
    );
    assert_eq!(
        props["b"], "[resourceId('sub', 'rg2', 'Microsoft.Network/virtualNetworks', 'v2')]",
        "{j}"
    );
    // A resource that is deployed cannot take a resource group scope: still unsupported.
    let l = lower("resource v 'Microsoft.Network/virtualNetworks@2023-05-01' = {\n  name: 'v'\n  scope: resourceGroup('x')\n}\n");
    assert_eq!(l.problems.len(), 1, "{:?}", l.problems);
}

#[test]
fn a_key_vault_secret_is_unknown_and_any_has_no_type() {
    let files = MapFiles(HashMap::from([("m.bicep", "@secure()\nparam s string\n")]));
    let text = "resource kv 'Microsoft.KeyVault/vaults@2019-09-01' existing = {\n  name: 'kv'\n}\n\
                module m 'm.bicep' = {\n  name: 'm'\n  params: {\n    s: kv.getSecret('x')\n  }\n}\n\
                param anything any\n";
    let l = lower_text(text, "main.bicep", &files).unwrap();
    assert!(l.problems.is_empty(), "{:?}", l.problems);
    let j = l.doc.root.to_json();
    assert!(
        j.to_string().contains("aksgate.unknown('getSecret(''x'')'"),
        "{j}"
    );
    assert_eq!(j["parameters"]["anything"], serde_json::json!({}), "{j}");
}

#[test]
fn an_output_of_one_module_of_a_loop_names_its_deployment() {
    let files = MapFiles(HashMap::from([(
        "m.bicep",
        "param n string\noutput id string = n\n",
    )]));
    let text = "param names array = ['a', 'b']\n\
                module ms 'm.bicep' = [for (n, i) in names: {\n  name: 'dep-${n}'\n  params: {\n    n: n\n  }\n}]\n\
                resource nic 'Microsoft.Network/networkInterfaces@2023-05-01' = {\n  name: 'nic'\n  properties: {\n    x: ms[1].outputs.id\n  }\n}\n";
    let l = lower_text(text, "main.bicep", &files).unwrap();
    assert!(l.problems.is_empty(), "{:?}", l.problems);
    let j = l.doc.root.to_json();
    let x = j["resources"][1]["properties"]["x"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        x.contains("resourceId('Microsoft.Resources/deployments', format('dep-{0}', parameters('names')[1]))")
            && x.ends_with(".outputs.id.value]"),
        "{j}"
    );
}

#[test]
fn a_module_scoped_to_a_declared_resource_group_deploys_into_it() {
    let files = MapFiles(HashMap::from([("m.bicep", "param x int = 1\n")]));
    let text = "targetScope = 'subscription'\n\
                resource rgs 'Microsoft.Resources/resourceGroups@2021-04-01' = [for n in ['a', 'b']: {\n  name: 'rg-${n}'\n  location: 'westeurope'\n}]\n\
                module m 'm.bicep' = [for i in range(0, 2): {\n  name: 'm${i}'\n  scope: rgs[i]\n}]\n";
    let l = lower_text(text, "main.bicep", &files).unwrap();
    assert!(l.problems.is_empty(), "{:?}", l.problems);
    let j = l.doc.root.to_json();
    let rg = j["resources"][1]["resourceGroup"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(rg.starts_with("[format('rg-{0}', "), "{j}");
}

#[test]
fn unions_of_literal_objects_tuples_and_aliases_are_allowed_values() {
    let j = json(
        "type small = 'a' | 'b'\ntype shapes = small | 'c'\n\
         type typeA = {\n  type: 'a'\n  value: string\n}\ntype typeB = {\n  type: 'b'\n  value: int\n}\n\
         @discriminator('type')\ntype either = typeA | typeB\n\
         param u {property: 'ping'}|{property: 'pong'} = {property: 'pong'}\n\
         param t ['x', -1] | [!true] = [false]\nparam s shapes = 'c'\nparam d either\n",
    );
    let p = &j["parameters"];
    assert_eq!(
        p["u"]["allowedValues"],
        serde_json::json!([{"property": "ping"}, {"property": "pong"}])
    );
    assert_eq!(
        p["t"]["allowedValues"],
        serde_json::json!([["x", -1], [false]])
    );
    assert_eq!(p["s"]["allowedValues"], serde_json::json!(["a", "b", "c"]));
    // A discriminated union: an object, its shape not checked.
    assert_eq!(p["d"]["type"], "object");
    assert!(p["d"].get("allowedValues").is_none(), "{j}");
}

/// `extension` declarations: Azure's resources stay ARM resources (`az:` prefix or
/// not), another extension's are written with their `extension`, every one still a
/// resource of the deployment (so a cluster next to Kubernetes objects is still
/// judged); an extension's configuration is the extension's.
#[test]
fn extensions_keep_azure_resources_and_mark_the_others() {
    let j = json(
        "extension az\nextension kubernetes with { kubeConfig: 'k', namespace: 'n' } as k8s\n\
         resource aks 'Microsoft.ContainerService/managedClusters@2024-02-01' = {\n  name: 'aks'\n  location: 'westus'\n}\n\
         resource t 'az:My.Rp/TestType@2020-01-01' = {\n  name: 't'\n}\n\
         resource d 'apps/Deployment@v1' = {\n  metadata: { name: 'web' }\n}\n\
         resource s 'k8s:core/Service@v1' = {\n  metadata: { name: 'svc' }\n}\n\
         var cfg = k8s.config.namespace\n",
    );
    let r = &j["resources"];
    assert_eq!(r[0]["type"], "Microsoft.ContainerService/managedClusters");
    assert_eq!(r[0]["extension"], "az");
    assert_eq!(r[1]["type"], "My.Rp/TestType");
    assert_eq!(r[1]["extension"], "az");
    assert_eq!(
        (&r[2]["type"], &r[2]["extension"]),
        (&"apps/Deployment".into(), &"k8s".into())
    );
    assert_eq!(
        (&r[3]["type"], &r[3]["extension"]),
        (&"core/Service".into(), &"k8s".into())
    );
    assert_eq!(
        j["variables"]["cfg"],
        "[extensions('k8s').config.namespace]"
    );
    // A prefix that names no declared extension is refused (a cluster must not hide
    // behind one).
    let l = lower("resource aks 'x:Microsoft.ContainerService/managedClusters@2024-02-01' = {\n  name: 'aks'\n}\n");
    assert!(
        l.problems
            .iter()
            .any(|p| p.message.contains("no declared extension")),
        "{:?}",
        l.problems
    );
}

#[test]
fn module_extension_configs_are_written_as_the_compiler_does() {
    let files = MapFiles(
        [("child.bicep", "extension kubernetes as k8s\n")]
            .into_iter()
            .collect(),
    );
    let l = lower_text(
        "extension kubernetes as k8s\nparam ns string\n\
         module m 'child.bicep' = {\n  name: 'm'\n  extensionConfigs: {\n    k8s: { kubeConfig: 'kc', namespace: ns }\n  }\n}\n\
         module n 'child.bicep' = {\n  name: 'n'\n  extensionConfigs: {\n    k8s: k8s.config\n  }\n}\n",
        "main.bicep",
        &files,
    )
    .unwrap();
    assert!(l.problems.is_empty(), "{:?}", l.problems);
    let j = l.doc.root.to_json();
    assert_eq!(
        j["resources"][0]["properties"]["extensionConfigs"],
        serde_json::json!({"k8s": {"kubeConfig": {"value": "kc"}, "namespace": {"value": "[parameters('ns')]"}}})
    );
    assert_eq!(
        j["resources"][1]["properties"]["extensionConfigs"],
        serde_json::json!({"k8s": "[extensions('k8s').config]"})
    );
}
