//! `aksgate audit`: an inventory of every cluster a repository deploys, how it egresses,
//! and what is wrong with it. One row per cluster per evaluation unit (a template with
//! one parameter-file pairing, a REST body, an export), built from the resolved units
//! and the findings of the same scan; rendered as a terminal table, Markdown, JSON
//! (`docs/audit-json.md`) or one self-contained HTML page.

pub mod command;
pub mod html;
pub mod json;
pub mod markdown;
pub mod out;
pub mod progress;
pub mod table;

use crate::arm::value::Unknown;
use crate::classify::Kind;
use crate::engine::PolicyError;
use crate::engine::{Policies, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::resolve::tree::{RNode, RValue};
use crate::resolve::{Resource, Unit};
use crate::scan::{self, ScanError, ScanOptions, Stats, UnitFindings};
use crate::source::{FileId, Site, Sources};
use crate::stream::{Sink, Streamed};
use crate::text::{Pool, Text};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

const CLUSTER: &str = "Microsoft.ContainerService/managedClusters";
const AGENT_POOL: &str = "Microsoft.ContainerService/managedClusters/agentPools";

/// How a value in the inventory was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Written in the files (directly or through parameters and variables).
    Set,
    /// Not written: the API default applies.
    Default,
    /// Only known at deployment time (or not resolvable by aksgate).
    Unknown,
    /// Not written, and the apiVersion documents no default.
    NoDefault,
    /// Not written, and no default is meaningful (no subnet: AKS creates the network).
    Absent,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Set => "set",
            Origin::Default => "default",
            Origin::Unknown => "unknown",
            Origin::NoDefault => "no-default",
            Origin::Absent => "absent",
        }
    }
}

/// One inventory value with how it was decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// The effective value (`None` when unknown, absent, or without a default).
    pub value: Option<Text>,
    pub origin: Origin,
    /// For unknown values: the expression and why it is unknown.
    pub expr: Option<Text>,
    pub reason: Option<Text>,
    /// Anything else worth saying (an outboundType the apiVersion drops, ...).
    pub note: Option<Text>,
}

impl Cell {
    fn set(v: impl Into<Text>) -> Cell {
        Cell {
            value: Some(v.into()),
            origin: Origin::Set,
            expr: None,
            reason: None,
            note: None,
        }
    }
    fn default(v: impl Into<Text>) -> Cell {
        Cell {
            origin: Origin::Default,
            ..Cell::set(v)
        }
    }
    fn unknown(u: &Unknown) -> Cell {
        Cell::unknown_expr(&u.expr, &u.reason)
    }
    fn unknown_expr(expr: &str, reason: &str) -> Cell {
        Cell {
            value: None,
            origin: Origin::Unknown,
            expr: Some(expr.into()),
            reason: Some(reason.into()),
            note: None,
        }
    }
    fn absent() -> Cell {
        Cell {
            value: None,
            origin: Origin::Absent,
            expr: None,
            reason: None,
            note: None,
        }
    }
    fn no_default(reason: String) -> Cell {
        Cell {
            origin: Origin::NoDefault,
            reason: Some(reason.into()),
            ..Cell::absent()
        }
    }
    fn with_note(mut self, note: String) -> Cell {
        self.note = Some(note.into());
        self
    }

    /// The value as a report shows it: `loadBalancer`, `loadBalancer (default)`,
    /// `(unknown: [parameters('x')])`, `(not set, no default)`, `—`.
    pub fn display(&self) -> String {
        match (self.origin, &self.value) {
            (Origin::Set, Some(v)) => v.to_string(),
            (Origin::Default, Some(v)) => format!("{v} (default)"),
            (Origin::Unknown, _) => {
                format!("(unknown: {})", self.expr.as_deref().unwrap_or("?"))
            }
            (Origin::NoDefault, _) => "(not set, no default)".into(),
            _ => "—".into(),
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.origin, Origin::Unknown | Origin::NoDefault)
    }

    /// The value lower-cased, for comparisons (`None` when not decided).
    fn lower(&self) -> Option<String> {
        self.value.as_ref().map(|v| v.to_ascii_lowercase())
    }
}

/// Whether the cluster's subnet has a route table with a `0.0.0.0/0` route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Yes,
    No,
    /// The subnet or its route table is not deployed by the scanned files.
    NotInScan,
    /// The subnet id or the route table reference is unknown.
    Unknown,
    /// No subnet: AKS creates the virtual network itself.
    NotApplicable,
}

impl Route {
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Yes => "yes",
            Route::No => "no",
            Route::NotInScan => "not in scan",
            Route::Unknown => "unknown",
            Route::NotApplicable => "n/a",
        }
    }
}

/// A public IP the cluster creates or uses.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicIp {
    /// `load-balancer`, `managed-outbound-ips`, `outbound-ips`, `outbound-ip-prefixes`,
    /// `node-public-ip`, `managed-nat-gateway`, `outbound-type-unknown`.
    pub kind: &'static str,
    pub detail: Text,
    /// false: only if an unknown value turns out that way.
    pub certain: bool,
}

impl PublicIp {
    pub fn display(&self) -> String {
        if self.certain {
            self.detail.to_string()
        } else {
            format!("{}?", self.detail)
        }
    }
}

/// What a row describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A managedClusters resource (or REST body, or export) the unit deploys.
    Cluster,
    /// `managedClusters/agentPools` resources of a cluster the unit does not deploy
    /// (declared `existing`, or deployed elsewhere).
    AgentPools,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Cluster => "cluster",
            Role::AgentPools => "agent-pools",
        }
    }
}

/// Findings by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub error: usize,
    pub warning: usize,
    pub note: usize,
}

impl Counts {
    fn add(&mut self, s: Severity) {
        match s {
            Severity::Error => self.error += 1,
            Severity::Warning => self.warning += 1,
            Severity::Note => self.note += 1,
        }
    }
    pub fn total(&self) -> usize {
        self.error + self.warning + self.note
    }
    /// `2E 1W` / `—` for none.
    pub fn display(&self) -> String {
        let mut parts = Vec::new();
        if self.error > 0 {
            parts.push(format!("{}E", self.error));
        }
        if self.warning > 0 {
            parts.push(format!("{}W", self.warning));
        }
        if self.note > 0 {
            parts.push(format!("{}N", self.note));
        }
        if parts.is_empty() {
            "—".into()
        } else {
            parts.join(" ")
        }
    }
}

/// One inventory row: a cluster of one evaluation unit.
#[derive(Debug, Clone)]
pub struct Row {
    /// The deployment file evaluated (relative to the scan root).
    pub file: Text,
    /// The parameter file of the pairing, if any.
    pub parameter_file: Option<Text>,
    /// `template`, `rest-body` or `export`.
    pub kind: &'static str,
    pub role: Role,
    /// Where the cluster resource is written (a linked template's file for a cluster
    /// deployed through a link).
    pub location: (Text, usize),
    pub name: Cell,
    /// `copy loop 'x' instance 1` / `copy loop 'x', every instance (count unknown)`.
    pub copy: Option<Text>,
    /// An unknown `condition`: the cluster is deployed only if it holds.
    pub condition: Option<Text>,
    pub api_version: Cell,
    pub outbound_type: Cell,
    pub network_plugin: Cell,
    pub load_balancer_sku: Cell,
    /// The first agent pool's `vnetSubnetID`.
    pub subnet: Cell,
    pub default_route: Route,
    /// What was found about the route (route table name, next hop, or why not).
    pub route_detail: Text,
    pub public_ips: Vec<PublicIp>,
    pub private_cluster: Cell,
    pub findings: Counts,
}

impl Row {
    /// `vnet/subnet` for a subnet id, the expression for an unknown one.
    pub fn subnet_display(&self) -> String {
        match (&self.subnet.origin, &self.subnet.value) {
            (Origin::Set, Some(id))
                if self
                    .subnet
                    .note
                    .as_deref()
                    .is_some_and(|n| n.starts_with(crate::network::ASSUMED)) =>
            {
                format!("{} (assumed)", short_subnet(id))
            }
            (Origin::Set, Some(id)) => short_subnet(id),
            (Origin::Absent, _) => "(AKS-managed)".into(),
            _ => self.subnet.display(),
        }
    }

    pub fn public_ips_display(&self) -> String {
        if self.public_ips.is_empty() {
            "none".into()
        } else {
            let v: Vec<String> = self.public_ips.iter().map(PublicIp::display).collect();
            v.join(", ")
        }
    }

    /// The name as shown, with the copy instance.
    pub fn name_display(&self) -> String {
        let base = match (self.role, self.name.origin) {
            (Role::Cluster, Origin::Absent) => "(in the request URL)".to_string(),
            (Role::Cluster, _) => self.name.display(),
            (Role::AgentPools, Origin::Absent) => "agent pools of (unnamed cluster)".into(),
            (Role::AgentPools, _) => format!("agent pools of {}", self.name.display()),
        };
        match &self.copy {
            Some(c) => format!("{base} [{c}]"),
            None => base,
        }
    }

    /// The parameter file's name (not its directory), `—` without one.
    pub fn params_display(&self) -> String {
        match &self.parameter_file {
            Some(p) => file_name(p).to_string(),
            None => "—".into(),
        }
    }

    /// Every cell of the row, for counting unknowns.
    fn cells(&self) -> [&Cell; 7] {
        [
            &self.name,
            &self.api_version,
            &self.outbound_type,
            &self.network_plugin,
            &self.load_balancer_sku,
            &self.subnet,
            &self.private_cluster,
        ]
    }

    /// Makes the row's texts the copies `pool` holds, adding those it lacks. Rows
    /// repeat most of their text (paths, apiVersions, reasons, route details): one copy
    /// serves them all (with the findings' messages, heap after evaluation at 10,010
    /// files 41.4 → 26.5 MB).
    fn share_texts(&mut self, pool: &mut Pool) {
        let cells = [
            &mut self.name,
            &mut self.api_version,
            &mut self.outbound_type,
            &mut self.network_plugin,
            &mut self.load_balancer_sku,
            &mut self.subnet,
            &mut self.private_cluster,
        ];
        let in_cells = cells
            .into_iter()
            .flat_map(|c| [&mut c.value, &mut c.expr, &mut c.reason, &mut c.note]);
        let optional = in_cells
            .chain([
                &mut self.parameter_file,
                &mut self.copy,
                &mut self.condition,
            ])
            .flatten();
        let ips = self.public_ips.iter_mut().map(|p| &mut p.detail);
        let texts = [&mut self.file, &mut self.location.0, &mut self.route_detail];
        for t in optional.chain(ips).chain(texts) {
            pool.share(t);
        }
    }

    pub fn unknowns(&self) -> usize {
        self.cells().iter().filter(|c| c.is_unknown()).count()
    }
}

fn file_name(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// `virtualNetworks/<vnet>/subnets/<subnet>` of a subnet id as `<vnet>/<subnet>`.
pub fn short_subnet(id: &str) -> String {
    let lower = id.to_ascii_lowercase();
    if let Some(i) = lower.rfind("/virtualnetworks/") {
        let tail = &id[i + "/virtualnetworks/".len()..];
        let parts: Vec<&str> = tail.split('/').collect();
        if parts.len() == 3 && parts[1].eq_ignore_ascii_case("subnets") {
            return format!("{}/{}", parts[0], parts[2]);
        }
    }
    id.to_string()
}

/// A finding with the inventory row it is attributed to.
#[derive(Debug, Clone)]
pub struct AuditFinding {
    pub finding: Finding,
    /// Index into [`Audit::rows`]; `None` for findings about a file as a whole or about
    /// resources no cluster of the unit uses.
    pub row: Option<usize>,
}

/// The result of an audit.
pub struct Audit {
    /// The scanned paths, as given.
    pub root: String,
    pub sources: Sources,
    pub rows: Vec<Row>,
    pub findings: Vec<AuditFinding>,
    pub stats: Stats,
    pub rules: Vec<RuleMeta>,
    /// The comment suppressions of the scanned files, for [`Audit::settle`].
    pub inline: Vec<crate::suppress::Inline>,
}

/// Findings per rule, for the summary.
#[derive(Debug, Clone)]
pub struct RuleCount {
    pub rule: String,
    pub slug: String,
    pub title: String,
    pub counts: Counts,
}

impl Audit {
    /// Cluster rows (not agent-pool-only rows).
    pub fn clusters(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|r| r.role == Role::Cluster)
    }

    /// The findings that count: every one not suppressed.
    pub fn reported(&self) -> impl Iterator<Item = &AuditFinding> {
        self.findings
            .iter()
            .filter(|f| f.finding.suppression.is_none())
    }

    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for f in self.reported() {
            c.add(f.finding.severity);
        }
        c
    }

    /// Suppressed findings (shown with their reason, not counted).
    pub fn suppressed(&self) -> usize {
        self.findings.len() - self.reported().count()
    }

    /// Applies the configuration's rule settings and the suppressions (configuration
    /// entries and comments), exactly as `check` does: a disabled rule's findings are
    /// dropped, a suppressed finding is kept with its reason but not counted, and stale
    /// suppressions are AKS902.
    pub fn settle(&mut self, settings: &crate::suppress::Settings, config: &crate::config::Config) {
        let always = |_: &str| true;
        let inline = std::mem::take(&mut self.inline);
        let mut settle = crate::suppress::Settle::new(
            settings,
            false,
            config,
            &inline,
            &mut self.sources,
            &always,
        );
        let sources = &self.sources;
        self.findings
            .retain_mut(|f| settle.admit(&mut f.finding, sources));
        self.findings.extend(
            settle
                .finish()
                .into_iter()
                .map(|finding| AuditFinding { finding, row: None }),
        );
        self.inline = inline;
        count_rows(&mut self.rows, &self.findings);
    }

    /// Rules with at least one finding, by rule id.
    pub fn per_rule(&self) -> Vec<RuleCount> {
        let mut by: BTreeMap<&str, RuleCount> = BTreeMap::new();
        for f in self.reported() {
            let e = by.entry(&f.finding.rule).or_insert_with(|| RuleCount {
                rule: f.finding.rule.to_string(),
                slug: f.finding.slug.to_string(),
                title: self
                    .rules
                    .iter()
                    .find(|r| r.id == f.finding.rule)
                    .map(|r| r.title.clone())
                    .unwrap_or_default(),
                counts: Counts::default(),
            });
            e.counts.add(f.finding.severity);
        }
        by.into_values().collect()
    }

    /// Unknown values in the inventory (cells that are unknown or have no default).
    pub fn unknown_values(&self) -> usize {
        self.rows.iter().map(Row::unknowns).sum()
    }

    /// Clusters per effective outboundType (canonical spelling; `unknown`), sorted by
    /// count then name.
    pub fn outbound_types(&self) -> Vec<(String, usize)> {
        let mut by: BTreeMap<String, usize> = BTreeMap::new();
        for r in self.clusters() {
            let k = match &r.outbound_type.value {
                Some(v) => canonical_outbound(v),
                None => "unknown".into(),
            };
            *by.entry(k).or_default() += 1;
        }
        let mut v: Vec<(String, usize)> = by.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }

    /// 1-based line and column of one of a finding's sites (carried by the finding when
    /// the scan placed it).
    pub fn line_col(&self, f: &Finding, site: Site) -> (usize, usize) {
        f.line_col(&self.sources, site)
    }

    pub fn rel(&self, site: Site) -> &str {
        self.sources.get(site.file).rel
    }
}

pub fn canonical_outbound(v: &str) -> String {
    const NAMES: &[&str] = &[
        "loadBalancer",
        "userDefinedRouting",
        "managedNATGateway",
        "userAssignedNATGateway",
        "managedNATGatewayV2",
        "none",
        "block",
    ];
    NAMES
        .iter()
        .find(|n| n.eq_ignore_ascii_case(v))
        .map(|n| n.to_string())
        .unwrap_or_else(|| v.to_string())
}

/// What a path inside a resolved node leads to.
enum Look<'a> {
    Missing,
    Unknown(&'a Unknown),
    Found(&'a RNode),
}

fn look<'a>(node: &'a RNode, path: &[&str]) -> Look<'a> {
    let mut n = node;
    for key in path {
        if let RValue::Unknown(u) = &n.value {
            return Look::Unknown(u);
        }
        match n.get(key) {
            Some(next) => n = next,
            None => return Look::Missing,
        }
    }
    match &n.value {
        RValue::Unknown(u) => Look::Unknown(u),
        RValue::Null => Look::Missing,
        _ => Look::Found(n),
    }
}

/// A scalar as text (strings as they are, other values as JSON).
fn text(n: &RNode) -> String {
    match &n.value {
        RValue::Str(s) => s.clone(),
        _ => crate::input::to_json(n).to_string(),
    }
}

/// A cell from a property: set, unknown, or `missing` when absent.
fn cell_at(node: &RNode, path: &[&str], missing: impl FnOnce() -> Cell) -> Cell {
    match look(node, path) {
        Look::Found(n) => {
            let mut c = Cell::set(text(n));
            // The network view's single-candidate fallback: say it is an assumption.
            c.note = n
                .via
                .iter()
                .find(|o| o.label.starts_with(crate::network::ASSUMED))
                .map(|o| o.label.as_str().into());
            c
        }
        Look::Unknown(u) => Cell::unknown(u),
        Look::Missing => missing(),
    }
}

/// The date of an apiVersion (`2021-05-01` of `2021-05-01-preview`), when it has one.
fn api_date(v: &str) -> Option<&str> {
    let d = v.get(..10)?;
    let b = d.as_bytes();
    let ok = b.iter().enumerate().all(|(i, c)| match i {
        4 | 7 => *c == b'-',
        _ => c.is_ascii_digit(),
    });
    ok.then_some(d)
}

/// The apiVersion defines `networkProfile.outboundType` (facts in policies/lib).
fn defines_outbound_type(v: &str) -> bool {
    match api_date(v) {
        Some(d) if v.contains("-preview") => d >= "2021-11-01",
        Some(d) => d >= "2019-11-01",
        None => true,
    }
}

const LB_SKU_DEFAULT_STANDARD_FROM: &str = "2021-05-01";

fn truthy(n: &RNode) -> Option<bool> {
    match &n.value {
        RValue::Bool(b) => Some(*b),
        RValue::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
        RValue::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// The agent pools of a cluster: its `agentPoolProfiles` entries, then its
/// `agentPools` resources (children, or named `<cluster>/<pool>`). Each is
/// (pool name, pool properties node). `Err` when the profiles are unknown.
fn pools<'a>(
    unit: &'a Unit,
    idx: Option<usize>,
    cluster_node: Option<&'a RNode>,
    cluster_name: Option<&str>,
) -> Result<Vec<(String, &'a RNode)>, &'a Unknown> {
    let mut out = Vec::new();
    if let Some(c) = cluster_node {
        match look(c, &["properties", "agentPoolProfiles"]) {
            Look::Unknown(u) => return Err(u),
            Look::Found(n) => {
                for (i, p) in n.as_array().unwrap_or_default().iter().enumerate() {
                    let name = p
                        .get("name")
                        .and_then(RNode::as_str)
                        .map(str::to_string)
                        .unwrap_or_else(|| format!("#{i}"));
                    out.push((name, p));
                }
            }
            Look::Missing => {}
        }
    }
    for (j, r) in unit.resources.iter().enumerate() {
        if r.ty != AGENT_POOL {
            continue;
        }
        let full = r.name.as_str();
        let mine = match (r.parent, idx) {
            (Some(p), Some(i)) => p == i,
            _ => match (full.and_then(|f| f.split_once('/')), cluster_name) {
                (Some((c, _)), Some(want)) => c.eq_ignore_ascii_case(want),
                _ => false,
            },
        };
        if !mine {
            continue;
        }
        let name = full
            .map(|f| f.rsplit('/').next().unwrap_or(f).to_string())
            .unwrap_or_else(|| format!("#{j}"));
        if let Some(props) = r.node.get("properties") {
            out.push((name, props));
        }
    }
    Ok(out)
}

/// The route check of a subnet against the unit's network view.
fn route_of(subnet: &Cell, network: &Value) -> (Route, String) {
    let id = match (subnet.origin, &subnet.value) {
        (Origin::Set, Some(id)) => id,
        (Origin::Absent, _) => {
            return (
                Route::NotApplicable,
                "no vnetSubnetID: AKS creates the virtual network".into(),
            )
        }
        _ => return (Route::Unknown, "the subnet id is unknown".into()),
    };
    let lower = id.to_ascii_lowercase();
    let Some(i) = lower.rfind("virtualnetworks/") else {
        return (
            Route::Unknown,
            format!("{id} is not a subnet id aksgate can read"),
        );
    };
    let key = &lower[i..];
    let subnets = network["subnets"].as_array().cloned().unwrap_or_default();
    let Some(s) = subnets.iter().find(|s| s["key"].as_str() == Some(key)) else {
        return (
            Route::NotInScan,
            format!(
                "subnet {} is not deployed by the scanned files",
                short_subnet(id)
            ),
        );
    };
    let rt = match &s["routeTable"] {
        Value::Null => return (Route::No, "the subnet has no route table".into()),
        Value::String(rt) => rt.clone(),
        other => {
            let expr = other["$unknown"]["expr"].as_str().unwrap_or("?");
            return (
                Route::Unknown,
                format!("the subnet's route table is {expr}"),
            );
        }
    };
    let Some(j) = rt.rfind("routetables/") else {
        return (
            Route::Unknown,
            format!("{rt} is not a route table id aksgate can read"),
        );
    };
    let rkey = &rt[j..];
    let tables = network["routeTables"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let Some(t) = tables.iter().find(|t| t["key"].as_str() == Some(rkey)) else {
        return (
            Route::NotInScan,
            format!(
                "route table {} is not deployed by the scanned files",
                &rkey["routetables/".len()..]
            ),
        );
    };
    let name = t["name"].as_str().unwrap_or(rkey).to_string();
    let default = t["routes"].as_array().into_iter().flatten().find(|r| {
        r["addressPrefix"]
            .as_str()
            .is_some_and(|p| p.trim() == "0.0.0.0/0")
    });
    match default {
        Some(r) => {
            let hop = r["nextHopType"].as_str().unwrap_or("?");
            let ip = r["nextHopIpAddress"]
                .as_str()
                .map(|ip| format!(" {ip}"))
                .unwrap_or_default();
            let path = if hop.eq_ignore_ascii_case("virtualappliance") && !ip.is_empty() {
                egress_path(r, network)
            } else {
                String::new()
            };
            (
                Route::Yes,
                format!("route table {name}: 0.0.0.0/0 → {hop}{ip}{path}"),
            )
        }
        None => (
            Route::No,
            format!("route table {name} has no 0.0.0.0/0 route"),
        ),
    }
}

/// What the default route's appliance is (AKS014's view): `; egress path: firewall
/// <name>` (whether it allows the AKS egress is added from the findings, see
/// [`count_rows`]), `; egress path: NVA <nic>`, or that no scanned file deploys it.
fn egress_path(route: &Value, network: &Value) -> String {
    let found = route["appliances"].as_array().cloned().unwrap_or_default();
    let Some(a) = found.first() else {
        return "; egress path: appliance not in scan".into();
    };
    let name = a["name"].as_str().unwrap_or("?");
    let item = |list: &str| {
        a["index"]
            .as_u64()
            .and_then(|i| network[list].get(i as usize))
    };
    match a["kind"].as_str() {
        Some("firewall") => format!("; {EGRESS_FIREWALL}{name}"),
        Some("applicationGateway") => {
            format!("; egress path: application gateway {name}, not an egress appliance")
        }
        Some("loadBalancer") => {
            let behind: Vec<String> = item("loadBalancers")
                .and_then(|lb| lb["backends"].as_array())
                .into_iter()
                .flatten()
                .map(|b| match b["kind"].as_str() {
                    Some("firewall") => format!("firewall {}", b["name"].as_str().unwrap_or("?")),
                    _ => nva(b, network),
                })
                .collect();
            if behind.is_empty() {
                format!("; egress path: load balancer {name}, its backends not in scan")
            } else {
                format!(
                    "; egress path: load balancer {name} to {}",
                    behind.join(", ")
                )
            }
        }
        _ => format!("; egress path: {}", nva(a, network)),
    }
}

/// A network interface appliance: `NVA <name>` and whether it forwards.
fn nva(a: &Value, network: &Value) -> String {
    let name = a["name"].as_str().unwrap_or("?");
    let nic = a["index"]
        .as_u64()
        .and_then(|i| network["networkInterfaces"].get(i as usize));
    match nic.map(|n| &n["enableIPForwarding"]) {
        Some(Value::Bool(true)) => format!("NVA {name}"),
        Some(Value::Object(_)) => format!("NVA {name} (IP forwarding unknown)"),
        _ => format!("NVA {name} without IP forwarding"),
    }
}

/// How a route detail names a firewall next hop, for [`count_rows`] to complete.
const EGRESS_FIREWALL: &str = "egress path: firewall ";

/// The verdicts [`count_rows`] appends to a firewall next hop.
const EGRESS_VERDICTS: [&str; 3] = [
    ", AKS egress allowed",
    ", AKS egress not allowed",
    ", AKS egress cannot be verified",
];

/// Builds the row of a cluster resource.
fn cluster_row(unit: &Unit, idx: usize, r: &Resource, sources: &Sources, network: &Value) -> Row {
    let node = &r.node;
    let name = match &r.name.value {
        RValue::Str(s) => Cell::set(s.clone()),
        RValue::Unknown(u) => Cell::unknown(u),
        RValue::Null => Cell::absent(),
        _ => Cell::set(text(&r.name)),
    };
    let api_version = match (&r.api_version, look(node, &["apiVersion"]), &unit.kind) {
        (Some(v), _, _) => Cell::set(v.clone()),
        (None, Look::Unknown(u), _) => Cell::unknown(u),
        (None, _, Kind::RestBody { .. }) => Cell::unknown_expr(
            "api-version",
            "the request body does not say which api-version it is sent with",
        ),
        (None, _, _) => Cell::absent(),
    };
    let api = api_version.value.clone();
    let np = ["properties", "networkProfile"];
    let at = |k: &'static str| [np[0], np[1], k];

    let outbound_type = match look(node, &at("outboundType")) {
        Look::Found(n) => {
            let v = text(n);
            match &api {
                Some(a) if !defines_outbound_type(a) => {
                    Cell::default("loadBalancer").with_note(format!(
                        "apiVersion {a} does not define outboundType: the written {v} is dropped"
                    ))
                }
                _ => Cell::set(v),
            }
        }
        Look::Unknown(u) => Cell::unknown(u),
        Look::Missing => Cell::default("loadBalancer"),
    };
    let network_plugin = cell_at(node, &at("networkPlugin"), || Cell::default("kubenet"));
    let load_balancer_sku = cell_at(node, &at("loadBalancerSku"), || {
        match api.as_deref().and_then(api_date) {
            Some(d) if d >= LB_SKU_DEFAULT_STANDARD_FROM => Cell::default("standard"),
            _ => Cell::no_default(format!(
                "apiVersion {} documents no default loadBalancerSku",
                api.as_deref().unwrap_or("(unknown)")
            )),
        }
    });
    let private_cluster = match look(
        node,
        &[
            "properties",
            "apiServerAccessProfile",
            "enablePrivateCluster",
        ],
    ) {
        Look::Found(n) => match truthy(n) {
            Some(true) => Cell::set("on"),
            Some(false) => Cell::set("off"),
            None => Cell::set(text(n)),
        },
        Look::Unknown(u) => Cell::unknown(u),
        Look::Missing => Cell::default("off"),
    };
    let pools = pools(unit, Some(idx), Some(node), name.value.as_deref());
    let subnet = match &pools {
        Err(u) => Cell::unknown(u),
        Ok(p) => match p.first() {
            Some((_, pool)) => cell_at(pool, &["vnetSubnetID"], Cell::absent),
            None => Cell::absent(),
        },
    };
    let (default_route, route_detail) = route_of(&subnet, network);

    // Public IPs, as AKS007 counts them.
    let ot = outbound_type.lower();
    let sku = load_balancer_sku.lower();
    let mut ips = Vec::new();
    let lb = ot.as_deref() == Some("loadbalancer");
    if lb {
        match sku.as_deref() {
            Some("standard") => ips.push(PublicIp {
                kind: "load-balancer",
                detail: "LB egress".into(),
                certain: true,
            }),
            Some(_) => {}
            None => ips.push(PublicIp {
                kind: "load-balancer",
                detail: "LB egress".into(),
                certain: false,
            }),
        }
    }
    if lb || ot.is_none() {
        let profile = at("loadBalancerProfile");
        for (key, kind) in [
            ("managedOutboundIPs", "managed-outbound-ips"),
            ("outboundIPs", "outbound-ips"),
            ("outboundIPPrefixes", "outbound-ip-prefixes"),
        ] {
            let path = [profile[0], profile[1], profile[2], key];
            match look(node, &path) {
                Look::Found(n) => {
                    let detail = match n.get("count").map(|c| &c.value) {
                        Some(RValue::Int(c)) => format!("{key} ({c})"),
                        _ => key.to_string(),
                    };
                    ips.push(PublicIp {
                        kind,
                        detail: detail.into(),
                        certain: lb,
                    });
                }
                Look::Unknown(_) | Look::Missing => {}
            }
        }
    }
    if let Ok(p) = &pools {
        for (pool, props) in p {
            match look(props, &["enableNodePublicIP"]) {
                Look::Found(n) if truthy(n) == Some(true) => ips.push(PublicIp {
                    kind: "node-public-ip",
                    detail: format!("node IPs ({pool})").into(),
                    certain: true,
                }),
                Look::Unknown(_) => ips.push(PublicIp {
                    kind: "node-public-ip",
                    detail: format!("node IPs ({pool})").into(),
                    certain: false,
                }),
                _ => {}
            }
        }
    }
    if matches!(
        ot.as_deref(),
        Some("managednatgateway") | Some("managednatgatewayv2")
    ) {
        ips.push(PublicIp {
            kind: "managed-nat-gateway",
            detail: "NAT gateway".into(),
            certain: true,
        });
    }
    if ot.is_none() {
        ips.push(PublicIp {
            kind: "outbound-type-unknown",
            detail: "egress IPs".into(),
            certain: false,
        });
    }

    let (line, _) = sources.line_col(r.site);
    Row {
        file: Text::from(sources.get(unit.file).rel),
        parameter_file: unit.param_file.map(|f| Text::from(sources.get(f).rel)),
        kind: unit.kind.label(),
        role: Role::Cluster,
        location: (Text::from(sources.get(r.site.file).rel), line),
        name,
        copy: copy_note(r).map(Text::from),
        condition: r.condition.as_deref().map(Text::from),
        api_version,
        outbound_type,
        network_plugin,
        load_balancer_sku,
        subnet,
        default_route,
        route_detail: route_detail.into(),
        public_ips: ips,
        private_cluster,
        findings: Counts::default(),
    }
}

fn copy_note(r: &Resource) -> Option<String> {
    match &r.copy {
        Some((name, Some(i))) => Some(format!("copy '{name}' #{i}")),
        Some((name, None)) => Some(format!("copy '{name}', count unknown")),
        None => None,
    }
}

/// Rows for agent pools of clusters the unit does not deploy, one per cluster name.
fn agent_pool_rows(unit: &Unit, sources: &Sources, network: &Value) -> Vec<(Vec<usize>, Row)> {
    let clusters: Vec<&str> = unit
        .resources
        .iter()
        .filter(|r| r.ty == CLUSTER)
        .filter_map(|r| r.name.as_str())
        .collect();
    let mut groups: Vec<(Text, Cell, Vec<usize>)> = Vec::new();
    for (j, r) in unit.resources.iter().enumerate() {
        if r.ty != AGENT_POOL || r.parent.is_some() {
            continue;
        }
        let cluster = match &r.name.value {
            RValue::Str(s) => match s.split_once('/') {
                Some((c, _)) => Cell::set(c),
                None => Cell::absent(),
            },
            RValue::Unknown(u) => Cell::unknown(u),
            _ => Cell::absent(),
        };
        if let Some(c) = &cluster.value {
            if clusters.iter().any(|k| k.eq_ignore_ascii_case(c)) {
                continue;
            }
        }
        let key = cluster
            .value
            .clone()
            .or_else(|| cluster.expr.clone())
            .unwrap_or_default();
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(g) => g.2.push(j),
            None => groups.push((key, cluster, vec![j])),
        }
    }
    let na = || Cell {
        note: Some("the cluster is not deployed by this file".into()),
        ..Cell::absent()
    };
    groups
        .into_iter()
        .map(|(_, name, members)| {
            let first = &unit.resources[members[0]];
            let props = first.node.get("properties");
            let subnet = match props {
                Some(p) => cell_at(p, &["vnetSubnetID"], Cell::absent),
                None => Cell::absent(),
            };
            let (default_route, route_detail) = route_of(&subnet, network);
            let mut ips = Vec::new();
            for &j in &members {
                let r = &unit.resources[j];
                let pool = r
                    .name
                    .as_str()
                    .map(|n| n.rsplit('/').next().unwrap_or(n).to_string())
                    .unwrap_or_else(|| "?".into());
                match r
                    .node
                    .get("properties")
                    .map(|p| look(p, &["enableNodePublicIP"]))
                {
                    Some(Look::Found(n)) if truthy(n) == Some(true) => ips.push(PublicIp {
                        kind: "node-public-ip",
                        detail: format!("node IPs ({pool})").into(),
                        certain: true,
                    }),
                    Some(Look::Unknown(_)) => ips.push(PublicIp {
                        kind: "node-public-ip",
                        detail: format!("node IPs ({pool})").into(),
                        certain: false,
                    }),
                    _ => {}
                }
            }
            let (line, _) = sources.line_col(first.site);
            let row = Row {
                file: Text::from(sources.get(unit.file).rel),
                parameter_file: unit.param_file.map(|f| Text::from(sources.get(f).rel)),
                kind: unit.kind.label(),
                role: Role::AgentPools,
                location: (Text::from(sources.get(first.site.file).rel), line),
                name,
                copy: copy_note(first).map(Text::from),
                condition: first.condition.as_deref().map(Text::from),
                api_version: first
                    .api_version
                    .clone()
                    .map(Cell::set)
                    .unwrap_or_else(Cell::absent),
                outbound_type: na(),
                network_plugin: na(),
                load_balancer_sku: na(),
                subnet,
                default_route,
                route_detail: route_detail.into(),
                public_ips: ips,
                private_cluster: na(),
                findings: Counts::default(),
            };
            (members, row)
        })
        .collect()
}

fn inside(outer: Site, inner: Site) -> bool {
    outer.file == inner.file && outer.start <= inner.start && inner.end <= outer.end
}

/// The rows of one unit and its findings attributed to them (row indexes local to the
/// unit).
fn unit_rows(unit: &Unit, findings: UnitFindings, sources: &Sources) -> (Vec<Row>, UnitFindings) {
    let network = crate::network::build(unit);
    let mut rows = Vec::new();
    // resource ref -> row
    let mut owner: HashMap<usize, usize> = HashMap::new();
    let mut cluster_sites: Vec<(Site, usize)> = Vec::new();
    for (i, r) in unit.resources.iter().enumerate() {
        if r.ty == CLUSTER {
            owner.insert(i, rows.len());
            cluster_sites.push((r.site, rows.len()));
            rows.push(cluster_row(unit, i, r, sources, &network));
        }
    }
    // Children (agent pools, diagnostic settings, ...) belong to their cluster; agent
    // pools named `<cluster>/<pool>` too.
    for (i, r) in unit.resources.iter().enumerate() {
        let mut p = r.parent;
        let mut hops = 0;
        while let Some(pi) = p {
            if let Some(&row) = owner.get(&pi) {
                owner.entry(i).or_insert(row);
                break;
            }
            p = unit.resources[pi].parent;
            hops += 1;
            if hops > 64 {
                break;
            }
        }
        if r.ty == AGENT_POOL && r.parent.is_none() {
            if let Some((c, _)) = r.name.as_str().and_then(|n| n.split_once('/')) {
                if let Some(row) = rows.iter().position(|row| {
                    row.name
                        .value
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(c))
                }) {
                    owner.entry(i).or_insert(row);
                }
            }
        }
    }
    for (members, row) in agent_pool_rows(unit, sources, &network) {
        for m in members {
            owner.insert(m, rows.len());
        }
        rows.push(row);
    }
    let attributed = findings
        .into_iter()
        .map(|(res, f)| {
            if res.is_none() && f.rule == "AKS901" {
                return (None, f);
            }
            let by_ref = res.and_then(|r| owner.get(&r).copied());
            let by_site = || {
                std::iter::once(f.primary)
                    .chain(f.related.iter().map(|l| l.site))
                    .find_map(|s| {
                        cluster_sites
                            .iter()
                            .find(|(c, _)| inside(*c, s))
                            .map(|(_, row)| *row)
                    })
            };
            let row = by_ref.or_else(by_site).or(match cluster_sites.as_slice() {
                [(_, only)] => Some(*only),
                _ => None,
            });
            (row, f)
        })
        .collect();
    (rows, attributed)
}

/// What one job leaves for the inventory.
struct UnitRows {
    rows: Vec<Row>,
    /// Its findings, attributed to its rows (indexes local to the job).
    findings: UnitFindings,
    /// Where its clusters are written.
    clusters: Vec<Site>,
}

/// Evaluates a unit and builds its rows.
fn unit_outcome(
    policies: &Policies,
    engine: &mut crate::engine::Worker,
    unit: &Unit,
    sources: &Sources,
    options: &crate::input::Options,
) -> Result<UnitRows, PolicyError> {
    let f = scan::evaluate_unit(policies, engine, unit, sources, options)?;
    let (mut rows, mut findings) = unit_rows(unit, f, sources);
    // Grown by pushing, a unit's one row had room for four: 2 KB a row, kept to the end.
    rows.shrink_to_fit();
    findings.shrink_to_fit();
    let clusters = scan::cluster_sites(std::slice::from_ref(unit))
        .into_iter()
        .collect();
    Ok(UnitRows {
        rows,
        findings,
        clusters,
    })
}

/// The audit's streaming sink: each job's rows and findings are built while its unit
/// is in hand, and kept by job to be put in plan order (holding every unit instead
/// took 417 MB at 10,010 files).
struct Inventory<'a> {
    policies: &'a Policies,
    options: &'a crate::input::Options,
    progress: &'a progress::Bar,
    kept: Mutex<Kept>,
    /// One copy of each text the rows and findings hold, shared as each job is
    /// evaluated: the network pass keeps some jobs' outcomes until its index is
    /// complete (30 MB more at 30,030 files when shared only once kept).
    texts: Mutex<Pool>,
}

#[derive(Default)]
struct Kept {
    units: Vec<(usize, UnitRows)>,
    /// Files that changed between the passes, by job: AKS901.
    unreadable: Vec<(usize, Site, String)>,
    /// The policy errors of the jobs that had one, by job.
    errors: Vec<(usize, PolicyError)>,
}

impl Sink for Inventory<'_> {
    type Outcome = UnitRows;
    type Worker = crate::engine::Worker;

    fn worker(&self) -> crate::engine::Worker {
        self.policies.worker()
    }

    fn evaluate(
        &self,
        engine: &mut crate::engine::Worker,
        _job: usize,
        unit: &mut Unit,
        sources: &Sources,
        texts: &[(FileId, String)],
        _early: bool,
    ) -> Result<UnitRows, PolicyError> {
        let mut u = unit_outcome(self.policies, engine, unit, sources, self.options)?;
        // Placed while the job's files are at hand, as in `check`: rendering read them
        // all again for 1.8 of 10 s at 30,030 files.
        scan::place(u.findings.iter_mut().map(|(_, f)| f), texts);
        let mut pool = lock(&self.texts);
        u.rows.iter_mut().for_each(|r| r.share_texts(&mut pool));
        for (_, f) in &mut u.findings {
            pool.share(&mut f.message);
            f.context.iter_mut().for_each(|c| pool.share(c));
        }
        Ok(u)
    }

    fn keep(&self, job: usize, outcome: Result<UnitRows, PolicyError>) {
        let mut kept = lock(&self.kept);
        match outcome {
            Ok(u) => kept.units.push((job, u)),
            Err(e) => kept.errors.push((job, e)),
        }
        drop(kept);
        self.progress.evaluated();
    }

    // The early outcomes the stream takes back are those it held: nothing was let go.
    fn take_back(&self, _jobs: HashSet<usize>) {}

    fn unreadable(&self, job: usize, site: Site, message: String, _sources: &Sources) {
        lock(&self.kept).unreadable.push((job, site, message));
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs the audit: scan, evaluate every unit, build the inventory.
pub fn audit(
    opts: &ScanOptions,
    policies: &Policies,
    progress: &progress::Bar,
) -> Result<Audit, ScanError> {
    audit_with(opts, policies, progress, progress)
}

/// [`audit`], with `heard` told of the files and jobs (the bar itself, or a test's
/// hook between the passes).
fn audit_with(
    opts: &ScanOptions,
    policies: &Policies,
    progress: &progress::Bar,
    heard: &dyn scan::Progress,
) -> Result<Audit, ScanError> {
    let mut sink = Inventory {
        policies,
        options: &opts.options,
        progress,
        kept: Mutex::default(),
        texts: Mutex::default(),
    };
    let Streamed {
        sources,
        mut load_failures,
        mut stats,
        inline,
        ..
    } = crate::stream::run(opts, heard, &mut sink)?;
    let mut kept = sink
        .kept
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    stats.policy_errors = scan::error_messages(kept.errors);
    // A file read again that changed since the first pass is reported once, in plan
    // order, as in `check`.
    kept.unreadable.sort_by_key(|(job, _, _)| *job);
    for (_, site, message) in kept.unreadable {
        scan::add_failure(&mut load_failures, site, message);
    }
    kept.units.sort_unstable_by_key(|(job, _)| *job);
    let units = kept.units.into_iter().map(|(_, u)| u).collect();
    Ok(assemble(
        opts,
        policies,
        sources,
        load_failures,
        stats,
        units,
        inline,
    ))
}

/// Moves each item `i` to `new_index[i]` (a permutation) in place: each swap puts
/// one item where it belongs.
fn move_to<T>(items: &mut [T], new_index: &[usize]) {
    // `at[i]`: where the item now at `i` goes.
    let mut at = new_index.to_vec();
    for i in 0..items.len() {
        while at[i] != i {
            let to = at[i];
            items.swap(i, to);
            at.swap(i, to);
        }
    }
}

/// Each row's counts of the findings attributed to it that are not suppressed.
fn count_rows(rows: &mut [Row], findings: &[AuditFinding]) {
    // Per row: 0 no AKS014 finding, 1 an AKS014 error, 2 only AKS014's AKS900s.
    let mut egress = vec![0u8; rows.len()];
    for r in rows.iter_mut() {
        r.findings = Counts::default();
    }
    for f in findings.iter().filter(|f| f.finding.suppression.is_none()) {
        if let Some(r) = f.row {
            rows[r].findings.add(f.finding.severity);
            if f.finding.rule == "AKS014" {
                egress[r] = 1;
            } else if f.finding.rule == "AKS900"
                && f.finding.message.starts_with("AKS014 ")
                && egress[r] == 0
            {
                egress[r] = 2;
            }
        }
    }
    // A firewall next hop's verdict comes from AKS014's findings (settled: a
    // suppressed finding does not count), replaced each time they are counted.
    for (r, e) in rows.iter_mut().zip(egress) {
        if !r.route_detail.contains(EGRESS_FIREWALL) {
            continue;
        }
        let mut detail = r.route_detail.to_string();
        for v in EGRESS_VERDICTS {
            if let Some(base) = detail.strip_suffix(v) {
                detail = base.to_string();
            }
        }
        detail.push_str(EGRESS_VERDICTS[e as usize]);
        r.route_detail = detail.into();
    }
}

/// The inventory from every unit's rows and findings, in plan order.
fn assemble(
    opts: &ScanOptions,
    policies: &Policies,
    sources: Sources,
    load_failures: Vec<(Site, String)>,
    mut stats: Stats,
    units: Vec<UnitRows>,
    inline: Vec<crate::suppress::Inline>,
) -> Audit {
    stats.units = units.len();
    // A cluster evaluated once per parameter file (or per copy instance) is still one
    // cluster written in one place.
    stats.clusters = units
        .iter()
        .flat_map(|u| &u.clusters)
        .collect::<HashSet<_>>()
        .len();
    // At their exact sizes, and the rows sorted in place: each copy of them added to
    // peak RSS (62 MB at 10,010 files with two more).
    let mut rows: Vec<Row> = Vec::with_capacity(units.iter().map(|u| u.rows.len()).sum());
    let mut findings: Vec<AuditFinding> = Vec::with_capacity(
        load_failures.len() + units.iter().map(|u| u.findings.len()).sum::<usize>(),
    );
    findings.extend(
        load_failures
            .into_iter()
            .map(|(site, message)| AuditFinding {
                finding: scan::builtin_finding(policies, "AKS901", site, message, "here"),
                row: None,
            }),
    );
    for u in units {
        let base = rows.len();
        rows.extend(u.rows);
        findings.extend(u.findings.into_iter().map(|(row, finding)| AuditFinding {
            finding,
            row: row.map(|r| base + r),
        }));
    }
    // Stable order: file, pairing, where the cluster is written.
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (&rows[a], &rows[b]);
        ra.file
            .cmp(&rb.file)
            .then(ra.parameter_file.cmp(&rb.parameter_file))
            .then(ra.location.cmp(&rb.location))
            .then(a.cmp(&b))
    });
    let mut new_index = vec![0; rows.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    move_to(&mut rows, &new_index);
    for f in &mut findings {
        f.row = f.row.map(|r| new_index[r]);
    }
    // Deterministic finding order, as `check` prints them; one per pairing.
    findings.sort_by(|a, b| {
        let (fa, fb) = (&a.finding, &b.finding);
        sources
            .get(fa.primary.file)
            .rel
            .cmp(sources.get(fb.primary.file).rel)
            .then(fa.primary.start.cmp(&fb.primary.start))
            .then(fa.rule.cmp(&fb.rule))
            .then(fa.message.cmp(&fb.message))
            .then(fa.context.cmp(&fb.context))
            .then(a.row.cmp(&b.row))
    });
    findings.dedup_by(|a, b| {
        a.finding.rule == b.finding.rule
            && a.finding.primary == b.finding.primary
            && a.finding.message == b.finding.message
            && a.finding.context == b.finding.context
            && a.row == b.row
    });
    count_rows(&mut rows, &findings);
    let root = if opts.paths.is_empty() {
        ".".to_string()
    } else {
        let v: Vec<String> = opts.paths.iter().map(|p| p.display().to_string()).collect();
        v.join(", ")
    };
    Audit {
        root,
        sources,
        rows,
        findings,
        stats,
        rules: policies.rules.clone(),
        inline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::PolicyOptions;

    /// The streaming audit resolves each job on its own and attaches the network jobs
    /// by index; it must list what an audit over every unit at once (the network
    /// attached across all of them) lists. `fixtures/rules` has jobs the network pass
    /// evaluates early and takes back (85 of them).
    #[test]
    fn the_streaming_audit_lists_what_one_over_every_unit_at_once_does() {
        let policies = Policies::load(&PolicyOptions::default()).unwrap();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let corpus = crate::testdata::corpus();
        for path in [root.join("fixtures/rules")].into_iter().chain(corpus) {
            let opts = ScanOptions {
                paths: vec![path.clone()],
                ..ScanOptions::default()
            };
            let streamed = audit(&opts, &policies, &progress::Bar::hidden()).unwrap();
            let all = scan::prepare(&opts).unwrap();
            let mut engine = policies.worker();
            let units = all
                .units
                .iter()
                .map(|u| unit_outcome(&policies, &mut engine, u, &all.sources, &opts.options))
                .collect::<Result<_, _>>()
                .unwrap();
            let at_once = assemble(
                &opts,
                &policies,
                all.sources,
                all.load_failures,
                all.stats,
                units,
                all.inline,
            );
            let path = path.display();
            assert!(
                streamed.rows.len() > 20,
                "{path}: {} rows",
                streamed.rows.len()
            );
            assert_eq!(
                format!("{:?}", streamed.rows),
                format!("{:?}", at_once.rows),
                "{path}"
            );
            // The streamed findings carry their positions; the others are computed.
            let shown = |a: &Audit| -> Vec<String> {
                let all = a.findings.iter().map(|f| {
                    let at: Vec<_> = f
                        .finding
                        .sites()
                        .map(|s| a.line_col(&f.finding, s))
                        .collect();
                    let mut f = f.clone();
                    f.finding.places.clear();
                    format!("{at:?} {f:?}")
                });
                all.collect()
            };
            assert!(streamed
                .findings
                .iter()
                .any(|f| !f.finding.places.is_empty()));
            assert_eq!(shown(&streamed), shown(&at_once), "{path}");
            assert_eq!(
                format!("{:?}", streamed.stats),
                format!("{:?}", at_once.stats),
                "{path}"
            );
        }
    }

    /// A file that changes between the passes is AKS901 naming the change, not a unit
    /// silently left out; the other files are listed as before.
    #[test]
    fn a_file_changed_between_the_passes_is_aks901_and_the_rest_is_listed() {
        let policies = Policies::load(&PolicyOptions::default()).unwrap();
        let (_dir, opts, edit) = scan::tests::two_copies("fixtures/audit/natgw/aks-nat.json");
        let bar = progress::Bar::hidden();
        let both = audit(&opts, &policies, &bar).unwrap();
        let one = audit_with(&opts, &policies, &bar, &edit).unwrap();
        let files = |a: &Audit| {
            a.rows
                .iter()
                .map(|r| r.file.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(files(&both), ["a.json", "b.json"]);
        assert_eq!(files(&one), ["a.json"]);
        assert_eq!((both.stats.units, one.stats.units), (2, 1));
        let changed: Vec<_> = one
            .findings
            .iter()
            .filter(|f| f.finding.rule == "AKS901")
            .collect();
        assert_eq!(changed.len(), 1, "{:?}", one.findings);
        assert_eq!(one.rel(changed[0].finding.primary), "b.json");
        assert!(changed[0]
            .finding
            .message
            .contains("changed while aksgate was scanning"));
        assert_eq!(changed[0].row, None);
    }

    #[test]
    fn items_move_to_their_new_index_in_place() {
        for n in [0usize, 1, 2, 7, 100] {
            // A permutation with cycles of several lengths.
            let new_index: Vec<usize> = (0..n).map(|i| (i * 37 + 11) % n.max(1)).collect();
            if n > 1 {
                let mut seen = new_index.clone();
                seen.sort_unstable();
                assert_eq!(seen, (0..n).collect::<Vec<_>>(), "{n}: not a permutation");
            }
            let mut items: Vec<usize> = (0..n).collect();
            move_to(&mut items, &new_index);
            for (old, &new) in new_index.iter().enumerate() {
                assert_eq!(items[new], old, "{n}");
            }
        }
    }

    #[test]
    fn subnet_ids_shorten_to_vnet_and_subnet() {
        assert_eq!(
            short_subnet("/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/aks"),
            "vnet/aks"
        );
        assert_eq!(short_subnet("not-an-id"), "not-an-id");
    }

    #[test]
    fn api_dates_and_outbound_type_definition() {
        assert_eq!(api_date("2021-05-01-preview"), Some("2021-05-01"));
        assert_eq!(api_date("latest"), None);
        assert!(!defines_outbound_type("2019-10-01"));
        assert!(defines_outbound_type("2019-11-01"));
        assert!(!defines_outbound_type("2021-03-01-preview"));
        assert!(defines_outbound_type("2021-11-01-preview"));
    }

    #[test]
    fn cells_display_their_origin() {
        assert_eq!(Cell::set("azure").display(), "azure");
        assert_eq!(Cell::default("kubenet").display(), "kubenet (default)");
        assert_eq!(
            Cell::unknown_expr("[parameters('x')]", "no value").display(),
            "(unknown: [parameters('x')])"
        );
        assert_eq!(
            Cell::no_default("r".into()).display(),
            "(not set, no default)"
        );
        assert_eq!(
            Counts {
                error: 2,
                warning: 1,
                note: 0
            }
            .display(),
            "2E 1W"
        );
    }
}
