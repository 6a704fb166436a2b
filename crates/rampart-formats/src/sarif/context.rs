//! A run's context: its tool, its rules (prepared once per run), its artifacts and base
//! directories — everything a result of the run is converted against.

use super::producers::{self, Producer};
use super::raw::{
    Artifact, Automation, Component, Invocation, Logical, Message, Props, RawResult, RawRule,
    RawTool,
};
use super::text;
use rampart_model::path::normalize_path;
use rampart_model::{
    Cvss, CvssVersion, FindingKind, ToolInfo, VulnId, normalize_cwe, normalize_vuln_id,
};
use std::collections::HashMap;

/// The run-level members read so far, before the run's context is built from them.
#[derive(Debug, Default)]
pub(crate) struct RunInput {
    /// `tool`.
    pub tool: Option<RawTool>,
    /// `artifacts`.
    pub artifacts: Vec<Artifact>,
    /// `invocations`.
    pub invocations: Vec<Invocation>,
    /// `originalUriBaseIds`.
    pub base_ids: Vec<(String, super::raw::ArtifactLocation)>,
    /// `automationDetails`.
    pub automation: Option<Automation>,
    /// `taxonomies`.
    pub taxonomies: Vec<Component>,
    /// `logicalLocations`.
    pub logical: Vec<Logical>,
    /// `properties`.
    pub properties: Props,
}

/// One rule, with everything results need from it worked out once.
#[derive(Debug, Default)]
pub(crate) struct RuleInfo {
    /// `id`.
    pub id: String,
    /// `name`, when it is not just the id again.
    pub name: Option<String>,
    /// `shortDescription`.
    pub short: Option<String>,
    /// `fullDescription`.
    pub full: Option<String>,
    /// `help` (text, else markdown).
    pub help: Option<String>,
    /// `helpUri`.
    pub help_uri: Option<String>,
    /// `messageStrings`, id → text.
    pub message_strings: Vec<(String, String)>,
    /// `defaultConfiguration.level`.
    pub default_level: Option<String>,
    /// CodeQL's `problem.severity` property.
    pub problem_severity: Option<String>,
    /// `properties.security-severity`: the score and the value as written.
    pub security_severity: Option<(f64, String)>,
    /// CVSS data in the properties (`cvssv3_vector`, `cvssv3_baseScore` ...).
    pub cvss: Vec<Cvss>,
    /// CWEs from tags, relationships, properties and a CWE-shaped id.
    pub cwes: Vec<u32>,
    /// Tags that are not CWE references.
    pub tags: Vec<String>,
    /// Vulnerability ids the rule is about: its id (or id prefix), `deprecatedIds`, tags.
    pub vuln_ids: Vec<VulnId>,
    /// Vulnerability ids named in the first line of the descriptions (weaker evidence,
    /// used for dependency findings only).
    pub desc_vuln_ids: Vec<VulnId>,
    /// The rule's class when the producer states one (Trivy).
    pub class: Option<FindingKind>,
    /// A package URL in the rule's properties (`purls`, `purl`).
    pub purl: Option<String>,
}

impl RuleInfo {
    /// The message string with `id`.
    pub fn message_string(&self, id: &str) -> Option<&str> {
        lookup(&self.message_strings, id)
    }
}

fn lookup<'a>(pairs: &'a [(String, String)], id: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == id).map(|(_, v)| v.as_str())
}

/// What every result of one run is converted against.
#[derive(Debug)]
pub(crate) struct RunCtx {
    /// Index of the run in `runs`.
    pub run: usize,
    /// The tool, normalized.
    pub tool: ToolInfo,
    /// What Rampart knows about the tool.
    pub producer: Producer,
    /// Rules per tool component: the driver first, then each extension.
    components: Vec<Vec<RuleInfo>>,
    /// Names of the components, lower-case, in the same order.
    component_names: Vec<String>,
    /// Rule id → (component, index).
    by_id: HashMap<String, (usize, usize)>,
    /// The driver's `globalMessageStrings`.
    global_strings: Vec<(String, String)>,
    /// `artifacts[i].location.uri`.
    artifacts: Vec<Option<String>>,
    /// Absolute base directories (normalized), longest first, to make absolute URIs relative.
    bases: Vec<String>,
    /// `automation:<id>` when the run names its automation.
    pub automation_tag: Option<String>,
    /// `logicalLocations[i]` names.
    logical: Vec<Option<String>>,
    /// The run's `properties`.
    pub run_props: Props,
}

impl RunCtx {
    /// Builds the context of run `run` from what was read of it. Returns the context and,
    /// when the tool is missing, a note for a diagnostic.
    pub fn build(run: usize, input: &mut RunInput) -> (RunCtx, Option<String>) {
        let mut note = None;
        let tool = input.tool.take().unwrap_or_else(|| {
            note = Some(
                "the run has no `tool`: its results are attributed to tool `unknown`".to_string(),
            );
            RawTool::default()
        });
        let RawTool {
            driver,
            extensions,
            name,
            version,
            semantic_version,
        } = tool;
        let raw_name = driver
            .name
            .clone()
            .or(name)
            .filter(|n| !n.trim().is_empty());
        if raw_name.is_none() && note.is_none() {
            note = Some(
                "the tool has no `driver.name`: its results are attributed to tool `unknown`"
                    .into(),
            );
        }
        let tool_name = producers::normalize_tool_name(raw_name.as_deref().unwrap_or("unknown"));
        let producer = producers::producer(&tool_name);
        let version = [
            &driver.semantic_version,
            &driver.version,
            &semantic_version,
            &version,
        ]
        .into_iter()
        .flatten()
        .map(|v| v.trim())
        .find(|v| !v.is_empty())
        .map(str::to_string);
        let cwe_taxa = cwe_taxa(&input.taxonomies);
        let global_strings = message_pairs(&driver.global_message_strings);
        let mut ctx = RunCtx {
            run,
            tool: ToolInfo {
                name: tool_name,
                version,
            },
            producer,
            components: Vec::new(),
            component_names: Vec::new(),
            by_id: HashMap::new(),
            global_strings,
            artifacts: input.artifacts.drain(..).map(|a| a.location.uri).collect(),
            bases: bases(input),
            automation_tag: input
                .automation
                .as_ref()
                .and_then(|a| a.id.as_deref())
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map(|id| format!("automation:{id}")),
            logical: input
                .logical
                .iter()
                .map(|l| l.best_name().map(str::to_string))
                .collect(),
            run_props: std::mem::take(&mut input.properties),
        };
        for component in std::iter::once(driver).chain(extensions) {
            ctx.add_component(component, &cwe_taxa);
        }
        (ctx, note)
    }

    fn add_component(&mut self, component: Component, cwe_taxa: &[Option<String>]) {
        let c = self.components.len();
        let rules: Vec<RuleInfo> = component
            .rules
            .into_iter()
            .map(|r| prepare_rule(r, self.producer, cwe_taxa))
            .collect();
        for (i, rule) in rules.iter().enumerate() {
            self.by_id.entry(rule.id.clone()).or_insert((c, i));
        }
        self.components.push(rules);
        self.component_names
            .push(component.name.unwrap_or_default().to_ascii_lowercase());
    }

    /// The rule a result refers to: by `rule.toolComponent` + `rule.index` or `ruleIndex`
    /// when that rule's id agrees with the result's id, else by id.
    pub fn rule_for(&self, r: &RawResult) -> Option<&RuleInfo> {
        let id = r.rule_id.as_deref().or(r.rule.id.as_deref());
        let comp = r
            .rule
            .tool_component
            .index
            .map(|i| i as usize + 1)
            .or_else(|| {
                let name = r.rule.tool_component.name.as_deref()?.to_ascii_lowercase();
                self.component_names.iter().position(|n| *n == name)
            });
        let comp = comp.unwrap_or(0);
        let indexed = r
            .rule
            .index
            .or(r.rule_index)
            .and_then(|i| self.components.get(comp)?.get(i as usize));
        if let Some(rule) = indexed {
            let agrees = id.is_none_or(|id| {
                id == rule.id
                    || id
                        .strip_prefix(rule.id.as_str())
                        .is_some_and(|t| t.starts_with('/'))
            });
            if agrees {
                return Some(rule);
            }
        }
        let id = id?;
        let found = self.by_id.get(id).or_else(|| {
            // Hierarchical ids (`C2001/sub`) name their parent rule.
            id.split_once('/')
                .and_then(|(parent, _)| self.by_id.get(parent))
        })?;
        self.components.get(found.0)?.get(found.1)
    }

    /// The driver's global message string with `id`.
    pub fn global_string(&self, id: &str) -> Option<&str> {
        lookup(&self.global_strings, id)
    }

    /// `artifacts[index]`'s URI.
    pub fn artifact_uri(&self, index: u32) -> Option<&str> {
        self.artifacts.get(index as usize)?.as_deref()
    }

    /// `logicalLocations[index]`'s name.
    pub fn logical_name(&self, index: u32) -> Option<&str> {
        self.logical.get(index as usize)?.as_deref()
    }

    /// A repository-relative path for a URI as a result wrote it: normalized, and for
    /// absolute URIs made relative to the run's base directories (`originalUriBaseIds`,
    /// invocation working directories) when it is under one. URIs of other schemes
    /// (`https://`) are kept as written.
    pub fn path_of(&self, uri: &str) -> Option<String> {
        let uri = uri.trim();
        if uri.is_empty() {
            return None;
        }
        if uri.contains("://")
            && !uri
                .get(..5)
                .is_some_and(|s| s.eq_ignore_ascii_case("file:"))
        {
            return Some(uri.to_string());
        }
        if is_plain_relative(uri) {
            return Some(uri.to_string());
        }
        let path = normalize_path(uri);
        if is_absolute(uri) {
            for base in &self.bases {
                if let Some(rest) = path
                    .strip_prefix(base.as_str())
                    .and_then(|r| r.strip_prefix('/'))
                {
                    return Some(rest.to_string());
                }
            }
        }
        (!path.is_empty()).then_some(path)
    }
}

/// Whether a URI is already a normalized relative path (the common case, read without
/// `normalize_path`'s copies): no scheme, escapes, backslashes, `.`/`..` or empty segments.
fn is_plain_relative(uri: &str) -> bool {
    !uri.contains(['%', '\\', ':'])
        && uri
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
}

/// Whether a URI names an absolute location (`file:`, `/x`, `\\x`, `C:/x`).
fn is_absolute(uri: &str) -> bool {
    let b = uri.as_bytes();
    uri.get(..5)
        .is_some_and(|s| s.eq_ignore_ascii_case("file:"))
        || uri.starts_with(['/', '\\'])
        || (b.len() > 2
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && (b[2] == b'/' || b[2] == b'\\'))
}

/// The absolute base directories a run names, normalized, longest first.
fn bases(input: &RunInput) -> Vec<String> {
    let mut out: Vec<String> = input
        .base_ids
        .iter()
        .map(|(_, loc)| loc)
        .chain(input.invocations.iter().map(|i| &i.working_directory))
        .filter_map(|loc| loc.uri.as_deref())
        .filter(|uri| is_absolute(uri))
        .map(normalize_path)
        .filter(|b| !b.is_empty())
        .collect();
    out.sort_by_key(|b| std::cmp::Reverse(b.len()));
    out.dedup();
    out
}

/// The taxa ids of the run's CWE taxonomy, by index (to resolve index-only references).
fn cwe_taxa(taxonomies: &[Component]) -> Vec<Option<String>> {
    taxonomies
        .iter()
        .find(|t| {
            t.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case("cwe"))
        })
        .map(|t| t.taxa.iter().map(|x| x.id.clone()).collect())
        .unwrap_or_default()
}

fn message_pairs(pairs: &[(String, Message)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .filter_map(|(k, m)| m.plain().map(|t| (k.clone(), t.to_string())))
        .collect()
}

/// Works out, once per rule, what results need from it.
fn prepare_rule(r: RawRule, producer: Producer, cwe_taxa: &[Option<String>]) -> RuleInfo {
    let id = r.id.clone().or_else(|| r.name.clone()).unwrap_or_default();
    let (cwes, tags) = cwes_and_tags(&r, &id, cwe_taxa);
    let name = r.name.clone().filter(|n| !n.trim().is_empty() && *n != id);
    let class = (producer == Producer::Trivy)
        .then(|| producers::trivy_class(r.name.as_deref(), &tags))
        .flatten();
    let mut vuln_ids = Vec::new();
    push_vuln(&mut vuln_ids, text::vuln_id_prefix(&id));
    if let Some(n) = r.name.as_deref() {
        push_vuln(
            &mut vuln_ids,
            text::vuln_id_prefix(n).filter(|p| p.len() == n.len()),
        );
    }
    for s in r
        .deprecated_ids
        .iter()
        .chain(prop_strs(&r.properties, &["tags"]).iter())
    {
        push_vuln(
            &mut vuln_ids,
            text::vuln_id_prefix(s).filter(|p| p.len() == s.len()),
        );
    }
    for s in prop_strs(&r.properties, VULN_ID_KEYS) {
        text::vuln_ids_in(&s).for_each(|v| push_vuln(&mut vuln_ids, Some(v)));
    }
    let mut desc_vuln_ids = Vec::new();
    for d in [&r.short_description, &r.full_description] {
        if let Some(line) = d.plain().and_then(text::first_line) {
            text::vuln_ids_in(line).for_each(|v| push_vuln(&mut desc_vuln_ids, Some(v)));
        }
    }
    RuleInfo {
        name,
        short: r.short_description.plain().map(str::to_string),
        full: r.full_description.plain().map(str::to_string),
        help: r.help.plain().map(str::to_string),
        help_uri: r.help_uri.clone().filter(|u| !u.trim().is_empty()),
        message_strings: message_pairs(&r.message_strings),
        default_level: r.default_configuration.level.clone(),
        problem_severity: prop_str(&r.properties, &["problem.severity"]),
        security_severity: security_severity(&r.properties),
        cvss: cvss_in(&r.properties),
        cwes,
        tags,
        vuln_ids,
        desc_vuln_ids,
        class,
        purl: prop_strs(&r.properties, &["purls", "purl"])
            .into_iter()
            .find(|p| p.starts_with("pkg:")),
        id,
    }
}

/// Property keys under which tools list vulnerability ids.
pub(crate) const VULN_ID_KEYS: &[&str] = &[
    "cve",
    "cves",
    "cveid",
    "cve_id",
    "aliases",
    "vulnerabilityid",
    "vulnerability_id",
    "identifiers",
];

/// Property keys under which tools name CWEs.
pub(crate) const CWE_KEYS: &[&str] = &["cwe", "cwes", "cwe_id", "cwe_ids", "cweid"];

fn push_vuln(out: &mut Vec<VulnId>, raw: Option<&str>) {
    if let Some(v) = raw.and_then(normalize_vuln_id)
        && !out.contains(&v)
    {
        out.push(v);
    }
}

/// Splits a rule's tags into CWEs and other tags, and adds CWEs from relationships to a CWE
/// taxonomy, CWE properties and a rule id that is itself a CWE (`CWE-79`).
fn cwes_and_tags(r: &RawRule, id: &str, cwe_taxa: &[Option<String>]) -> (Vec<u32>, Vec<String>) {
    let mut cwes = Vec::new();
    let mut tags = Vec::new();
    split_tags(prop_strs(&r.properties, &["tags"]), &mut cwes, &mut tags);
    for s in prop_strs(&r.properties, CWE_KEYS) {
        push_cwe(&mut cwes, normalize_cwe(&s));
    }
    for rel in &r.relationships {
        push_cwe(&mut cwes, cwe_of_reference(&rel.target, cwe_taxa));
    }
    let cwe_number = id
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case("cwe-"))
        .and_then(|_| id.get(4..))
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
    if cwe_number {
        push_cwe(&mut cwes, normalize_cwe(id));
    }
    (cwes, tags)
}

/// The CWE a taxon reference points at: a reference into a component named `CWE`, or an id
/// written `CWE-n`; index-only references are resolved through the run's CWE taxonomy.
pub(crate) fn cwe_of_reference(
    t: &super::raw::DescriptorRef,
    cwe_taxa: &[Option<String>],
) -> Option<u32> {
    let in_cwe = t
        .tool_component
        .name
        .as_deref()
        .is_some_and(|n| n.eq_ignore_ascii_case("cwe"));
    match t.id.as_deref() {
        Some(id) if in_cwe || id.to_ascii_lowercase().starts_with("cwe") => normalize_cwe(id),
        Some(_) => None,
        None if in_cwe => t
            .index
            .and_then(|i| cwe_taxa.get(i as usize)?.as_deref())
            .and_then(normalize_cwe),
        None => None,
    }
}

/// Sorts `raw` tags into CWE numbers and other tags (deduplicated, order kept). Tags that
/// are vulnerability ids are left out: they are read as vulnerability ids.
pub(crate) fn split_tags(raw: Vec<String>, cwes: &mut Vec<u32>, tags: &mut Vec<String>) {
    for t in raw {
        let t = t.trim();
        if t.is_empty() || text::vuln_id_prefix(t).is_some_and(|p| p.len() == t.len()) {
            continue;
        }
        match t
            .to_ascii_lowercase()
            .contains("cwe")
            .then(|| normalize_cwe(t))
            .flatten()
        {
            Some(c) => push_cwe(cwes, Some(c)),
            None => {
                if !tags.iter().any(|x| x == t) {
                    tags.push(t.to_string());
                }
            }
        }
    }
}

/// Adds a CWE unless present.
pub(crate) fn push_cwe(out: &mut Vec<u32>, c: Option<u32>) {
    if let Some(c) = c
        && !out.contains(&c)
    {
        out.push(c);
    }
}

/// The value under the first of `keys` (ASCII case-insensitive) in a properties bag.
pub(crate) fn prop<'p>(props: &'p Props, keys: &[&str]) -> Option<&'p serde_json::Value> {
    if props.is_empty() {
        return None;
    }
    keys.iter().find_map(|k| {
        props
            .iter()
            .find(|(name, v)| name.eq_ignore_ascii_case(k) && !v.is_null())
            .map(|(_, v)| v)
    })
}

/// A property as text (strings, numbers, booleans).
pub(crate) fn prop_str(props: &Props, keys: &[&str]) -> Option<String> {
    prop(props, keys)
        .and_then(crate::json::lenient_string)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// A property as a list of texts: a list, or one value.
pub(crate) fn prop_strs(props: &Props, keys: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    if props.is_empty() {
        return out;
    }
    for k in keys {
        match prop(props, &[k]) {
            Some(serde_json::Value::Array(items)) => {
                out.extend(items.iter().filter_map(crate::json::lenient_string))
            }
            Some(v) => out.extend(crate::json::lenient_string(v)),
            None => {}
        }
    }
    out
}

/// `security-severity`: a CVSS-like score between 0 and 10, as GitHub code scanning reads it.
pub(crate) fn security_severity(props: &Props) -> Option<(f64, String)> {
    let label = prop_str(
        props,
        &["security-severity", "security_severity", "securitySeverity"],
    )?;
    let score = label
        .parse::<f64>()
        .ok()
        .filter(|s| (0.0..=10.0).contains(s))?;
    Some((score, label))
}

/// CVSS vectors and scores in a properties bag (`cvssv3_vector`, `cvssv3_baseScore`,
/// `cvss3BaseScore`, `cvssv2_score` ...), best version first.
pub(crate) fn cvss_in(props: &Props) -> Vec<Cvss> {
    let mut out: Vec<Cvss> = Vec::new();
    for (key, value) in props {
        let k: String = key
            .chars()
            .filter(|c| !matches!(c, '_' | '-' | ' ' | '.'))
            .collect::<String>()
            .to_ascii_lowercase();
        let Some(rest) = k.strip_prefix("cvss") else {
            continue;
        };
        let rest = rest.strip_prefix('v').unwrap_or(rest);
        let version = match rest.chars().next() {
            Some('2') => CvssVersion::V2,
            Some('3') => CvssVersion::V3,
            Some('4') => CvssVersion::V4,
            _ => continue,
        };
        let field = rest[1..].trim_start_matches(|c: char| c.is_ascii_digit());
        let text = crate::json::lenient_string(value).map(|s| s.trim().to_string());
        let Some(text) = text.filter(|s| !s.is_empty()) else {
            continue;
        };
        let slot = match out.iter().position(|c| c.version == version) {
            Some(i) => i,
            None => {
                out.push(Cvss {
                    version,
                    vector: None,
                    score: None,
                });
                out.len() - 1
            }
        };
        match field {
            "vector" | "vectorstring" => out[slot].vector = Some(text),
            "score" | "basescore" => {
                out[slot].score = text
                    .parse::<f64>()
                    .ok()
                    .filter(|s| (0.0..=10.0).contains(s))
            }
            _ => {}
        }
    }
    out.retain(|c| c.vector.is_some() || c.score.is_some());
    out.sort_by_key(|c| std::cmp::Reverse(version_rank(c.version)));
    out
}

fn version_rank(v: CvssVersion) -> u8 {
    match v {
        CvssVersion::V2 => 2,
        CvssVersion::V3 => 3,
        CvssVersion::V4 => 4,
    }
}
