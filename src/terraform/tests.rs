//! Lowering tests on in-memory module directories.

use super::{lower_text, lower_with, Files, LIMITS};
use crate::json::Node;
use std::collections::HashMap;

/// Directories of files, by directory.
pub(crate) struct Mem(HashMap<String, Vec<(String, String)>>);

impl Files for Mem {
    fn dir(&self, dir: &str) -> Result<Vec<(String, String)>, String> {
        self.0
            .get(dir)
            .cloned()
            .ok_or_else(|| "no such directory".into())
    }
}

pub(crate) fn mem(files: &[(&str, &str)]) -> Mem {
    let mut m: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for (path, text) in files {
        let (d, n) = path.rsplit_once('/').unwrap_or(("", path));
        m.entry(d.to_string())
            .or_default()
            .push((n.to_string(), text.to_string()));
    }
    Mem(m)
}

/// Lowers `rel` of `files`; the resources as JSON (spans dropped).
fn lower(files: &[(&str, &str)], rel: &str) -> serde_json::Value {
    let m = mem(files);
    let text = files.iter().find(|(p, _)| *p == rel).unwrap().1;
    let l = lower_text(text, rel, &m).unwrap_or_else(|p| panic!("{}", p.message));
    assert!(l.problems.is_empty(), "{:?}", l.problems);
    to_json(&l.doc.root)
}

pub(crate) fn to_json(n: &Node) -> serde_json::Value {
    use crate::json::Value as V;
    match &n.value {
        V::Null => serde_json::Value::Null,
        V::Bool(b) => (*b).into(),
        V::Number(crate::json::Number::Int(i)) => (*i).into(),
        V::Number(crate::json::Number::Float(f)) => (*f).into(),
        V::String(s) => s.clone().into(),
        V::Array(a) => a.iter().map(to_json).collect(),
        V::Object(o) => o
            .iter()
            .map(|m| (m.key.clone(), to_json(&m.value)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
    }
}

const CLUSTER: &str = r#"
resource "azurerm_kubernetes_cluster" "aks" {
  name       = "aks-${var.env}"
  location   = "westeurope"
  dns_prefix = "aks"
  default_node_pool {
    name    = "system"
    vm_size = "Standard_D2s_v5"
  }
  identity {
    type = "SystemAssigned"
  }
  network_profile {
    network_plugin = local.plugin
    outbound_type  = var.outbound
  }
}
"#;

fn net(v: &serde_json::Value) -> &serde_json::Value {
    &v["resources"][0]["properties"]["networkProfile"]
}

#[test]
fn values_from_sibling_files_defaults_tfvars_and_auto_tfvars() {
    let vars = r#"
variable "env" { default = "dev" }
variable "outbound" {
  type    = string
  default = "loadBalancer"
}
"#;
    let locals = "locals {\n  plugin = lower(\"KUBENET\")\n}\n";
    let base = [
        ("m/main.tf", CLUSTER),
        ("m/variables.tf", vars),
        ("m/locals.tf", locals),
    ];
    let v = lower(&base, "m/main.tf");
    assert_eq!(v["resources"][0]["name"], "aks-dev");
    assert_eq!(net(&v)["networkPlugin"], "kubenet");
    assert_eq!(net(&v)["outboundType"], "loadBalancer");
    let mut with_tfvars = base.to_vec();
    with_tfvars.push(("m/terraform.tfvars", "outbound = \"userDefinedRouting\"\n"));
    assert_eq!(
        net(&lower(&with_tfvars, "m/main.tf"))["outboundType"],
        "userDefinedRouting"
    );
    // *.auto.tfvars win over terraform.tfvars.
    with_tfvars.push(("m/z.auto.tfvars", "outbound = \"managedNATGateway\"\n"));
    assert_eq!(
        net(&lower(&with_tfvars, "m/main.tf"))["outboundType"],
        "managedNATGateway"
    );
}

#[test]
fn a_variable_without_a_value_is_unknown_not_a_default() {
    let v = lower(
        &[
            ("main.tf", CLUSTER),
            (
                "v.tf",
                "variable \"env\" {}\nvariable \"outbound\" {}\nlocals { plugin = \"azure\" }\n",
            ),
        ],
        "main.tf",
    );
    let o = net(&v)["outboundType"].as_str().unwrap();
    assert!(o.starts_with("[aksgate.unknown('var.outbound'"), "{o}");
    assert!(o.contains("no default"), "{o}");
}

#[test]
fn only_the_files_own_resources_are_emitted_and_a_file_without_any_is_not_a_deployment() {
    let files = [
        ("main.tf", CLUSTER),
        ("v.tf", "variable \"env\" { default = \"x\" }\nvariable \"outbound\" { default = \"loadBalancer\" }\nlocals { plugin = \"azure\" }\n"),
    ];
    let v = lower(&files, "main.tf");
    assert_eq!(v["resources"].as_array().unwrap().len(), 1);
    let vars = lower(&files, "v.tf");
    assert_eq!(vars, serde_json::json!({}));
    assert_eq!(
        crate::classify::classify(
            &lower_text(files[1].1, "v.tf", &mem(&files))
                .unwrap()
                .doc
                .root
        ),
        crate::classify::Kind::Other
    );
}

#[test]
fn count_for_each_each_value_count_index_and_conditionals() {
    let t = r#"
variable "pips" { default = { a = "Standard", b = "Basic" } }
resource "azurerm_public_ip" "p" {
  for_each          = var.pips
  name              = "pip-${each.key}"
  sku               = each.value
  allocation_method = "Static"
}
resource "azurerm_subnet" "s" {
  count                = 2
  name                 = "s${count.index}"
  virtual_network_name = "v"
  address_prefixes     = [cidrsubnet("10.0.0.0/16", 8, count.index)]
}
resource "azurerm_route_table" "off" {
  count = false ? 1 : 0
  name  = "never"
}
"#;
    let v = lower(&[("main.tf", t)], "main.tf");
    let names: Vec<&str> = v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["pip-a", "pip-b", "v/s0", "v/s1"]);
    assert_eq!(v["resources"][1]["sku"]["name"], "Basic");
    assert_eq!(
        v["resources"][3]["properties"]["addressPrefixes"][0],
        "10.0.1.0/24"
    );
}

#[test]
fn dynamic_blocks_for_expressions_and_templates() {
    let t = r#"
locals {
  routes = { internet = "Internet", fw = "VirtualAppliance" }
  names  = [for k, v in local.routes : upper(k) if v != "Internet"]
}
resource "azurerm_route_table" "rt" {
  name = "rt-${join("-", local.names)}"
  dynamic "route" {
    for_each = local.routes
    content {
      name           = route.key
      address_prefix = "0.0.0.0/0"
      next_hop_type  = route.value
    }
  }
}
"#;
    let v = lower(&[("main.tf", t)], "main.tf");
    let r = &v["resources"][0];
    assert_eq!(r["name"], "rt-FW");
    let routes = r["properties"]["routes"].as_array().unwrap();
    assert_eq!(routes.len(), 2);
    assert_eq!(routes[0]["name"], "fw");
    assert_eq!(routes[1]["properties"]["nextHopType"], "Internet");
}

#[test]
fn references_after_apply_and_unknown_functions_are_unknown() {
    let t = r#"
resource "azurerm_firewall" "fw" {
  name = "fw"
  ip_configuration {
    name      = "c"
    subnet_id = "x"
  }
}
resource "azurerm_route" "r" {
  name                   = "default"
  route_table_name       = "rt"
  address_prefix         = "0.0.0.0/0"
  next_hop_type          = "VirtualAppliance"
  next_hop_in_ip_address = azurerm_firewall.fw.ip_configuration[0].private_ip_address
}
resource "azurerm_public_ip" "p" {
  name = sha1("x")
}
"#;
    let v = lower(&[("main.tf", t)], "main.tf");
    let hop = v["resources"][1]["properties"]["nextHopIpAddress"]
        .as_str()
        .unwrap();
    assert!(hop.starts_with("[aksgate.unknown("), "{hop}");
    let n = v["resources"][2]["name"].as_str().unwrap();
    assert!(n.contains("sha1()"), "{n}");
}

#[test]
fn try_lookup_merge_coalesce_on_module_style_inputs() {
    let t = r#"
variable "cfg" {
  default = { network = { plugin = "azure" } }
}
locals {
  np = merge({ outbound = "loadBalancer" }, try(var.cfg.network, {}))
}
resource "azurerm_kubernetes_cluster" "aks" {
  name = "aks"
  network_profile {
    network_plugin = lookup(local.np, "plugin", "kubenet")
    outbound_type  = try(var.cfg.network.outbound, local.np.outbound)
    load_balancer_sku = coalesce(null, "standard")
  }
}
"#;
    let v = lower(&[("main.tf", t)], "main.tf");
    assert_eq!(net(&v)["networkPlugin"], "azure");
    assert_eq!(net(&v)["outboundType"], "loadBalancer");
}

#[test]
fn a_local_module_is_lowered_with_its_inputs_and_a_registry_module_is_not_visible() {
    let files = [
        (
            "env/main.tf",
            "module \"aks\" {\n  source   = \"../modules/aks\"\n  outbound = \"userDefinedRouting\"\n}\n",
        ),
        (
            "modules/aks/main.tf",
            "variable \"outbound\" {}\nresource \"azurerm_kubernetes_cluster\" \"c\" {\n  name = \"c\"\n  network_profile {\n    network_plugin = \"kubenet\"\n    outbound_type = var.outbound\n  }\n}\n",
        ),
    ];
    let m = mem(&files);
    let l = lower_text(files[0].1, "env/main.tf", &m).unwrap();
    assert!(l.problems.is_empty());
    let v = to_json(&l.doc.root);
    assert_eq!(net(&v)["outboundType"], "userDefinedRouting");
    // The module's resources point at the module's source in the calling file.
    let c = &l.doc.root.get("resources").unwrap().as_array().unwrap()[0];
    assert_eq!(&files[0].1[c.span.start..c.span.end], "\"../modules/aks\"");

    let reg = "module \"aks\" {\n  source  = \"Azure/aks/azurerm\"\n  version = \"9.0.0\"\n}\n";
    let l = lower_text(reg, "main.tf", &mem(&[("main.tf", reg)])).unwrap();
    assert_eq!(l.problems.len(), 1);
    assert_eq!(l.problems[0].code, "AKS900");
    assert!(l.problems[0].message.contains("module not visible"));
}

#[test]
fn a_module_that_calls_itself_stops_at_the_depth_limit() {
    let t = "module \"me\" {\n  source = \"./\"\n}\nresource \"azurerm_public_ip\" \"p\" { name = \"p\" }\n";
    let l = lower_text(t, "main.tf", &mem(&[("main.tf", t)])).unwrap();
    assert!(l
        .problems
        .iter()
        .any(|p| p.code == "AKS901" && p.message.contains("deeper")));
}

#[test]
fn a_syntax_error_is_aks901_at_its_position() {
    let t = "resource \"azurerm_public_ip\" \"p\" {\n  name = \n}\n";
    let p = lower_text(t, "main.tf", &super::NoFiles).unwrap_err();
    assert_eq!(p.code, "AKS901");
    assert!(p.message.starts_with("invalid Terraform"));
    assert!(p.span.start >= 30, "{:?}", p.span);
}

#[test]
fn hostile_counts_and_loops_are_bounded() {
    let t = "resource \"azurerm_public_ip\" \"p\" {\n  count = 100000000\n  name = \"p\"\n}\n";
    let l = lower_text(t, "main.tf", &super::NoFiles).unwrap();
    assert!(l.problems[0].message.contains("more than"));
    let t = "locals {\n  a = [for i in range(5000) : [for j in range(5000) : [for k in range(5000) : k]]]\n}\nresource \"azurerm_public_ip\" \"p\" {\n  name = length(flatten(local.a))\n}\n";
    let small = super::Limits {
        fuel: 50_000,
        ..LIMITS
    };
    let start = std::time::Instant::now();
    let l = lower_with(t, "main.tf", &super::NoFiles, None, small).unwrap();
    assert!(start.elapsed().as_secs() < 10);
    let n = to_json(&l.doc.root)["resources"][0]["name"].clone();
    assert!(n.as_str().unwrap().contains("aksgate.unknown"), "{n}");
}

#[test]
fn azapi_bodies_are_the_arm_request() {
    let t = r#"
resource "azapi_resource" "subnet" {
  type      = "Microsoft.Network/virtualNetworks/subnets@2023-04-01"
  name      = "aks"
  parent_id = "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/vnet"
  body = {
    properties = { addressPrefix = "10.0.0.0/24" }
  }
}
resource "azapi_resource" "aks" {
  type      = "Microsoft.ContainerService/managedClusters@2024-02-01"
  name      = "aks"
  parent_id = "/subscriptions/s/resourceGroups/r"
  body = jsonencode({
    properties = {
      networkProfile = { networkPlugin = "kubenet", outboundType = "userDefinedRouting" }
      agentPoolProfiles = [{ name = "p", vnetSubnetID = azapi_resource.subnet.id }]
    }
  })
}
"#;
    let v = lower(&[("main.tf", t)], "main.tf");
    assert_eq!(v["resources"][0]["name"], "vnet/aks");
    assert_eq!(v["resources"][0]["apiVersion"], "2023-04-01");
    let c = &v["resources"][1];
    assert_eq!(c["type"], "Microsoft.ContainerService/managedClusters");
    assert_eq!(
        c["properties"]["networkProfile"]["outboundType"],
        "userDefinedRouting"
    );
    assert_eq!(
        c["properties"]["agentPoolProfiles"][0]["vnetSubnetID"],
        "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/vnet/subnets/aks"
    );
}

#[test]
fn provider_3x_names_and_defaults() {
    let t = r#"
terraform {
  required_providers {
    azurerm = { source = "hashicorp/azurerm", version = "~> 3.100" }
  }
}
resource "azurerm_public_ip" "p" { name = "p" }
resource "azurerm_kubernetes_cluster" "aks" {
  name = "aks"
  default_node_pool {
    name                  = "p"
    enable_node_public_ip = true
  }
}
"#;
    let v = lower(&[("main.tf", t)], "main.tf");
    assert_eq!(v["resources"][0]["sku"]["name"], "Basic");
    let c = &v["resources"][1];
    assert_eq!(c["apiVersion"], "2023-04-02-preview");
    assert_eq!(
        c["properties"]["agentPoolProfiles"][0]["enableNodePublicIP"],
        true
    );
    assert!(c["properties"].get("networkProfile").is_none());
}

/// Two lowerings of one file are the same document (the streamed scan lowers a file
/// again and must see what the first pass saw): two associations of one subnet pick
/// the first by name, never by a hash seed.
#[test]
fn lowering_is_deterministic_when_associations_compete() {
    let main = r#"
resource "azurerm_virtual_network" "v" {
  name          = "v"
  address_space = ["10.0.0.0/16"]
}
resource "azurerm_subnet" "s" {
  name                 = "s"
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = ["10.0.1.0/24"]
}
resource "azurerm_route_table" "a" { name = "a" }
resource "azurerm_route_table" "b" { name = "b" }
resource "azurerm_subnet_route_table_association" "y" {
  subnet_id      = azurerm_subnet.s.id
  route_table_id = azurerm_route_table.b.id
}
resource "azurerm_subnet_route_table_association" "x" {
  subnet_id      = azurerm_subnet.s.id
  route_table_id = azurerm_route_table.a.id
}
"#;
    let first = lower(&[("main.tf", main)], "main.tf");
    for _ in 0..16 {
        assert_eq!(lower(&[("main.tf", main)], "main.tf"), first);
    }
    let subnet = first["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "Microsoft.Network/virtualNetworks/subnets")
        .unwrap();
    let id = subnet["properties"]["routeTable"]["id"].as_str().unwrap();
    assert!(id.ends_with("/routeTables/a"), "{id}");
}

/// Module directories and a manifest file, by path.
struct WithManifest(Mem, String);

impl Files for WithManifest {
    fn dir(&self, dir: &str) -> Result<Vec<(String, String)>, String> {
        self.0.dir(dir)
    }
    fn text(&self, rel: &str) -> Result<String, String> {
        if rel == ".terraform/modules/modules.json" {
            Ok(self.1.clone())
        } else {
            Err("no such file".into())
        }
    }
}

/// A registry module is read where `terraform init` installed it; a manifest entry
/// whose directory leaves the scanned folder is not followed.
#[test]
fn installed_registry_modules_are_read_and_manifests_cannot_escape() {
    let main = "module \"aks\" {\n  source = \"Azure/aks/azurerm\"\n}\n";
    let module = r#"resource "azurerm_public_ip" "p" { name = "pip" }"#;
    let files = mem(&[
        ("main.tf", main),
        (".terraform/modules/aks/main.tf", module),
    ]);
    let manifest = |dir: &str| {
        format!(r#"{{"Modules": [{{"Key": "", "Dir": "."}}, {{"Key": "aks", "Dir": "{dir}"}}]}}"#)
    };
    let read = WithManifest(files, manifest(".terraform/modules/aks"));
    let l = lower_text(main, "main.tf", &read).unwrap();
    assert!(l.problems.is_empty(), "{:?}", l.problems);
    let v = to_json(&l.doc.root);
    assert_eq!(
        v["resources"][0]["type"],
        "Microsoft.Network/publicIPAddresses"
    );

    let files = mem(&[
        ("main.tf", main),
        (".terraform/modules/aks/main.tf", module),
    ]);
    let escaping = WithManifest(files, manifest("../../elsewhere"));
    let l = lower_text(main, "main.tf", &escaping).unwrap();
    assert!(
        l.problems
            .iter()
            .any(|p| p.code == "AKS900" && p.message.contains("terraform init")),
        "{:?}",
        l.problems
    );
}

#[test]
fn an_update_in_another_file_of_the_module_is_merged_into_its_resource() {
    let cluster = "resource \"azurerm_kubernetes_cluster\" \"aks\" {\n  name = \"aks\"\n  location = \"westeurope\"\n  network_profile {\n    network_plugin = \"azure\"\n  }\n}\n";
    let update = "resource \"azapi_update_resource\" \"u\" {\n  type = \"Microsoft.ContainerService/managedClusters@2024-05-01\"\n  parent_id = \"/subscriptions/s/resourceGroups/rg\"\n  name = azurerm_kubernetes_cluster.aks.name\n  body = jsonencode({ properties = { networkProfile = { outboundType = \"userDefinedRouting\" } } })\n}\n";
    let files = [("m/main.tf", cluster), ("m/update.tf", update)];
    let main = lower(&files, "m/main.tf");
    let net = &main["resources"][0]["properties"]["networkProfile"];
    assert_eq!(net["outboundType"], "userDefinedRouting", "{main}");
    assert_eq!(net["networkPlugin"], "azure", "{main}");
    // The update's own file: its resource is in the module, so nothing to report and
    // nothing of its own to deploy.
    let own = lower(&files, "m/update.tf");
    assert_eq!(own["resources"], serde_json::Value::Null, "{own}");
}

#[test]
fn an_azapi_body_in_a_module_takes_the_module_call_span() {
    let pad = "# ".repeat(400);
    let child = format!("{pad}\nresource \"azapi_resource\" \"aks\" {{\n  type = \"Microsoft.ContainerService/managedClusters@2024-02-01\"\n  name = \"aks\"\n  parent_id = \"/subscriptions/s/resourceGroups/rg\"\n  body = {{\n    properties = {{\n      networkProfile = {{\n        outboundType = \"loadBalancer\"\n      }}\n    }}\n  }}\n}}\n");
    let root = "module \"aks\" {\n  source = \"./m\"\n}\n";
    let files = mem(&[("main.tf", root), ("m/main.tf", &child)]);
    let l = lower_text(root, "main.tf", &files).unwrap();
    fn inside(n: &Node, len: usize) {
        assert!(n.span.end <= len, "{:?} past {len}", n.span);
        if let Some(items) = n.as_array() {
            items.iter().for_each(|i| inside(i, len));
        }
        if let Some(members) = n.as_object() {
            for m in members {
                assert!(m.key_span.end <= len, "{:?} past {len}", m.key_span);
                inside(&m.value, len);
            }
        }
    }
    let r = &l.doc.root;
    assert!(r
        .get("resources")
        .and_then(Node::as_array)
        .is_some_and(|a| !a.is_empty()));
    inside(r, root.len());
}

/// A template that is one interpolation and nothing else is its expression's value,
/// unconverted, as in Terraform (`"${var.zones}"` is the list, `"${var.n}"` the number);
/// with anything else around it, a string.
#[test]
fn a_template_of_one_interpolation_is_its_value_unconverted() {
    let t = r#"
variable "zones" {
  default = ["1", "2"]
}
variable "n" {
  default = 3
}
resource "azurerm_kubernetes_cluster" "aks" {
  name = "aks-${var.n}"
  default_node_pool {
    name       = "system"
    zones      = "${var.zones}"
    node_count = "${var.n}"
  }
}
"#;
    let v = lower(&[("main.tf", t)], "main.tf");
    let r = &v["resources"][0];
    assert_eq!(r["name"], "aks-3");
    let pool = &r["properties"]["agentPoolProfiles"][0];
    assert_eq!(pool["availabilityZones"], serde_json::json!(["1", "2"]));
    assert_eq!(pool["count"], 3);
}

/// An update inside a child module is merged into the child's resource, its values at
/// the module call; one of a resource the child does not create is AKS900 there.
#[test]
fn an_update_in_a_child_module_is_merged_into_its_resource() {
    let cluster = "resource \"azurerm_kubernetes_cluster\" \"aks\" {\n  name = \"aks\"\n  location = \"westeurope\"\n  network_profile {\n    network_plugin = \"azure\"\n  }\n}\n";
    let update = "resource \"azapi_update_resource\" \"u\" {\n  type = \"Microsoft.ContainerService/managedClusters@2024-05-01\"\n  parent_id = \"/subscriptions/s/resourceGroups/rg\"\n  name = azurerm_kubernetes_cluster.aks.name\n  body = jsonencode({ properties = { networkProfile = { outboundType = \"userDefinedRouting\" } } })\n}\n";
    let root = "module \"aks\" {\n  source = \"./m\"\n}\n";
    let files = [
        ("main.tf", root),
        ("m/main.tf", cluster),
        ("m/update.tf", update),
    ];
    let v = lower(&files, "main.tf");
    let net = &v["resources"][0]["properties"]["networkProfile"];
    assert_eq!(net["outboundType"], "userDefinedRouting", "{v}");
    assert_eq!(net["networkPlugin"], "azure", "{v}");
    // The merged value points at the module call, in the root's text.
    let m = mem(&files);
    let l = lower_text(root, "main.tf", &m).unwrap();
    let ot = l
        .doc
        .root
        .get("resources")
        .and_then(|r| r.as_array())
        .unwrap()[0]
        .get("properties")
        .and_then(|p| p.get("networkProfile"))
        .and_then(|n| n.get("outboundType"))
        .unwrap()
        .span;
    assert!(ot.end <= root.len(), "{ot:?}");

    let other = update.replace("azurerm_kubernetes_cluster.aks.name", "\"elsewhere\"");
    let files = [
        ("main.tf", root),
        ("m/main.tf", cluster),
        ("m/update.tf", other.as_str()),
    ];
    let m = mem(&files);
    let l = lower_text(root, "main.tf", &m).unwrap();
    assert!(
        l.problems.iter().any(|p| p.code == "AKS900"
            && p.message.contains("does not create")
            && p.span.end <= root.len()),
        "{:?}",
        l.problems
    );
}

/// The managedClusters apiVersion follows the provider version: 4.x 2024-05-01, 4.44's
/// `outbound_type = "none"` or `bootstrap_profile` 2025-05-01, 5.x 2025-10-01.
#[test]
fn the_cluster_api_version_follows_the_provider_version() {
    let cluster = |extra: &str, outbound: &str| {
        format!(
            "resource \"azurerm_kubernetes_cluster\" \"aks\" {{\n  name = \"aks\"\n{extra}  network_profile {{\n    network_plugin = \"azure\"\n    outbound_type = \"{outbound}\"\n  }}\n}}\n"
        )
    };
    let api =
        |text: &str| lower(&[("main.tf", text)], "main.tf")["resources"][0]["apiVersion"].clone();
    assert_eq!(api(&cluster("", "loadBalancer")), "2024-05-01");
    assert_eq!(api(&cluster("", "none")), "2025-05-01");
    let bootstrap = "  bootstrap_profile {\n    artifact_source = \"Cache\"\n  }\n";
    assert_eq!(api(&cluster(bootstrap, "loadBalancer")), "2025-05-01");
    let v = lower(&[("main.tf", &cluster(bootstrap, "none"))], "main.tf");
    assert_eq!(
        v["resources"][0]["properties"]["bootstrapProfile"],
        serde_json::json!({"artifactSource": "Cache"})
    );
    let pinned = |major: &str| {
        format!(
            "terraform {{\n  required_providers {{\n    azurerm = {{\n      source = \"hashicorp/azurerm\"\n      version = \"~> {major}\"\n    }}\n  }}\n}}\n{}",
            cluster("", "loadBalancer")
        )
    };
    assert_eq!(api(&pinned("5.0")), "2025-10-01");
    assert_eq!(api(&pinned("3.0")), "2023-04-02-preview");
}
