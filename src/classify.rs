//! Classifies a parsed JSON file by its content, not its name: ARM templates of any
//! scope, ARM parameter files, managed-cluster REST request bodies (and REST example
//! files that wrap one), exported clusters, or not a deployment file at all.

use crate::json::Node;

/// The deployment scope a template declares through its `$schema`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    ResourceGroup,
    Subscription,
    ManagementGroup,
    Tenant,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ResourceGroup => "resourceGroup",
            Scope::Subscription => "subscription",
            Scope::ManagementGroup => "managementGroup",
            Scope::Tenant => "tenant",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Template(Scope),
    Parameters,
    /// A `PUT managedClusters` body. `wrapped` is true for REST example files, whose
    /// body sits at `parameters.parameters` next to `parameters.api-version`.
    RestBody {
        wrapped: bool,
    },
    /// `az aks show -o json` / `az resource show` output: one cluster, or an array of them.
    Export,
    /// Not a deployment file: skipped silently.
    Other,
}

impl Kind {
    pub fn label(&self) -> &'static str {
        match self {
            Kind::Template(_) => "template",
            Kind::Parameters => "parameters",
            Kind::RestBody { .. } => "rest-body",
            Kind::Export => "export",
            Kind::Other => "other",
        }
    }
}

const CLUSTER_TYPE: &str = "microsoft.containerservice/managedclusters";

pub fn classify(root: &Node) -> Kind {
    if let Some(items) = root.as_array() {
        // `az aks list` output: an array of exported clusters.
        if !items.is_empty() && items.iter().all(is_export) {
            return Kind::Export;
        }
        return Kind::Other;
    }
    if root.as_object().is_none() {
        return Kind::Other;
    }
    if let Some(schema) = root.get("$schema").and_then(Node::as_str) {
        let s = schema.to_ascii_lowercase();
        if s.contains("deploymenttemplate.json") {
            return Kind::Template(scope_of(&s));
        }
        if s.contains("deploymentparameters.json") {
            return Kind::Parameters;
        }
        if s.contains("schema.management.azure.com") && s.contains("deployment") {
            // Unusual but plausible spellings of the ARM schemas.
            if s.contains("parameters") {
                return Kind::Parameters;
            }
            return Kind::Template(scope_of(&s));
        }
        // JSON schemas, policy definitions with a $schema, tool configs...
        return Kind::Other;
    }
    if is_export(root) {
        return Kind::Export;
    }
    if is_rest_body(root) {
        return Kind::RestBody { wrapped: false };
    }
    if let Some(body) = root.get("parameters").and_then(|p| p.get("parameters")) {
        if root
            .get("parameters")
            .and_then(|p| p.get("api-version"))
            .is_some()
            && is_rest_body(body)
        {
            return Kind::RestBody { wrapped: true };
        }
    }
    // A template without `$schema` (ARM accepts it through the API): it has a resources
    // collection and the template's other top-level sections.
    if looks_like_schemaless_template(root) {
        return Kind::Template(Scope::ResourceGroup);
    }
    Kind::Other
}

fn scope_of(schema: &str) -> Scope {
    if schema.contains("subscriptiondeploymenttemplate") {
        Scope::Subscription
    } else if schema.contains("managementgroupdeploymenttemplate") {
        Scope::ManagementGroup
    } else if schema.contains("tenantdeploymenttemplate") {
        Scope::Tenant
    } else {
        Scope::ResourceGroup
    }
}

fn is_export(node: &Node) -> bool {
    let Some(ty) = node.get("type").and_then(Node::as_str) else {
        return false;
    };
    // `az resource show` keeps `properties`; `az aks show` flattens them to the top level.
    ty.eq_ignore_ascii_case(CLUSTER_TYPE)
        && node.get("id").and_then(Node::as_str).is_some()
        && (node.get("properties").and_then(Node::as_object).is_some()
            || node.get("agentPoolProfiles").is_some()
            || node.get("networkProfile").is_some())
}

/// A managed-cluster request body: `properties` with the cluster's own sections.
/// aks-engine API models share `agentPoolProfiles` but carry `orchestratorProfile`
/// or `masterProfile`, which AKS does not have.
fn is_rest_body(node: &Node) -> bool {
    let Some(props) = node.get("properties") else {
        return false;
    };
    if props.as_object().is_none() || node.get("resources").is_some() {
        return false;
    }
    if props.get("orchestratorProfile").is_some()
        || props.get("masterProfile").is_some()
        || props.get("policyRule").is_some()
    {
        return false;
    }
    let cluster_keys = [
        "agentPoolProfiles",
        "networkProfile",
        "kubernetesVersion",
        "dnsPrefix",
    ];
    cluster_keys
        .iter()
        .filter(|k| props.get(k).is_some())
        .count()
        >= 2
}

fn looks_like_schemaless_template(node: &Node) -> bool {
    let has_resources = node
        .get("resources")
        .is_some_and(|r| r.as_array().is_some() || r.as_object().is_some());
    has_resources && node.get("contentVersion").is_some()
}

/// For a file that failed to parse: does the raw text look like a deployment file, so
/// that the failure must be reported rather than skipped?
pub fn text_looks_like_deployment(text: &str) -> bool {
    let lower_prefix: String = text
        .chars()
        .take(64 * 1024)
        .collect::<String>()
        .to_ascii_lowercase();
    lower_prefix.contains("deploymenttemplate.json")
        || lower_prefix.contains("deploymentparameters.json")
        || lower_prefix.contains("microsoft.containerservice")
        || (lower_prefix.contains("\"resources\"") && lower_prefix.contains("\"contentversion\""))
        || lower_prefix.contains("\"agentpoolprofiles\"")
}

/// For a file that failed to parse: is it named like a deployment file (the names the
/// quickstarts, the portal export and `bicep build` use), so that an empty or broken one
/// is reported rather than skipped as "not a deployment file"?
pub fn name_looks_like_deployment(rel: &str) -> bool {
    let name = rel
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(rel)
        .to_ascii_lowercase();
    let Some(stem) = name.strip_suffix(".json") else {
        return false;
    };
    stem.starts_with("azuredeploy")
        || stem == "maintemplate"
        || stem.ends_with(".deploymenttemplate")
        || stem
            .split('.')
            .skip(1)
            .any(|part| part.starts_with("parameters"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> Kind {
        classify(&crate::json::parse(text).unwrap().root)
    }

    #[test]
    fn templates_by_scope() {
        let t = |s: &str| {
            format!(
                r#"{{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/{s}#", "resources": []}}"#
            )
        };
        assert_eq!(
            kind(&t("deploymentTemplate.json")),
            Kind::Template(Scope::ResourceGroup)
        );
        assert_eq!(
            kind(&t("subscriptionDeploymentTemplate.json")),
            Kind::Template(Scope::Subscription)
        );
        assert_eq!(
            kind(&t("managementGroupDeploymentTemplate.json")),
            Kind::Template(Scope::ManagementGroup)
        );
        assert_eq!(
            kind(&t("tenantDeploymentTemplate.json")),
            Kind::Template(Scope::Tenant)
        );
        assert_eq!(kind(&t("deploymentParameters.json")), Kind::Parameters);
    }

    #[test]
    fn rest_bodies_and_exports() {
        let body = r#"{"location": "westeurope", "properties": {"dnsPrefix": "x", "agentPoolProfiles": []}}"#;
        assert_eq!(kind(body), Kind::RestBody { wrapped: false });
        let example = r#"{"parameters": {"api-version": "2025-05-01", "parameters": {"properties": {"dnsPrefix": "x", "networkProfile": {}}}}, "responses": {}}"#;
        assert_eq!(kind(example), Kind::RestBody { wrapped: true });
        let export = r#"{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a", "type": "Microsoft.ContainerService/ManagedClusters", "properties": {}}"#;
        assert_eq!(kind(export), Kind::Export);
        assert_eq!(kind(&format!("[{export}]")), Kind::Export);
    }

    #[test]
    fn deployment_names() {
        for yes in [
            "azuredeploy.json",
            "infra/AzureDeploy.parameters.dev.json",
            "mainTemplate.json",
            "x/aks.deploymentTemplate.json",
            "aks.parameters.json",
            "aks.parameters-prod.json",
        ] {
            assert!(name_looks_like_deployment(yes), "{yes}");
        }
        for no in [
            "package.json",
            "parameters.txt",
            "azuredeploy.bicep",
            "tsconfig.json",
        ] {
            assert!(!name_looks_like_deployment(no), "{no}");
        }
    }

    #[test]
    fn other_files() {
        assert_eq!(kind(r#"{"name": "pkg", "version": "1.0.0"}"#), Kind::Other);
        assert_eq!(
            kind(r#"{"$schema": "http://json-schema.org/draft-04/schema#", "definitions": {}}"#),
            Kind::Other
        );
        assert_eq!(
            kind(
                r#"{"properties": {"policyRule": {"if": {}}, "dnsPrefix": 1, "networkProfile": 2}}"#
            ),
            Kind::Other
        );
        assert_eq!(
            kind(
                r#"{"apiVersion": "vlabs", "properties": {"orchestratorProfile": {}, "agentPoolProfiles": [], "masterProfile": {}}}"#
            ),
            Kind::Other
        );
        assert_eq!(kind("[1, 2]"), Kind::Other);
        assert_eq!(kind("\"x\""), Kind::Other);
    }
}
