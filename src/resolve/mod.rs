//! The resolve stage: from a parsed file to the resources it would deploy.
//!
//! Templates are flattened (top-level, child and symbolic-name resources, nested
//! inline deployments, copy instances); every property value becomes an [`RNode`]
//! that remembers where it came from. How template strings are evaluated is the job
//! of the [`Evaluator`]: the literal evaluator marks every expression unknown, the ARM
//! evaluator (in `arm`) computes them.

pub mod tree;

use crate::classify::Kind;
use crate::json::Node;
use crate::source::{FileId, Site};
use tree::{RMember, RNode, RValue};

/// ARM's documented limit on copy loop instances.
pub const MAX_COPY: i64 = 800;

/// Turns template nodes into resolved nodes.
pub trait Evaluator {
    /// Resolves a JSON node of the current template (expressions evaluated).
    fn resolve(&mut self, node: &Node, file: FileId) -> RNode;
}

/// Evaluates nothing: literals stay as written, every expression is unknown.
pub struct LiteralEvaluator;

impl Evaluator for LiteralEvaluator {
    fn resolve(&mut self, node: &Node, file: FileId) -> RNode {
        let mut n = RNode::literal(node, file);
        mark_expressions(&mut n);
        n
    }
}

fn mark_expressions(n: &mut RNode) {
    match &mut n.value {
        RValue::Str(s) if s.starts_with('[') && !s.starts_with("[[") && s.ends_with(']') => {
            let expr = s.clone();
            n.value = RValue::Unknown(Box::new(crate::arm::value::Unknown {
                expr,
                reason: "template expressions are not evaluated".into(),
            }));
        }
        RValue::Str(s) if s.starts_with("[[") => {
            s.remove(0);
        }
        RValue::Array(items) => items.iter_mut().for_each(mark_expressions),
        RValue::Object(members) => members
            .iter_mut()
            .for_each(|m| mark_expressions(&mut m.value)),
        _ => {}
    }
}

/// One resource a unit deploys.
#[derive(Debug, Clone)]
pub struct Resource {
    /// Full type in canonical casing where known (`Microsoft.ContainerService/managedClusters/agentPools`).
    pub ty: String,
    pub api_version: Option<String>,
    /// Full name (`cluster/pool` for children) when known.
    pub name: RNode,
    /// The resolved resource object (its `properties`, `sku`, ... as members).
    pub node: RNode,
    pub parent: Option<usize>,
    /// `(loop name, index)` for an instance of a copy loop.
    pub copy: Option<(String, i64)>,
    /// The resource object in the source, for findings about the resource as a whole.
    pub site: Site,
}

/// A problem with the shape of a deployment file: reported as AKS901.
#[derive(Debug, Clone)]
pub struct Problem {
    pub site: Site,
    pub message: String,
}

/// One evaluation of a deployment file: a template with one parameter-file pairing (or
/// its defaults), a REST body, or an exported cluster.
#[derive(Debug, Clone)]
pub struct Unit {
    pub file: FileId,
    pub kind: Kind,
    pub param_file: Option<FileId>,
    pub resources: Vec<Resource>,
    pub problems: Vec<Problem>,
}

const CLUSTER_TYPE: &str = "Microsoft.ContainerService/managedClusters";

/// Canonical casing of the resource types the rules read; other types keep their casing.
pub fn canonical_type(ty: &str) -> String {
    const KNOWN: &[&str] = &[
        CLUSTER_TYPE,
        "Microsoft.ContainerService/managedClusters/agentPools",
        "Microsoft.Network/virtualNetworks",
        "Microsoft.Network/virtualNetworks/subnets",
        "Microsoft.Network/routeTables",
        "Microsoft.Network/routeTables/routes",
        "Microsoft.Network/publicIPAddresses",
        "Microsoft.Network/publicIPPrefixes",
        "Microsoft.Network/natGateways",
        "Microsoft.Network/azureFirewalls",
        "Microsoft.Network/networkSecurityGroups",
        "Microsoft.Resources/deployments",
    ];
    KNOWN
        .iter()
        .find(|k| k.eq_ignore_ascii_case(ty))
        .map(|k| k.to_string())
        .unwrap_or_else(|| ty.to_string())
}

/// Resolves a template: flattens its resources with `eval` deciding values.
pub fn resolve_template(root: &Node, file: FileId, kind: Kind, eval: &mut dyn Evaluator) -> Unit {
    let mut unit = Unit {
        file,
        kind,
        param_file: None,
        resources: Vec::new(),
        problems: Vec::new(),
    };
    match root.get("resources") {
        Some(res) => walk_resources(res, file, None, eval, &mut unit, 0),
        None => unit.problems.push(Problem {
            site: head(file, root),
            message: "deployment template has no `resources` section".into(),
        }),
    }
    unit
}

/// The first character of a node: where a problem with a whole object is reported,
/// so the diagnostic shows the opening brace rather than the entire object.
fn head(file: FileId, node: &Node) -> Site {
    Site {
        file,
        start: node.span.start,
        end: (node.span.start + 1).min(node.span.end),
    }
}

/// Nested inline deployments may nest again; ARM's own limit is far below this.
const MAX_NESTING: usize = 32;

fn walk_resources(
    res: &Node,
    file: FileId,
    parent: Option<usize>,
    eval: &mut dyn Evaluator,
    unit: &mut Unit,
    depth: usize,
) {
    let items: Vec<&Node> = if let Some(a) = res.as_array() {
        a.iter().collect()
    } else if let Some(o) = res.as_object() {
        // languageVersion 2.0: resources keyed by symbolic name.
        o.iter().map(|m| &m.value).collect()
    } else {
        unit.problems.push(Problem {
            site: Site::new(file, res.span),
            message: format!(
                "`resources` must be an array or an object, found {}",
                res.kind_name()
            ),
        });
        return;
    };
    for item in items {
        walk_resource(item, file, parent, eval, unit, depth);
    }
}

fn walk_resource(
    item: &Node,
    file: FileId,
    parent: Option<usize>,
    eval: &mut dyn Evaluator,
    unit: &mut Unit,
    depth: usize,
) {
    if item.as_object().is_none() {
        unit.problems.push(Problem {
            site: Site::new(file, item.span),
            message: format!("a resource must be an object, found {}", item.kind_name()),
        });
        return;
    }
    let Some(ty_node) = item.get("type") else {
        unit.problems.push(Problem {
            site: head(file, item),
            message: "resource has no `type`".into(),
        });
        return;
    };
    let Some(ty) = ty_node.as_str() else {
        unit.problems.push(Problem {
            site: Site::new(file, ty_node.span),
            message: format!(
                "resource `type` must be a string, found {}",
                ty_node.kind_name()
            ),
        });
        return;
    };
    // `existing` resources are references, not deployments.
    if item.get("existing").and_then(Node::as_bool) == Some(true) {
        return;
    }
    if let Some(cond) = item.get("condition") {
        let c = eval.resolve(cond, file);
        if matches!(c.value, RValue::Bool(false)) {
            return;
        }
    }
    let (full_type, parent_name) = match parent {
        Some(p) if !ty.contains('/') || !ty.contains('.') => {
            let pt = &unit.resources[p].ty;
            (
                format!("{pt}/{ty}"),
                unit.resources[p].name.as_str().map(str::to_string),
            )
        }
        _ => (ty.to_string(), None),
    };
    let full_type = canonical_type(&full_type);

    let mut node = resolve_without_children(item, file, eval);
    let api_version = node
        .get("apiVersion")
        .and_then(RNode::as_str)
        .map(str::to_string);
    let mut name = node
        .get("name")
        .cloned()
        .unwrap_or_else(|| RNode::new(RValue::Null, Site::new(file, item.span)));
    if let (Some(pn), RValue::Str(n)) = (&parent_name, &mut name.value) {
        if !n.contains('/') {
            *n = format!("{pn}/{n}");
        }
    }
    set_member(
        &mut node,
        "type",
        RNode::new(
            RValue::Str(full_type.clone()),
            Site::new(file, ty_node.span),
        ),
    );
    let idx = unit.resources.len();
    unit.resources.push(Resource {
        ty: full_type.clone(),
        api_version,
        name,
        node,
        parent,
        copy: None,
        site: Site::new(file, item.span),
    });
    if let Some(children) = item.get("resources") {
        walk_resources(children, file, Some(idx), eval, unit, depth);
    }
    if full_type.eq_ignore_ascii_case("Microsoft.Resources/deployments") {
        if let Some(tpl) = item.get("properties").and_then(|p| p.get("template")) {
            if depth >= MAX_NESTING {
                unit.problems.push(Problem {
                    site: Site::new(file, tpl.span),
                    message: format!(
                        "nested deployments deeper than {MAX_NESTING} levels are not followed"
                    ),
                });
            } else if let Some(res) = tpl.get("resources") {
                walk_resources(res, file, None, eval, unit, depth + 1);
            }
        }
    }
}

/// Resolves a resource object, leaving out its child `resources` (flattened separately)
/// and the inline template of a nested deployment (its resources are flattened too).
fn resolve_without_children(item: &Node, file: FileId, eval: &mut dyn Evaluator) -> RNode {
    let members = item.as_object().unwrap_or_default();
    let mut out = Vec::with_capacity(members.len());
    for m in members {
        if m.key.eq_ignore_ascii_case("resources") {
            continue;
        }
        let value = if m.key.eq_ignore_ascii_case("properties") && m.value.get("template").is_some()
        {
            let mut props = Vec::new();
            for pm in m.value.as_object().unwrap_or_default() {
                if pm.key.eq_ignore_ascii_case("template") {
                    continue;
                }
                props.push(RMember {
                    key: pm.key.clone(),
                    key_site: Some(Site::new(file, pm.key_span)),
                    value: eval.resolve(&pm.value, file),
                });
            }
            RNode::new(RValue::Object(props), Site::new(file, m.value.span))
        } else {
            eval.resolve(&m.value, file)
        };
        out.push(RMember {
            key: m.key.clone(),
            key_site: Some(Site::new(file, m.key_span)),
            value,
        });
    }
    RNode::new(RValue::Object(out), Site::new(file, item.span))
}

fn set_member(node: &mut RNode, key: &str, value: RNode) {
    if let RValue::Object(members) = &mut node.value {
        if let Some(m) = members.iter_mut().find(|m| m.key.eq_ignore_ascii_case(key)) {
            m.value = value;
        } else {
            members.push(RMember {
                key: key.to_string(),
                key_site: None,
                value,
            });
        }
    }
}

/// A REST request body (or the body inside a REST example file) as one cluster resource.
pub fn resolve_rest_body(
    root: &Node,
    file: FileId,
    wrapped: bool,
    eval: &mut dyn Evaluator,
) -> Unit {
    let (body, api_version) = if wrapped {
        let params = root.get("parameters");
        (
            params.and_then(|p| p.get("parameters")).unwrap_or(root),
            params
                .and_then(|p| p.get("api-version"))
                .and_then(Node::as_str)
                .map(str::to_string),
        )
    } else {
        (
            root,
            root.get("apiVersion")
                .and_then(Node::as_str)
                .map(str::to_string),
        )
    };
    let name_node = if wrapped {
        root.get("parameters").and_then(|p| p.get("resourceName"))
    } else {
        body.get("name")
    };
    single_cluster(
        body,
        file,
        Kind::RestBody { wrapped },
        api_version,
        name_node,
        eval,
    )
}

/// An exported cluster, or an array of them.
pub fn resolve_export(root: &Node, file: FileId, eval: &mut dyn Evaluator) -> Unit {
    let items: Vec<&Node> = match root.as_array() {
        Some(a) => a.iter().collect(),
        None => vec![root],
    };
    let mut unit = Unit {
        file,
        kind: Kind::Export,
        param_file: None,
        resources: Vec::new(),
        problems: Vec::new(),
    };
    for item in items {
        let api = item
            .get("apiVersion")
            .and_then(Node::as_str)
            .map(str::to_string);
        let u = single_cluster(item, file, Kind::Export, api, item.get("name"), eval);
        unit.resources.extend(u.resources);
        unit.problems.extend(u.problems);
    }
    unit
}

fn single_cluster(
    body: &Node,
    file: FileId,
    kind: Kind,
    api_version: Option<String>,
    name_node: Option<&Node>,
    eval: &mut dyn Evaluator,
) -> Unit {
    let mut node = resolve_without_children(body, file, eval);
    set_member(
        &mut node,
        "type",
        RNode::new(RValue::Str(CLUSTER_TYPE.into()), Site::new(file, body.span)),
    );
    let name = name_node
        .map(|n| eval.resolve(n, file))
        .unwrap_or_else(|| RNode::new(RValue::Null, Site::new(file, body.span)));
    Unit {
        file,
        kind,
        param_file: None,
        resources: vec![Resource {
            ty: CLUSTER_TYPE.into(),
            api_version,
            name,
            node,
            parent: None,
            copy: None,
            site: Site::new(file, body.span),
        }],
        problems: Vec::new(),
    }
}
