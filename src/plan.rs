//! Which evaluations a scan makes, decided from a few facts per file rather than from
//! parse trees, so a streaming scan can plan before it resolves anything: parameter
//! files are paired with templates, and templates linked from a parent are evaluated
//! through it.

use crate::classify::Kind;
use crate::json::{self, Node, Skim};
use crate::pairing::{self, FileRef};
use crate::source::FileId;
use std::collections::{HashMap, HashSet};

/// The network resource types other files' clusters can reference (see
/// [`crate::network`]).
pub const SHARED_TYPES: &[&str] = &[
    "microsoft.network/virtualnetworks",
    "microsoft.network/virtualnetworks/subnets",
    "microsoft.network/routetables",
    "microsoft.network/routetables/routes",
    "microsoft.network/azurefirewalls",
    "microsoft.network/firewallpolicies",
    "microsoft.network/firewallpolicies/rulecollectiongroups",
    "microsoft.network/networkinterfaces",
    "microsoft.network/loadbalancers",
    "microsoft.network/applicationgateways",
    "microsoft.network/natgateways",
    "microsoft.network/networksecuritygroups",
    "microsoft.network/publicipaddresses",
    "microsoft.network/publicipprefixes",
];

/// A cluster's and a standalone agent pool's resource type, lower-cased.
pub const CLUSTER_TYPE: &str = "microsoft.containerservice/managedclusters";
pub const POOL_TYPE: &str = "microsoft.containerservice/managedclusters/agentpools";

/// Clusters and agent pools: what needs the scan's network to be evaluated.
pub const CLUSTER_TYPES: &[&str] = &[CLUSTER_TYPE, POOL_TYPE];

/// The resource types the built-in rules report on: clusters, agent pools, and the
/// public IPs AKS007 forbids wherever they are created.
pub const RULE_TYPES: &[&str] = &[
    "microsoft.containerservice/managedclusters",
    "microsoft.containerservice/managedclusters/agentpools",
    "microsoft.network/publicipaddresses",
    "microsoft.network/publicipprefixes",
];

/// What planning needs to know of a deployment file.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub kind: Kind,
    /// A template's declared parameters, or the parameters a parameter file sets.
    pub names: pairing::Names,
    /// A lowered `.bicepparam` file's `using` template (`""`: `using none`); believed
    /// only of a file named `.bicepparam`.
    pub using: Option<Box<str>>,
    /// The base files a lowered `.bicepparam` file `extends` (paths from the root);
    /// boxed: a scan holds the facts of every file.
    pub extends: Option<Box<Vec<Box<str>>>>,
    /// Literal `templateLink.relativePath` values.
    pub links: Vec<String>,
    /// May deploy a network resource other files' clusters can reference: a `type` in
    /// [`SHARED_TYPES`], or a `type` written as an expression.
    pub network: bool,
    /// May deploy a cluster or an agent pool: a `type` in [`CLUSTER_TYPES`] or written
    /// as an expression, a REST body or an export.
    pub cluster: bool,
    /// May deploy a standalone `managedClusters/agentPools` resource, whose cluster
    /// another file may deploy: then clusters are shared across files like networks.
    pub pools: bool,
}

impl Facts {
    /// The facts of a parsed file.
    pub fn of(root: &Node, kind: &Kind) -> Facts {
        let mut types = Types::default();
        if !matches!(kind, Kind::Parameters) {
            types.visit(root, 0);
        }
        let mut links = Vec::new();
        if matches!(kind, Kind::Template(_)) {
            linked_paths(root, &mut links, 0);
        }
        Facts::new(root, kind, links, types)
    }

    /// The same facts from a skim of the file ([`json::skim`]): its kept levels hold
    /// the parameter names, and it lists every `type` string and every
    /// `templateLink.relativePath` that [`linked_paths`] visits.
    pub fn from_skim(s: &Skim, kind: &Kind) -> Facts {
        let mut types = Types::default();
        if !matches!(kind, Kind::Parameters) {
            s.types.iter().for_each(|t| types.note(t));
        }
        let links = if matches!(kind, Kind::Template(_)) {
            s.links.clone()
        } else {
            Vec::new()
        };
        Facts::new(&s.root, kind, links, types)
    }

    fn new(root: &Node, kind: &Kind, links: Vec<String>, types: Types) -> Facts {
        let names = match kind {
            Kind::Template(_) => pairing::Names::new(pairing::declared_params(root)),
            Kind::Parameters => pairing::Names::new(pairing::set_params(root)),
            _ => pairing::Names::default(),
        };
        let using = match kind {
            Kind::Parameters => crate::bicep::lower::using_of(root).map(Into::into),
            _ => None,
        };
        let extends = match kind {
            Kind::Parameters => {
                let bases = crate::bicep::lower::extends_of(root);
                (!bases.is_empty()).then(|| Box::new(bases.into_iter().map(Into::into).collect()))
            }
            _ => None,
        };
        Facts {
            kind: kind.clone(),
            names,
            using,
            extends,
            links,
            network: types.network,
            cluster: types.cluster || matches!(kind, Kind::RestBody { .. } | Kind::Export),
            pools: types.pools || matches!(kind, Kind::RestBody { .. } | Kind::Export),
        }
    }
}

/// Which kinds of resource a file may deploy, from its `type` strings (a `type`
/// written as an expression may be either).
#[derive(Default)]
struct Types {
    network: bool,
    cluster: bool,
    pools: bool,
}

impl Types {
    /// A `type` member's string value.
    fn note(&mut self, t: &str) {
        let computed = t.starts_with('[');
        let listed = |list: &[&str]| list.iter().any(|l| l.eq_ignore_ascii_case(t));
        self.network |= computed || listed(SHARED_TYPES);
        self.cluster |= computed || listed(CLUSTER_TYPES);
        self.pools |= computed || listed(&[POOL_TYPE]);
    }

    /// Every `type` member of a tree, in one walk that stops once both are known.
    fn visit(&mut self, n: &Node, depth: usize) {
        // The parser caps nesting; this bound only keeps the walk finite on its own.
        if depth > 512 {
            (self.network, self.cluster, self.pools) = (true, true, true);
        }
        if self.network && self.cluster && self.pools {
            return;
        }
        match &n.value {
            json::Value::Object(members) => {
                for m in members {
                    if let Some(t) = m
                        .value
                        .as_str()
                        .filter(|_| m.key.eq_ignore_ascii_case("type"))
                    {
                        self.note(t);
                    }
                    self.visit(&m.value, depth + 1);
                }
            }
            json::Value::Array(items) => items.iter().for_each(|i| self.visit(i, depth + 1)),
            _ => {}
        }
    }
}

/// The scanned file a `templateLink` names, as far as the planner can tell without
/// evaluating: a literal `relativePath`; without one, a literal relative `uri`, or the
/// quickstart convention `uri(<base>, 'nested/x.json')` (with a SAS token
/// `concat`enated or not) whose base is `deployment().properties.templateLink.uri` or
/// the `_artifactsLocation` parameter that defaults to it. The resolver decides at
/// evaluation (`crate::arm::functions::SELF_URI`); this only keeps such a template from
/// being judged alone as if nothing passed it parameters.
pub fn link_of(path: Option<&str>, uri: Option<&str>) -> Option<String> {
    if let Some(p) = path {
        return (!p.starts_with('[')).then(|| p.to_string());
    }
    let uri = uri?;
    if !uri.starts_with('[') {
        return (!uri.contains("://")).then(|| uri.to_string());
    }
    let inner = crate::arm::expr::as_expression(uri)?;
    let expr = crate::arm::expr::parse(inner).ok()?;
    self_link(&expr)
}

/// [`link_of`] of a `templateLink` node.
pub fn link_of_node(link: &Node) -> Option<String> {
    link.as_object()?;
    let s = |k: &str| match link.get(k) {
        Some(n) => n.as_str().map(Some).ok_or(()),
        None => Ok(None),
    };
    // As the skim reads them: the first member of each name, which must be a string.
    match (s("relativePath"), s("uri")) {
        (Ok(Some(p)), _) => link_of(Some(p), None),
        (Err(()), _) => None,
        (Ok(None), Ok(u)) => link_of(None, u),
        (Ok(None), Err(())) => None,
    }
}

fn self_link(e: &crate::arm::expr::Expr) -> Option<String> {
    use crate::arm::expr::Expr;
    let Expr::Call { name, args } = e else {
        return None;
    };
    match name.to_ascii_lowercase().as_str() {
        "concat" | "format" => args.first().and_then(self_link),
        "uri" if args.len() == 2 && is_self_base(&args[0]) => match &args[1] {
            Expr::Str(rel) => Some(rel.clone()),
            // `concat('nested/x.json', parameters('_artifactsLocationSasToken'))`
            Expr::Call { name, args: parts } if name.eq_ignore_ascii_case("concat") => {
                match parts.first() {
                    Some(Expr::Str(rel)) => Some(rel.clone()),
                    _ => None,
                }
            }
            _ => None,
        },
        _ => None,
    }
}

/// `deployment().properties.templateLink.uri` or `parameters('_artifactsLocation')`.
fn is_self_base(e: &crate::arm::expr::Expr) -> bool {
    let text = e.to_string().to_ascii_lowercase().replace(' ', "");
    text == "deployment().properties.templatelink.uri" || text == "parameters('_artifactslocation')"
}

/// The linked files of a template: [`link_of_node`] of every `templateLink` at a level
/// the skim searches.
pub fn linked_paths(n: &Node, out: &mut Vec<String>, depth: usize) {
    if depth > json::LINK_LEVEL {
        return;
    }
    if let Some(rel) = n.get("templateLink").and_then(link_of_node) {
        out.push(rel);
    }
    match &n.value {
        json::Value::Object(members) => members
            .iter()
            .for_each(|m| linked_paths(&m.value, out, depth + 1)),
        json::Value::Array(items) => items.iter().for_each(|i| linked_paths(i, out, depth + 1)),
        _ => {}
    }
}

/// One evaluation: a template (with one of its parameter files, or none), a REST body
/// or an export.
#[derive(Debug, Clone)]
pub struct Job {
    pub file: FileId,
    pub kind: Kind,
    pub params: Option<FileId>,
    /// The scanned templates reachable from `file` through literal links: what must be
    /// loaded to resolve it.
    pub linked: Vec<FileId>,
    /// For a parameter file no template could be chosen for (its job reports that):
    /// the templates it could belong to, alike.
    pub candidates: Box<[FileId]>,
}

impl Job {
    /// Every file the job reads.
    pub fn files(&self) -> impl Iterator<Item = FileId> + '_ {
        std::iter::once(self.file)
            .chain(self.params)
            .chain(self.linked.iter().copied())
    }
}

/// Templates by path relative to the scan root. Only their ids are kept, sorted by
/// path: the paths themselves are the scan's (`path_of`), not copied (two maps of
/// copies cost 250 bytes a template, the most of what a plan held).
#[derive(Debug, Default)]
pub struct LinkIndex {
    sorted: Vec<FileId>,
}

impl LinkIndex {
    fn new<'a>(templates: &[FileRef<'a>]) -> LinkIndex {
        let mut sorted: Vec<(&str, FileId)> = templates.iter().map(|t| (t.rel, t.id)).collect();
        sorted.sort_unstable();
        // Of two templates under one path (a root given twice), the last found is meant.
        sorted.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                *earlier = *later;
            }
            same
        });
        // Not collected in place: that would keep the room of the (path, id) pairs,
        // three times what the ids need.
        let mut ids = Vec::with_capacity(sorted.len());
        ids.extend(sorted.into_iter().map(|(_, id)| id));
        LinkIndex { sorted: ids }
    }

    fn at<'p>(&self, rel: &str, path_of: &dyn Fn(FileId) -> &'p str) -> Option<FileId> {
        let i = self
            .sorted
            .binary_search_by(|id| path_of(*id).cmp(rel))
            .ok()?;
        Some(self.sorted[i])
    }

    /// The template at `rel` relative to the directory of template `from`, where
    /// `path_of` gives a file's path relative to the scan root.
    pub fn find<'p>(
        &self,
        from: FileId,
        rel: &str,
        path_of: &dyn Fn(FileId) -> &'p str,
    ) -> Option<FileId> {
        let base = path_of(from);
        if self.at(base, path_of) != Some(from) {
            return None;
        }
        let dir = base.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        self.at(&join_relative(dir, rel)?, path_of)
    }
}

/// `rel` relative to `dir`, normalised (`/` separators); `None` when it leaves the
/// scanned tree.
pub fn join_relative(dir: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for seg in rel.split(['/', '\\']) {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

pub struct Plan {
    pub jobs: Vec<Job>,
    pub links: LinkIndex,
}

/// Plans the evaluations of a scan: each template once per paired parameter file (or
/// once with its defaults), each REST body and export once. `files` are the deployment
/// files in discovery order, with their path relative to the scan root; `var_files`
/// the named variable files of Terraform module folders, whose `.tf` files are
/// evaluated once per variable file instead of with their defaults.
pub fn plan(
    files: &[(FileId, &str, &Facts)],
    explicit: &[(String, String)],
    var_files: &crate::var_files::Named,
) -> Plan {
    let refs = |want: fn(&Kind) -> bool| -> Vec<FileRef> {
        files
            .iter()
            .filter(|(_, _, f)| want(&f.kind))
            .map(|(id, rel, f)| FileRef {
                id: *id,
                rel,
                names: &f.names,
                using: f
                    .using
                    .as_deref()
                    .filter(|_| crate::bicep::lower::is_bicepparam(rel)),
            })
            .collect()
    };
    let templates = refs(|k| matches!(k, Kind::Template(_)));
    let params = refs(|k| *k == Kind::Parameters);
    let pairing = pairing::pair(&templates, &params, explicit);
    let pairs = pairing.pairs;
    // A `using none` file that another scanned `.bicepparam` extends is that file's
    // base: it is checked through it, not reported as feeding nothing.
    let extended: HashSet<&str> = files
        .iter()
        .filter(|(_, rel, _)| crate::bicep::lower::is_bicepparam(rel))
        .flat_map(|(_, _, f)| f.extends.iter().flat_map(|e| e.iter().map(|e| &**e)))
        .collect();
    let bases: HashSet<FileId> = files
        .iter()
        .filter(|(_, rel, f)| {
            f.using.as_deref() == Some("")
                && extended.contains(rel)
                && crate::bicep::lower::is_bicepparam(rel)
        })
        .map(|(id, _, _)| *id)
        .collect();
    // A parameter file that pairs with no template, or with several alike, is a job of
    // its own that reports so: never dropped, and never a silent pass.
    let unpaired: HashMap<FileId, Box<[FileId]>> = pairing
        .unpaired
        .into_iter()
        .filter(|u| !bases.contains(&u.file))
        .map(|u| (u.file, u.candidates.into_boxed_slice()))
        .collect();
    let links = LinkIndex::new(&templates);
    // Files are given in id order.
    let path_of = |id: FileId| -> &str {
        files
            .binary_search_by_key(&id, |(i, _, _)| *i)
            .map_or("", |i| files[i].1)
    };
    // A template that another scanned template links to is evaluated through its parent,
    // with the parameters the parent passes, not on its own with its defaults.
    // Templates reached through links from a root template (one nothing links to) are
    // evaluated through it; templates that only link among themselves in a cycle have no
    // root, so they are evaluated on their own and the cycle is reported.
    let mut edges: HashMap<FileId, Vec<FileId>> = HashMap::new();
    let mut linked = HashSet::new();
    for (id, _, facts) in files {
        for rel in &facts.links {
            if let Some(target) = links.find(*id, rel, &path_of) {
                if target != *id {
                    edges.entry(*id).or_default().push(target);
                    linked.insert(target);
                }
            }
        }
    }
    let reachable = |from: FileId| -> Vec<FileId> {
        let mut seen = vec![from];
        let mut stack = vec![from];
        while let Some(id) = stack.pop() {
            for next in edges.get(&id).into_iter().flatten() {
                if !seen.contains(next) {
                    seen.push(*next);
                    stack.push(*next);
                }
            }
        }
        // Most templates link nothing: no room is kept for them.
        if seen.len() == 1 {
            return Vec::new();
        }
        seen.remove(0);
        seen.shrink_to_fit();
        seen
    };
    let mut linked_targets = HashSet::new();
    for t in templates.iter().filter(|t| !linked.contains(&t.id)) {
        linked_targets.extend(reachable(t.id));
    }
    // The parameter file of each of a file's jobs (`None`: its defaults, or not a
    // template): a template once per paired parameter file, or once with its defaults
    // unless it is evaluated through a parent; a REST body or an export once.
    let params_of = |id: &FileId, rel: &str, kind: &Kind| {
        let template = matches!(kind, Kind::Template(_));
        let module = crate::terraform::is_terraform(rel)
            .then(|| var_files.get(rel.rsplit_once('/').map_or("", |(d, _)| d)))
            .flatten();
        let paired = match (module, pairs.get(id)) {
            (Some(vars), _) if template => vars.as_slice(),
            (None, Some(p)) if template => p.as_slice(),
            _ => &[],
        };
        let alone = match kind {
            Kind::Parameters => unpaired.contains_key(id),
            Kind::Other => false,
            Kind::Template(_) => {
                paired.is_empty() && module.is_none() && !linked_targets.contains(id)
            }
            _ => true,
        };
        paired.iter().map(|p| Some(*p)).chain(alone.then_some(None))
    };
    // Counted first: a plan is held through the scan, and one grown by doubling had up
    // to twice its room (7.3 MB for 3.9 MB of jobs at 100,000 files).
    let count = files
        .iter()
        .map(|(id, rel, f)| params_of(id, rel, &f.kind).count())
        .sum();
    let mut jobs = Vec::with_capacity(count);
    for (id, rel, facts) in files {
        jobs.extend(params_of(id, rel, &facts.kind).map(|params| Job {
            file: *id,
            kind: facts.kind.clone(),
            params,
            linked: reachable(*id),
            candidates: unpaired.get(id).cloned().unwrap_or_default(),
        }));
    }
    Plan { jobs, links }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Scope;

    fn facts(text: &str) -> Facts {
        let doc = json::parse(text).unwrap();
        let kind = crate::classify::classify(&doc.root);
        Facts::of(&doc.root, &kind)
    }

    #[test]
    fn facts_name_links_and_network_types() {
        let t = facts(
            r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "parameters": {"Sub": {"type": "string"}},
                "resources": [{"type": "Microsoft.Resources/deployments", "name": "n",
                  "properties": {"templateLink": {"relativePath": "net/vnet.json"}}},
                  {"type": "Microsoft.Network/routeTables", "name": "rt"}]}"#,
        );
        assert_eq!(t.kind, Kind::Template(Scope::ResourceGroup));
        assert_eq!(t.names, crate::pairing::Names::new(["sub"]));
        assert_eq!(t.links, vec!["net/vnet.json"]);
        assert!(t.network);
        let aks = facts(
            r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "resources": [{"type": "Microsoft.ContainerService/managedClusters", "name": "a"}]}"#,
        );
        assert!(!aks.network);
        assert!(aks.cluster);
        assert!(!t.cluster);
        let computed = facts(
            r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "resources": [{"type": "[variables('t')]", "name": "a"}]}"#,
        );
        assert!(computed.network, "a computed type may be a network type");
        assert!(computed.cluster, "or a cluster");
        assert!(computed.pools, "or an agent pool");
        assert!(
            !aks.pools,
            "a cluster with embedded pools deploys no pool resource"
        );
        let pool = facts(
            r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "resources": [{"type": "Microsoft.ContainerService/managedClusters/agentPools", "name": "c/p"}]}"#,
        );
        assert!(pool.pools && pool.cluster);
    }

    #[test]
    fn linked_templates_are_evaluated_through_their_parent_and_cycles_alone() {
        let t = |links: &[&str]| Facts {
            kind: Kind::Template(Scope::ResourceGroup),
            names: Default::default(),
            using: None,
            extends: None,
            links: links.iter().map(|s| s.to_string()).collect(),
            network: false,
            cluster: true,
            pools: false,
        };
        let (main, child, grand, a, b) = (
            t(&["mods/child.json"]),
            t(&["../leaf/grand.json"]),
            t(&[]),
            t(&["b.json"]),
            t(&["a.json"]),
        );
        let files = [
            (0, "main.json", &main),
            (1, "mods/child.json", &child),
            (2, "leaf/grand.json", &grand),
            (3, "cycle/a.json", &a),
            (4, "cycle/b.json", &b),
        ];
        let p = plan(&files, &[], &Default::default());
        let jobs: Vec<(FileId, Vec<FileId>)> =
            p.jobs.iter().map(|j| (j.file, j.linked.clone())).collect();
        assert_eq!(
            jobs,
            vec![(0, vec![1, 2]), (3, vec![4]), (4, vec![3])],
            "child and grandchild go through main; the cycle's members stand alone"
        );
        // File 5 is a parameter file: links are followed from templates only.
        let path_of = |id: FileId| files.get(id).map_or("mods/child.parameters.json", |f| f.1);
        assert_eq!(p.links.find(1, "../leaf/grand.json", &path_of), Some(2));
        assert_eq!(p.links.find(1, "../../outside.json", &path_of), None);
        assert_eq!(p.links.find(0, "cycle/b.json", &path_of), Some(4));
        assert_eq!(p.links.find(4, "./a.json", &path_of), Some(3));
        assert_eq!(p.links.find(1, "child.json", &path_of), Some(1));
        assert_eq!(p.links.find(5, "child.json", &path_of), None);
    }
}
