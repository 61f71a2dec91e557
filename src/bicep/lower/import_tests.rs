//! Imports and user-defined functions: inlined, constants evaluated, bounded.

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

fn lower_with(text: &str, files: &[(&'static str, &'static str)]) -> Lowered {
    let files = MapFiles(files.iter().copied().collect());
    lower_text(text, "main.bicep", &files).expect("parses")
}

fn clean(text: &str, files: &[(&'static str, &'static str)]) -> serde_json::Value {
    let l = lower_with(text, files);
    assert!(l.problems.is_empty(), "{:?}", l.problems);
    l.doc.root.to_json()
}

const LIB: &str = "@export()\nvar plugin = toLower('AZURE')\nvar hidden = 'h'\n\
    @export()\nvar cfg = { p: plugin, h: hidden }\n\
    @export()\nfunc prefixed(name string) string => '${pre()}-${name}'\n\
    func pre() string => 'aks'\n\
    @export()\ntype mode = 'a' | 'b'\n";

#[test]
fn local_functions_are_inlined_with_their_arguments() {
    let j = clean(
        "func twice(x int) int => x * 2\nfunc name(a string, b int) string => '${a}-${twice(b)}'\n\
         param p string\nvar v = name(p, 3)\nvar m = map([1], i => twice(i))\n",
        &[],
    );
    assert_eq!(
        j["variables"]["v"],
        "[format('{0}-{1}', parameters('p'), mul(3, 2))]"
    );
    assert_eq!(
        j["variables"]["m"],
        "[map(createArray(1), lambda('i', mul(lambdaVariables('i'), 2)))]"
    );
}

#[test]
fn a_function_sees_only_its_parameters_and_recursion_is_bounded() {
    let l = lower_with("param p string\nfunc f() string => p\nvar v = f()\n", &[]);
    assert!(
        l.problems[0].message.contains("function body"),
        "{:?}",
        l.problems
    );
    let r = lower_with("func f(x int) int => f(x)\nvar v = f(1)\n", &[]);
    assert!(
        r.problems[0].message.contains("Bicep forbids recursion"),
        "{:?}",
        r.problems
    );
    let n = lower_with("func f(x int) int => x\nvar v = f()\n", &[]);
    assert!(n.problems[0].message.contains("takes 1 argument"));
}

#[test]
fn imported_variables_are_constants_and_functions_call_their_own_file() {
    let j = clean(
        "import {plugin as pl, cfg, prefixed, mode} from 'lib/x.bicep'\nimport * as x from 'lib/x.bicep'\n\
         param m mode\nvar a = pl\nvar b = x.cfg.h\nvar c = prefixed('c')\nvar d = x.prefixed('d')\n",
        &[("lib/x.bicep", LIB)],
    );
    let v = &j["variables"];
    assert_eq!(v["pl"], "azure");
    assert_eq!(v["cfg"], serde_json::json!({"p": "azure", "h": "h"}));
    assert_eq!(
        v["x"],
        serde_json::json!({"plugin": "azure", "cfg": {"p": "azure", "h": "h"}})
    );
    assert_eq!(v["b"], "[variables('x').cfg.h]");
    assert_eq!(v["c"], "[format('{0}-{1}', 'aks', 'c')]");
    assert_eq!(v["d"], "[format('{0}-{1}', 'aks', 'd')]");
    assert_eq!(
        j["parameters"]["m"]["allowedValues"],
        serde_json::json!(["a", "b"])
    );
}

#[test]
fn bad_imports_are_problems_at_the_import() {
    let not_exported = lower_with("import {hidden} from 'x.bicep'\n", &[("x.bicep", LIB)]);
    assert!(not_exported.problems[0].message.contains("not exported"));
    let missing = lower_with("import * as n from 'nope.bicep'\n", &[]);
    assert_eq!(missing.problems[0].code, "AKS900");
    let registry = lower_with("import * as n from 'br/public:x:1'\n", &[]);
    assert_eq!(registry.problems[0].code, "AKS900");
    let cycle = lower_with(
        "import * as a from 'a.bicep'\n",
        &[
            ("a.bicep", "import * as b from 'b.bicep'\n"),
            ("b.bicep", "import * as a from 'a.bicep'\n"),
        ],
    );
    assert!(
        cycle.problems.iter().any(|p| p.message.contains("cycle")),
        "{:?}",
        cycle.problems
    );
    // Problems inside the imported file point at the import line here.
    let inner = lower_with(
        "\nimport {v} from 'y.bicep'\n",
        &[("y.bicep", "@export()\nvar v = loadTextContent('z.txt')\n")],
    );
    assert_eq!(inner.problems[0].span.start, 1);
}

#[test]
fn load_functions_read_files_beside_the_bicep_file() {
    let j = clean(
        "var t = loadTextContent('cfg/a.txt')\nvar o = loadJsonContent('cfg/o.json').k\nvar b = loadFileAsBase64('cfg/a.txt')\n",
        &[("cfg/a.txt", "hi 'x'"), ("cfg/o.json", "{\"k\": [1]}")],
    );
    assert_eq!(j["variables"]["t"], "hi 'x'");
    assert_eq!(j["variables"]["o"], "[json('{\"k\":[1]}').k]");
    // The bytes' base64, computed here (a binary file is no text to pass to base64()).
    assert_eq!(j["variables"]["b"], "aGkgJ3gn");
    let missing = lower_with("var t = loadTextContent('nope.txt')\n", &[]);
    assert!(missing.problems[0].message.contains("cannot be read"));
    let y = clean(
        "var y = loadYamlContent('a.yaml')\nvar z = loadYamlContent('a.yaml', '.b[1]')\n",
        &[("a.yaml", "a: 1\nb: [x, y]\n")],
    );
    assert_eq!(
        y["variables"]["y"],
        "[json('{\"a\":1,\"b\":[\"x\",\"y\"]}')]"
    );
    assert_eq!(y["variables"]["z"], "[json('\"y\"')]");
    let filter = lower_with(
        "var z = loadJsonContent('o.json', '.k[?(@ > 0 && @ < 2)]')\n",
        &[("o.json", "{\"k\": [1]}")],
    );
    assert!(
        filter.problems[0].message.contains("not supported yet"),
        "{:?}",
        filter.problems
    );
}

/// An ARM JSON template as Bicep compiles `@export()`ed declarations into it.
const JSON_LIB: &str = r##"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "languageVersion": "2.0",
  "contentVersion": "1.0.0.0",
  "metadata": {"__bicep_exported_variables!": [{"name": "odd-name"}, {"name": "plugins"}]},
  "definitions": {
    "mode": {"type": "string", "allowedValues": ["a", "b"], "metadata": {"__bicep_export!": true}},
    "hiddenType": {"type": "string"}
  },
  "functions": [{"namespace": "__bicep", "members": {"f": {"parameters": [], "output": {"type": "string", "value": "x"}, "metadata": {"__bicep_export!": true}}}}],
  "variables": {
    "odd-name": "value",
    "copy": [{"name": "items", "count": 2, "input": "[concat('p', string(copyIndex('items')))]"}],
    "plugins": "[variables('items')]",
    "secret": "s"
  },
  "resources": {}
}"##;

#[test]
fn variables_and_types_are_imported_from_an_arm_json_template() {
    let j = clean(
        "import {'odd-name' as odd, plugins, mode} from 'lib.json'\nimport * as lib from 'lib.json'\n\
         param m mode\nvar a = odd\nvar b = plugins[1]\nvar c = lib.plugins\n",
        &[("lib.json", JSON_LIB)],
    );
    let v = &j["variables"];
    assert_eq!(v["odd"], "value");
    assert_eq!(v["plugins"], serde_json::json!(["p0", "p1"]));
    assert_eq!(
        v["lib"],
        serde_json::json!({"odd-name": "value", "plugins": ["p0", "p1"]})
    );
    assert_eq!(
        j["parameters"]["m"]["allowedValues"],
        serde_json::json!(["a", "b"])
    );
    // Not exported, a function (not run: AKS901, never a silent pass), not JSON.
    for (import, says) in [
        ("import {secret} from 'lib.json'\n", "not exported"),
        ("import {hiddenType} from 'lib.json'\n", "not exported"),
        ("import {f} from 'lib.json'\n", "importing the function 'f'"),
        ("import * as b from 'bad.json'\n", "not valid JSON"),
    ] {
        let l = lower_with(import, &[("lib.json", JSON_LIB), ("bad.json", "{")]);
        assert!(
            l.problems
                .iter()
                .any(|p| p.code == "AKS901" && p.message.contains(says)),
            "{import}: {:?}",
            l.problems
        );
    }
    let missing = lower_with("import * as n from 'nope.json'\n", &[]);
    assert_eq!(missing.problems[0].code, "AKS900");
}
