//! The resolve stage: from a parsed file to the resources it would deploy.
//!
//! Templates are flattened (top-level, child and symbolic-name resources, nested
//! inline deployments, copy instances); every property value becomes an [`RNode`]
//! that remembers where it came from. How strings are evaluated is the job of the
//! [`Evaluator`]: [`arm_eval::ArmEvaluator`] for templates, [`PlainEvaluator`] for REST
//! bodies and exports, whose strings are literals.

pub mod arm_eval;
pub mod tree;

use crate::classify::Kind;
use crate::json::Node;
use crate::source::{FileId, Site};
use tree::{RMember, RNode, RValue};

/// ARM's documented limit on copy loop instances.
pub const MAX_COPY: i64 = 800;

/// The most resources one evaluation expands to (copies and nested deployments
/// included): ARM allows 800 per deployment; a template whose nested deployments add
/// up to more than ten times that is not evaluated (AKS901) rather than exhausting the
/// machine (800 nested copies of an 800-copy loop are 640,000 resources).
pub const MAX_UNIT_RESOURCES: usize = 8_000;

/// The total [`crate::arm::functions::weight`] (about a byte a unit) of the values one
/// evaluation may build. Four times ARM's 4 MB limit on an expanded template, so no
/// deployment ARM accepts comes near it; it bounds a small template's growth (a `map`
/// in a `map` over `range(0, 10000)`) to a few hundred megabytes and seconds.
pub const EVAL_BUDGET: usize = 16_000_000;

/// Turns template nodes into resolved nodes, within the current scope.
pub trait Evaluator<'a> {
    /// Resolves a JSON node of the current template (expressions evaluated).
    fn resolve(&mut self, node: &'a Node, file: FileId) -> RNode;
    /// Resolves a resource's `tags`: names there name nothing deployed, so one known
    /// only at deployment time is no problem.
    fn resolve_tags(&mut self, node: &'a Node, file: FileId) -> RNode {
        self.resolve(node, file)
    }
    /// Enters an instance of a copy loop (`None`: the index is unknown).
    fn push_copy(&mut self, _name: &str, _index: Option<i64>) {}
    fn pop_copy(&mut self) {}
    /// Enters a nested template with its own parameters (`inner` scope or a linked
    /// template); `params` is the deployment's `parameters`, resolved in the current scope.
    fn enter_scope(
        &mut self,
        _file: FileId,
        _template: &'a Node,
        _params: Option<&'a Node>,
        _params_file: FileId,
    ) {
    }
    /// Enters a linked template whose parameters cannot be known (they come from a
    /// `parametersLink`): every parameter is unknown for `reason`, none takes its default.
    fn enter_scope_unknown(&mut self, file: FileId, template: &'a Node, _reason: &str) {
        self.enter_scope(file, template, None, file);
    }
    fn exit_scope(&mut self) {}
    /// Problems found while evaluating (AKS901).
    fn take_problems(&mut self) -> Vec<Problem> {
        Vec::new()
    }
    /// The evaluation budget ([`EVAL_BUDGET`]) is spent: the walk stops.
    fn over_budget(&self) -> bool {
        false
    }
}

/// For REST bodies and exports: every string is a literal, as the API takes it.
pub struct PlainEvaluator;

impl<'a> Evaluator<'a> for PlainEvaluator {
    fn resolve(&mut self, node: &'a Node, file: FileId) -> RNode {
        RNode::literal(node, file)
    }
}

/// Templates another template links to by `templateLink.relativePath`, by file.
pub trait Linker<'a> {
    /// The parsed template at `rel` relative to the directory of `from`.
    fn linked(&self, from: FileId, rel: &str) -> Option<(FileId, &'a Node)>;
}

/// No linked templates available.
pub struct NoLinks;

impl<'a> Linker<'a> for NoLinks {
    fn linked(&self, _from: FileId, _rel: &str) -> Option<(FileId, &'a Node)> {
        None
    }
}

/// What a walk needs besides the evaluator.
pub struct Walk<'w, 'a> {
    pub eval: &'w mut dyn Evaluator<'a>,
    pub links: &'w dyn Linker<'a>,
    /// Files of the templates being walked, outermost first: a linked template that is
    /// already on this stack is a cycle.
    stack: Vec<FileId>,
    /// The unknown conditions of the deployments the walk is inside: a resource in
    /// them exists only if they hold.
    conditions: Vec<String>,
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
    /// `(loop name, index)` for an instance of a copy loop (`None` index: unknown count).
    pub copy: Option<(String, Option<i64>)>,
    /// The `condition` when it could not be evaluated: the resource is checked anyway.
    pub condition: Option<String>,
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
    /// Resources from `external_start` on are network resources deployed by other files
    /// of the scan, added so that a cluster's subnet can be followed across files.
    pub external_start: Option<usize>,
    /// Assumptions the network view made (an unknown subnet taken to be the only
    /// candidate): reported as AKS900 notes so nothing rests on a silent guess.
    pub assumptions: Vec<Problem>,
    /// What the unit deploys that aksgate cannot see (a remote linked template, a
    /// template spec, parameters from a remote file): AKS900, never a silent pass.
    pub unseen: Vec<Problem>,
    /// A parameter file no template could be chosen for: reported (AKS900) with the
    /// templates it could belong to.
    pub unpaired: Option<Unpaired>,
    /// The baselines of some of its resources (`--base`, `--baseline`): the same
    /// resource in the base revision or in an exported live cluster.
    pub baselines: Vec<Baseline>,
    /// The same deployment from the template Bicep compiled from this unit's `.bicep`
    /// (committed beside it), with the same parameters: evaluated only to say when its
    /// verdict differs (a stale build).
    pub compiled: Option<Box<Unit>>,
}

impl Unit {
    /// A unit of `file` that deploys nothing yet.
    pub fn empty(file: FileId, kind: Kind) -> Unit {
        Unit {
            file,
            kind,
            param_file: None,
            resources: Vec::new(),
            problems: Vec::new(),
            external_start: None,
            assumptions: Vec::new(),
            unseen: Vec::new(),
            unpaired: None,
            baselines: Vec::new(),
            compiled: None,
        }
    }

    /// The resources this unit itself deploys.
    pub fn own_resources(&self) -> &[Resource] {
        &self.resources[..self.external_start.unwrap_or(self.resources.len())]
    }

    pub fn is_external(&self, index: usize) -> bool {
        self.external_start.is_some_and(|s| index >= s)
    }
}

/// A parameter file that pairs with no scanned template, or with several alike.
#[derive(Debug, Clone)]
pub struct Unpaired {
    pub site: Site,
    /// Its own path, for the help.
    pub rel: String,
    /// Paths of the templates it could belong to (empty: none beside it).
    pub candidates: Vec<String>,
    /// Why a `.bicepparam` file has none: the `using` it names.
    pub using: Option<String>,
}

/// What a resource was before the change: the same resource in the base git revision, or
/// an exported live cluster. Its sites point into the base file (registered in the scan's
/// sources as `path@REF`) or the export.
#[derive(Debug, Clone)]
pub struct Baseline {
    /// Index of the current resource in [`Unit::resources`].
    pub resource: usize,
    /// The resource as it was, resolved the same way.
    pub base: Resource,
    /// `git` or `export`.
    pub source: &'static str,
    /// Display name of the file it comes from (`infra/aks.json@main`, `live/aks.json`).
    pub file: String,
    /// Display name of the base parameter file of that pairing, if any.
    pub param_file: Option<String>,
    /// The git revision as given (`--base`), for `source` `git`.
    pub revision: Option<String>,
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
pub fn resolve_template<'a>(
    root: &'a Node,
    file: FileId,
    kind: Kind,
    eval: &mut dyn Evaluator<'a>,
    links: &dyn Linker<'a>,
) -> Unit {
    let mut unit = Unit::empty(file, kind);
    let mut w = Walk {
        eval,
        links,
        stack: vec![file],
        conditions: Vec::new(),
    };
    match root.get("resources") {
        Some(res) => walk_resources(res, file, None, &mut w, &mut unit, 0),
        None => unit.problems.push(Problem {
            site: head(file, root),
            message: "deployment template has no `resources` section".into(),
        }),
    }
    let over = if w.eval.over_budget() {
        Some(budget_message())
    } else if unit.resources.len() > MAX_UNIT_RESOURCES {
        Some(format!(
            "it expands to more than {MAX_UNIT_RESOURCES} resources (ARM allows 800 per deployment; aksgate evaluates at most {MAX_UNIT_RESOURCES} in one deployment, its nested deployments included)"
        ))
    } else {
        None
    };
    unit.problems.extend(w.eval.take_problems());
    if let Some(why) = over {
        // What was built is partial: judged as it is, a resource left out would pass.
        // The whole deployment is one error instead.
        unit.resources = Vec::new();
        unit.problems.push(Problem {
            site: head(file, root),
            message: format!("the deployment is not evaluated: {why}"),
        });
    }
    unit
}

/// Why a deployment whose [`EVAL_BUDGET`] is spent is not evaluated.
pub fn budget_message() -> String {
    format!(
        "evaluating it builds more than {} MB of values (aksgate's evaluation budget, four times ARM's 4 MB limit on an expanded template)",
        EVAL_BUDGET / 1_000_000
    )
}

/// The walk must stop: the budget is spent, or the resources are too many.
fn stop(w: &Walk<'_, '_>, unit: &Unit) -> bool {
    w.eval.over_budget() || unit.resources.len() > MAX_UNIT_RESOURCES
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

fn walk_resources<'a>(
    res: &'a Node,
    file: FileId,
    parent: Option<usize>,
    w: &mut Walk<'_, 'a>,
    unit: &mut Unit,
    depth: usize,
) {
    let items: Vec<&'a Node> = if let Some(a) = res.as_array() {
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
        if stop(w, unit) {
            return;
        }
        walk_copies(item, file, parent, w, unit, depth);
    }
}

/// Expands a resource's `copy` loop into its instances (at most [`MAX_COPY`]).
fn walk_copies<'a>(
    item: &'a Node,
    file: FileId,
    parent: Option<usize>,
    w: &mut Walk<'_, 'a>,
    unit: &mut Unit,
    depth: usize,
) {
    let Some(copy) = item.get("copy").filter(|c| c.as_object().is_some()) else {
        walk_resource(item, file, parent, w, unit, depth, None);
        return;
    };
    let name = copy
        .get("name")
        .and_then(Node::as_str)
        .unwrap_or("")
        .to_string();
    let count = copy.get("count").map(|c| (c, w.eval.resolve(c, file)));
    match count {
        Some((
            _,
            RNode {
                value: RValue::Int(n),
                ..
            },
        )) if (0..=MAX_COPY).contains(&n) => {
            for i in 0..n {
                if stop(w, unit) {
                    return;
                }
                walk_instance(item, file, parent, w, unit, depth, &name, Some(i));
            }
        }
        Some((
            c,
            RNode {
                value: RValue::Int(n),
                ..
            },
        )) => {
            unit.problems.push(Problem {
                site: Site::new(file, c.span),
                message: format!(
                    "copy loop '{name}' asks for {n} instances; ARM allows 0 to {MAX_COPY}"
                ),
            });
        }
        _ => {
            // Unknown count: check one representative instance whose index is unknown.
            walk_instance(item, file, parent, w, unit, depth, &name, None);
        }
    }
}

/// One instance of a copy loop: the index is visible to `copyIndex()` while it is walked.
#[allow(clippy::too_many_arguments)]
fn walk_instance<'a>(
    item: &'a Node,
    file: FileId,
    parent: Option<usize>,
    w: &mut Walk<'_, 'a>,
    unit: &mut Unit,
    depth: usize,
    name: &str,
    index: Option<i64>,
) {
    w.eval.push_copy(name, index);
    walk_resource(
        item,
        file,
        parent,
        w,
        unit,
        depth,
        Some((name.to_string(), index)),
    );
    w.eval.pop_copy();
}

#[allow(clippy::too_many_arguments)]
fn walk_resource<'a>(
    item: &'a Node,
    file: FileId,
    parent: Option<usize>,
    w: &mut Walk<'_, 'a>,
    unit: &mut Unit,
    depth: usize,
    copy: Option<(String, Option<i64>)>,
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
    let mut condition = None;
    if let Some(cond) = item.get("condition") {
        let c = w.eval.resolve(cond, file);
        match &c.value {
            RValue::Bool(false) => return,
            RValue::Bool(true) => {}
            RValue::Unknown(u) => condition = Some(u.expr.clone()),
            _ => condition = cond.as_str().map(str::to_string),
        }
    }
    // An enclosing deployment's unknown condition is this resource's too.
    let own = condition.clone();
    if !w.conditions.is_empty() {
        let mut all = w.conditions.clone();
        all.extend(condition.take());
        condition = Some(all.join(" and "));
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

    let mut node = resolve_without_children(item, file, w.eval);
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
        copy,
        condition,
        site: Site::new(file, item.span),
    });
    if let Some(children) = item.get("resources") {
        walk_resources(children, file, Some(idx), w, unit, depth);
    }
    if full_type.eq_ignore_ascii_case("Microsoft.Resources/deployments") {
        let before = w.conditions.len();
        w.conditions.extend(own);
        walk_nested(item, file, w, unit, depth);
        w.conditions.truncate(before);
    }
    // A template spec version holds a template of its own: what it deploys when used,
    // checked with its defaults (its parameters are given when it is deployed).
    if full_type.eq_ignore_ascii_case("Microsoft.Resources/templateSpecs/versions") {
        if let Some(tpl) = item.get("properties").and_then(|p| p.get("mainTemplate")) {
            if let Some(res) = tpl.get("resources") {
                if depth < MAX_NESTING {
                    w.eval.enter_scope(file, tpl, None, file);
                    walk_resources(res, file, None, w, unit, depth + 1);
                    w.eval.exit_scope();
                }
            }
        }
    }
}

/// Follows a nested deployment: an inline `template` (scope `outer` evaluates it with the
/// parent's parameters and variables, `inner` with its own), or a linked template by
/// `templateLink.relativePath` / relative `uri` inside the scanned tree.
fn walk_nested<'a>(
    item: &'a Node,
    file: FileId,
    w: &mut Walk<'_, 'a>,
    unit: &mut Unit,
    depth: usize,
) {
    let Some(props) = item.get("properties") else {
        return;
    };
    if depth >= MAX_NESTING {
        unit.problems.push(Problem {
            site: head(file, item),
            message: format!(
                "nested deployments deeper than {MAX_NESTING} levels are not followed"
            ),
        });
        return;
    }
    let params = props.get("parameters");
    if let Some(tpl) = props.get("template") {
        let inner = props
            .get("expressionEvaluationOptions")
            .and_then(|o| o.get("scope"))
            .and_then(Node::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("inner"));
        let Some(res) = tpl.get("resources") else {
            return;
        };
        if inner {
            w.eval.enter_scope(file, tpl, params, file);
            walk_resources(res, file, None, w, unit, depth + 1);
            w.eval.exit_scope();
        } else {
            walk_resources(res, file, None, w, unit, depth + 1);
        }
        return;
    }
    let Some(link) = props.get("templateLink") else {
        return;
    };
    let not_visible = |unit: &mut Unit, at: &Node, what: String| {
        unit.problems.push(Problem {
            site: Site::new(file, at.span),
            message: format!("{what}: its resources are not checked"),
        });
    };
    // A template spec version, by id: deployed from Azure, not from the scanned files.
    if let (Some(id), None) = (link.get("id"), link.get("relativePath")) {
        let shown = w.eval.resolve(id, file);
        let shown = shown
            .as_str()
            .map_or_else(|| "an id known at deployment".to_string(), str::to_string);
        return unknown_link(
            unit,
            Site::new(file, id.span),
            format!("the template spec {shown} is not visible to aksgate"),
        );
    }
    let Some(rel_node) = link.get("relativePath").or_else(|| link.get("uri")) else {
        return;
    };
    let resolved = w.eval.resolve(rel_node, file);
    let rel = match &resolved.value {
        RValue::Str(s) => s.clone(),
        RValue::Unknown(u) => {
            return unknown_link(
                unit,
                Site::new(file, rel_node.span),
                format!(
                    "the linked template's location {} is unknown ({})",
                    u.expr, u.reason
                ),
            );
        }
        _ => {
            return not_visible(
                unit,
                rel_node,
                "the linked template's location is not a string".into(),
            )
        }
    };
    let rel = match crate::arm::functions::self_relative(&rel) {
        // Beside the linking template (`deployment().properties.templateLink.uri`).
        Some(r) => r.to_string(),
        None if rel.contains("://")
            || rel.starts_with("br:")
            || rel.starts_with("br/")
            || rel.starts_with("ts:") =>
        {
            return unknown_link(
                unit,
                Site::new(file, rel_node.span),
                format!("the linked template {rel} is not visible to aksgate (a remote template)"),
            );
        }
        None => rel,
    };
    let rel = rel.as_str();
    // Parameters from a file of their own (`parametersLink`): aksgate does not read
    // them, so the linked template's parameters are unknown, never its defaults.
    let params_unknown = props.get("parametersLink").map(|pl| {
        let at = pl.get("uri").unwrap_or(pl);
        let shown = w.eval.resolve(at, file);
        let shown = shown.as_str().unwrap_or("(an expression)").to_string();
        let why = format!("the linked template's parameters come from parametersLink {shown}, which aksgate does not read: they are unknown");
        unknown_link(unit, Site::new(file, at.span), why.clone());
        why
    });
    let Some((linked_file, linked)) = w.links.linked(file, rel) else {
        unit.problems.push(Problem {
            site: Site::new(file, rel_node.span),
            message: format!("linked template `{rel}` is not among the scanned files: its resources are not checked"),
        });
        return;
    };
    if w.stack.contains(&linked_file) {
        unit.problems.push(Problem {
            site: Site::new(file, rel_node.span),
            message: format!("linked template `{rel}` links back to a template that includes it: a cycle ARM cannot deploy"),
        });
        return;
    }
    let Some(res) = linked.get("resources") else {
        return;
    };
    w.stack.push(linked_file);
    match &params_unknown {
        Some(why) => w.eval.enter_scope_unknown(linked_file, linked, why),
        None => w.eval.enter_scope(linked_file, linked, params, file),
    }
    walk_resources(res, linked_file, None, w, unit, depth + 1);
    w.eval.exit_scope();
    w.stack.pop();
}

/// A linked template or its parameters cannot be seen: an AKS900 note on the unit
/// (never a silent pass), which the report shows as a warning.
fn unknown_link(unit: &mut Unit, site: Site, message: String) {
    unit.unseen.push(Problem { site, message });
}

/// Resolves a resource object, leaving out its child `resources` (flattened separately)
/// and the inline template of a nested deployment (its resources are flattened too).
fn resolve_without_children<'a>(
    item: &'a Node,
    file: FileId,
    eval: &mut dyn Evaluator<'a>,
) -> RNode {
    let members = item.as_object().unwrap_or_default();
    let mut out = Vec::with_capacity(members.len());
    for m in members {
        if m.key.eq_ignore_ascii_case("resources") {
            continue;
        }
        // A nested template (`template`, a template spec's `mainTemplate`) is walked in
        // its own scope, not resolved as values of this one.
        let nested =
            |k: &str| k.eq_ignore_ascii_case("template") || k.eq_ignore_ascii_case("mainTemplate");
        let value = if m.key.eq_ignore_ascii_case("properties")
            && m.value
                .as_object()
                .is_some_and(|ms| ms.iter().any(|pm| nested(&pm.key)))
        {
            let mut props = Vec::new();
            for pm in m.value.as_object().unwrap_or_default() {
                if nested(&pm.key) {
                    continue;
                }
                props.push(RMember {
                    key: pm.key.clone(),
                    key_site: Some(Site::new(file, pm.key_span)),
                    value: eval.resolve(&pm.value, file),
                });
            }
            RNode::new(RValue::Object(props), Site::new(file, m.value.span))
        } else if m.key.eq_ignore_ascii_case("tags") {
            eval.resolve_tags(&m.value, file)
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
pub fn resolve_rest_body<'a>(
    root: &'a Node,
    file: FileId,
    wrapped: bool,
    eval: &mut dyn Evaluator<'a>,
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

/// A parameter file no template could be chosen for: a unit that deploys nothing and
/// says so.
pub fn unpaired_parameters(
    root: &Node,
    file: FileId,
    rel: String,
    candidates: Vec<String>,
) -> Unit {
    let site = Site::new(
        file,
        root.member("parameters").map_or(root.span, |m| m.key_span),
    );
    Unit {
        unpaired: Some(Unpaired {
            using: crate::bicep::lower::is_bicepparam(&rel)
                .then(|| crate::bicep::lower::using_of(root).map(str::to_string))
                .flatten(),
            site,
            rel,
            candidates,
        }),
        ..Unit::empty(file, Kind::Parameters)
    }
}

/// An exported cluster, or an array of them.
pub fn resolve_export<'a>(root: &'a Node, file: FileId, eval: &mut dyn Evaluator<'a>) -> Unit {
    let items: Vec<&'a Node> = match root.as_array() {
        Some(a) => a.iter().collect(),
        None => vec![root],
    };
    let mut unit = Unit::empty(file, Kind::Export);
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

fn single_cluster<'a>(
    body: &'a Node,
    file: FileId,
    kind: Kind,
    api_version: Option<String>,
    name_node: Option<&'a Node>,
    eval: &mut dyn Evaluator<'a>,
) -> Unit {
    let mut node = resolve_without_children(body, file, eval);
    if body.get("properties").is_none() {
        // `az aks show -o json` flattens the resource: the cluster's properties sit at the
        // top level. Present them under `properties`, keeping their spans.
        let flat = node.clone();
        let mut wrapped = vec![tree::RMember {
            key: "properties".into(),
            key_site: None,
            value: flat.clone(),
        }];
        for k in ["name", "location", "sku", "identity", "id", "tags"] {
            if let Some(m) = flat.member(k) {
                wrapped.push(m.clone());
            }
        }
        node = RNode::new(RValue::Object(wrapped), flat.site);
    }
    set_member(
        &mut node,
        "type",
        RNode::new(RValue::Str(CLUSTER_TYPE.into()), Site::new(file, body.span)),
    );
    let name = name_node
        .map(|n| eval.resolve(n, file))
        .unwrap_or_else(|| RNode::new(RValue::Null, Site::new(file, body.span)));
    Unit {
        resources: vec![Resource {
            ty: CLUSTER_TYPE.into(),
            api_version,
            name,
            node,
            parent: None,
            copy: None,
            condition: None,
            site: Site::new(file, body.span),
        }],
        ..Unit::empty(file, kind)
    }
}
