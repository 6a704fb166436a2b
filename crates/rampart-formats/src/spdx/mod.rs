//! SPDX 2.2 / 2.3 SBOMs, JSON ([`json`]) and tag-value ([`tagvalue`]): an
//! [`Inventory`](rampart_model::Inventory), no observations (SPDX 2 has no vulnerabilities).
//!
//! * **Root**: the package the document `DESCRIBES` (`documentDescribes`, or a `DESCRIBES`
//!   relationship from `SPDXRef-DOCUMENT`). When exactly one package is described it is the
//!   inventory's root and not one of its components; otherwise every package is a component.
//! * **Components**: every package; the purl is the first `PACKAGE-MANAGER` (or
//!   `PACKAGE_MANAGER`) external reference of type `purl`; the name is the purl's name joined
//!   with its group the way advisories spell it (Maven `group:artifact`, npm `@scope/name`),
//!   else the package name; licenses: `licenseConcluded`, else `licenseDeclared` (not `NOASSERTION`
//!   / `NONE`); checksums as `ALG:hex`.
//! * **Edges**: `DEPENDS_ON`, `CONTAINS`, `DYNAMIC_LINK`, `STATIC_LINK` and
//!   `*_DEPENDENCY_OF` / `DEPENDENCY_OF` /
//!   `CONTAINED_BY` (reversed) between packages; other relationship types are not dependencies.
//! * **Tool**: the first `Tool:` creator (`syft-0.84.1` → `syft` 0.84.1), else `spdx`.
//! * Rejected (a [`ParseError`] naming the place): not well-formed JSON, a top level that is
//!   not an object, no `spdxVersion` / `SPDXVersion`, or a version other than 2.x (SPDX 3.0
//!   JSON-LD is a different model). A package without a name or `SPDXID` is skipped with a
//!   diagnostic; relationships to unknown ids are dropped with a diagnostic.

pub mod json;
pub mod tagvalue;

use crate::cyclonedx::purl;
use crate::{Emitter, ParseContext, ParseError, ParseOutcome};
use rampart_model::{Component, DependencyEdge, Inventory, ToolInfo, ToolKind};
use std::collections::{HashMap, HashSet};

/// A package as read from either syntax.
#[derive(Debug, Default, Clone)]
pub(crate) struct Package {
    pub spdx_id: String,
    pub name: String,
    pub version: Option<String>,
    pub purl: Option<String>,
    pub purpose: Option<String>,
    pub license_concluded: Option<String>,
    pub license_declared: Option<String>,
    pub checksums: Vec<(String, String)>,
    /// Where it was in the document (for diagnostics).
    pub place: String,
}

/// A relationship as read.
#[derive(Debug, Default, Clone)]
pub(crate) struct Relationship {
    pub from: String,
    pub kind: String,
    pub to: String,
    pub place: String,
}

/// A document as read from either syntax.
#[derive(Debug, Default)]
pub(crate) struct Document {
    pub version: String,
    pub describes: Vec<String>,
    pub creators: Vec<String>,
    pub packages: Vec<Package>,
    pub relationships: Vec<Relationship>,
}

/// Checks the version: `SPDX-2.x`.
pub(crate) fn check_version(
    ctx: &ParseContext,
    place: &str,
    version: Option<&str>,
) -> Result<String, ParseError> {
    let v = version.map(str::trim).unwrap_or("");
    if v.is_empty() {
        return Err(ParseError::Invalid {
            file: ctx.file_name.clone(),
            place: place.into(),
            message: "no SPDX version: expected `SPDX-2.2` or `SPDX-2.3`".into(),
        });
    }
    if !v.starts_with("SPDX-2.") {
        return Err(ParseError::Invalid {
            file: ctx.file_name.clone(),
            place: place.into(),
            message: format!("SPDX version `{v}` is not supported: expected SPDX-2.2 or SPDX-2.3"),
        });
    }
    Ok(v.to_owned())
}

fn usable(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty() && *v != "NOASSERTION" && *v != "NONE")
        .map(str::to_owned)
}

fn tool_of(creators: &[String]) -> ToolInfo {
    let tool = creators
        .iter()
        .find_map(|c| c.trim().strip_prefix("Tool:").map(str::trim))
        .filter(|t| !t.is_empty());
    match tool {
        Some(t) => {
            let (name, version) = match t.rsplit_once('-') {
                Some((n, v)) if v.starts_with(|c: char| c.is_ascii_digit() || c == 'v') => {
                    (n, Some(v.trim_start_matches('v').to_owned()))
                }
                _ => (t, None),
            };
            ToolInfo {
                name: name.trim().to_ascii_lowercase(),
                version,
            }
        }
        None => ToolInfo {
            name: "spdx".into(),
            version: None,
        },
    }
}

/// Turns a read document into the outcome: inventory, tool, diagnostics.
pub(crate) fn finish(doc: Document, emitter: &mut Emitter<'_>) -> ParseOutcome {
    let mut seen: HashSet<String> = HashSet::new();
    let mut components: Vec<Component> = Vec::new();
    let mut ids: HashMap<String, usize> = HashMap::new();
    for p in doc.packages {
        if p.spdx_id.trim().is_empty() || p.name.trim().is_empty() {
            emitter.diagnose(&p.place, "package without SPDXID or name: skipped");
            continue;
        }
        if !seen.insert(p.spdx_id.clone()) {
            emitter.diagnose(
                &p.place,
                format!("duplicate SPDXID `{}`: the first package wins", p.spdx_id),
            );
            continue;
        }
        let parsed = p.purl.as_deref().and_then(purl::parse);
        let name = parsed
            .as_ref()
            .map(|x| x.display_name())
            .unwrap_or_else(|| p.name.trim().to_owned());
        let licenses: Vec<String> = usable(&p.license_concluded)
            .or_else(|| usable(&p.license_declared))
            .into_iter()
            .collect();
        ids.insert(p.spdx_id.clone(), components.len());
        components.push(Component {
            bom_ref: p.spdx_id,
            name,
            version: usable(&p.version).or_else(|| parsed.and_then(|x| x.version)),
            purl: p.purl,
            component_type: p.purpose.map(|s| s.to_ascii_lowercase().replace('_', "-")),
            licenses,
            hashes: p
                .checksums
                .into_iter()
                .map(|(alg, v)| format!("{}:{}", alg.trim(), v.trim().to_ascii_lowercase()))
                .collect(),
        });
    }
    let mut describes: Vec<String> = doc.describes;
    let mut edges: Vec<DependencyEdge> = Vec::new();
    for r in &doc.relationships {
        let kind = r.kind.trim().to_ascii_uppercase();
        if kind == "DESCRIBES" && r.from.trim() == "SPDXRef-DOCUMENT" {
            describes.push(r.to.trim().to_owned());
            continue;
        }
        if kind == "DESCRIBED_BY" && r.to.trim() == "SPDXRef-DOCUMENT" {
            describes.push(r.from.trim().to_owned());
            continue;
        }
        let (from, to) = match kind.as_str() {
            "DEPENDS_ON" | "CONTAINS" | "DYNAMIC_LINK" | "STATIC_LINK" => {
                (r.from.trim(), r.to.trim())
            }
            "CONTAINED_BY" | "DEPENDENCY_OF" => (r.to.trim(), r.from.trim()),
            k if k.ends_with("_DEPENDENCY_OF") => (r.to.trim(), r.from.trim()),
            _ => continue,
        };
        if !ids.contains_key(from) || !ids.contains_key(to) {
            // Files and snippets are not components; only say so for unknown ids.
            if !from.contains("File") && !to.contains("File") {
                emitter.diagnose(
                    &r.place,
                    format!("{kind} between `{from}` and `{to}`: not both packages; dropped"),
                );
            }
            continue;
        }
        edges.push(DependencyEdge {
            from: from.to_owned(),
            to: to.to_owned(),
        });
    }
    describes.sort();
    describes.dedup();
    let described: Vec<&String> = describes.iter().filter(|d| ids.contains_key(*d)).collect();
    let root = match described.as_slice() {
        [one] => ids.get(*one).copied(),
        _ => None,
    };
    let root = root.map(|i| components.remove(i));
    let mut outcome = ParseOutcome {
        tool_kind: Some(ToolKind::Sbom),
        inventory: Some(Inventory {
            root,
            components,
            edges,
        }),
        ..ParseOutcome::default()
    };
    outcome.add_tool(tool_of(&doc.creators));
    outcome
}

/// Parses an SPDX 2.x JSON document.
pub fn parse_json<R: std::io::BufRead>(
    reader: R,
    ctx: &ParseContext,
    emitter: &mut Emitter<'_>,
) -> Result<ParseOutcome, ParseError> {
    let doc = json::read(reader, ctx, emitter)?;
    Ok(finish(doc, emitter))
}

/// Parses an SPDX 2.x tag-value document.
pub fn parse_tag_value<R: std::io::BufRead>(
    reader: R,
    ctx: &ParseContext,
    emitter: &mut Emitter<'_>,
) -> Result<ParseOutcome, ParseError> {
    let doc = tagvalue::read(reader, ctx, emitter)?;
    Ok(finish(doc, emitter))
}
