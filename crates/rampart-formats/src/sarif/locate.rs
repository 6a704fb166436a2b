//! Where a result points: its primary physical location, and for dependency and IaC findings
//! the package or resource, extracted as each producer writes them.

use super::context::{RuleInfo, RunCtx, prop_str, prop_strs};
use super::producers::{self, Producer};
use super::raw::{Loc, RawResult};
use super::text;
use rampart_model::{PackageLocation, ResourceLocation};

/// How many further locations a message lists before `(+N more)`.
const MAX_OTHER_LOCATIONS: usize = 10;

/// The primary location of a result, flattened.
#[derive(Debug, Default)]
pub(crate) struct Place {
    /// Repository-relative path.
    pub path: Option<String>,
    /// Region.
    pub start_line: Option<u32>,
    /// Region.
    pub end_line: Option<u32>,
    /// Region.
    pub start_column: Option<u32>,
    /// Region.
    pub end_column: Option<u32>,
    /// `region.snippet.text`.
    pub snippet: Option<String>,
    /// The first logical location's name.
    pub logical: Option<String>,
    /// The location's own message (Trivy writes `path: pkg@version` there).
    pub message: Option<String>,
    /// Further distinct places the result lists (`path:line`).
    pub others: Vec<String>,
    /// How many further places were not listed.
    pub others_more: usize,
}

impl Place {
    /// The primary location of `r`: the first location with a physical path (else the first
    /// location; else `analysisTarget`), with further locations listed.
    pub fn of(r: &mut RawResult, ctx: &RunCtx) -> Place {
        let (primary, path) = match r.locations.len() {
            0 => (0, None),
            1 => (0, loc_path(&r.locations[0], ctx)),
            _ => r
                .locations
                .iter()
                .enumerate()
                .find_map(|(i, l)| loc_path(l, ctx).map(|p| (i, Some(p))))
                .unwrap_or((0, None)),
        };
        let mut place = Place::default();
        if primary < r.locations.len() {
            let loc = r.locations.remove(primary);
            place.fill(loc, path, ctx);
        } else {
            place.path = r
                .analysis_target
                .uri
                .as_deref()
                .or_else(|| r.analysis_target.index.and_then(|i| ctx.artifact_uri(i)))
                .and_then(|u| ctx.path_of(u));
        }
        place.list_others(&r.locations, ctx);
        place
    }

    fn fill(&mut self, loc: Loc, path: Option<String>, ctx: &RunCtx) {
        let region = loc.physical_location.region;
        self.path = path;
        self.start_line = region.start_line.filter(|l| *l > 0);
        self.end_line = region.end_line.filter(|l| *l > 0);
        self.start_column = region.start_column.filter(|c| *c > 0);
        self.end_column = region.end_column.filter(|c| *c > 0);
        self.snippet = region.snippet.text.filter(|s| !s.trim().is_empty());
        self.logical = loc.logical_locations.iter().find_map(|l| {
            l.best_name().map(str::to_string).or_else(|| {
                l.index
                    .and_then(|i| ctx.logical_name(i))
                    .map(str::to_string)
            })
        });
        self.message = loc.message.plain().map(str::to_string);
    }

    /// Lists the other locations (after the primary was removed) as `path:line`, skipping
    /// ones equal to the primary.
    fn list_others(&mut self, rest: &[Loc], ctx: &RunCtx) {
        let primary = self.short();
        for loc in rest {
            let Some(path) = loc_path(loc, ctx) else {
                continue;
            };
            let s = match loc.physical_location.region.start_line {
                Some(l) => format!("{path}:{l}"),
                None => path,
            };
            if Some(&s) == primary.as_ref() || self.others.contains(&s) {
                continue;
            }
            if self.others.len() < MAX_OTHER_LOCATIONS {
                self.others.push(s);
            } else {
                self.others_more += 1;
            }
        }
    }

    fn short(&self) -> Option<String> {
        let path = self.path.as_ref()?;
        Some(match self.start_line {
            Some(l) => format!("{path}:{l}"),
            None => path.clone(),
        })
    }

    /// `Also reported at: a.py:3, b.py:9 (+2 more)`, when the result listed further places.
    pub fn others_line(&self) -> Option<String> {
        if self.others.is_empty() {
            return None;
        }
        let mut s = format!("Also reported at: {}", self.others.join(", "));
        if self.others_more > 0 {
            s.push_str(&format!(" (+{} more)", self.others_more));
        }
        Some(s)
    }
}

fn loc_path(loc: &Loc, ctx: &RunCtx) -> Option<String> {
    let al = &loc.physical_location.artifact_location;
    al.uri
        .as_deref()
        .filter(|u| !u.trim().is_empty())
        .or_else(|| al.index.and_then(|i| ctx.artifact_uri(i)))
        .and_then(|u| ctx.path_of(u))
}

/// The package URL a result names: a logical location written as a purl (Dependency-Check),
/// a `purl` property, or the rule's `purls` property.
pub(crate) fn purl_of(r: &RawResult, rule: Option<&RuleInfo>, place: &Place) -> Option<String> {
    place
        .logical
        .clone()
        .filter(|l| l.starts_with("pkg:"))
        .or_else(|| {
            prop_strs(
                &r.properties,
                &["purl", "purls", "packageUrl", "package_url"],
            )
            .into_iter()
            .find(|p| p.starts_with("pkg:"))
        })
        .or_else(|| rule.and_then(|ru| ru.purl.clone()))
}

/// Keys of `Key: value` lines naming the package, its version and its fix, as Trivy and
/// Grype write them in messages and rule help.
const PACKAGE_KEYS: &[&str] = &["Package", "PkgName", "Package Name"];
const VERSION_KEYS: &[&str] = &["Installed Version", "Version", "Installed"];
const FIXED_KEYS: &[&str] = &["Fixed Version", "Fix Version", "Fixed Versions", "Fixed In"];

/// The package a dependency (or license) finding is about.
pub(crate) fn package(
    ctx: &RunCtx,
    rule: Option<&RuleInfo>,
    r: &RawResult,
    place: &Place,
    message: &str,
    purl: Option<String>,
) -> PackageLocation {
    let help = rule.and_then(|ru| ru.help.as_deref()).unwrap_or("");
    let from_purl = purl.as_deref().and_then(producers::split_purl);
    let (msg_name, msg_version) = producers::package_in_message(message);
    let loc_pkg = place.message.as_deref().and_then(location_package);
    let logical_pkg = place
        .logical
        .as_deref()
        .filter(|l| !l.starts_with("pkg:"))
        .and_then(producers::split_at_version);
    let name = from_purl
        .as_ref()
        .map(|p| p.1.clone())
        .or_else(|| text::field(message, PACKAGE_KEYS).map(str::to_string))
        .or_else(|| loc_pkg.map(|p| p.0.to_string()))
        .or_else(|| logical_pkg.map(|p| p.0.to_string()))
        .or(msg_name)
        .or_else(|| text::field(help, PACKAGE_KEYS).map(str::to_string))
        .or_else(|| {
            rule.and_then(|ru| grype_rule_package(&ru.id))
                .map(str::to_string)
        })
        .unwrap_or_else(|| "unknown".to_string());
    let version = from_purl
        .as_ref()
        .and_then(|p| p.2.clone())
        .or_else(|| text::field(message, VERSION_KEYS).map(str::to_string))
        .or_else(|| loc_pkg.map(|p| p.1.to_string()))
        .or_else(|| logical_pkg.map(|p| p.1.to_string()))
        .or(msg_version)
        .or_else(|| text::field(help, VERSION_KEYS).map(str::to_string))
        .filter(|v| !v.eq_ignore_ascii_case("unknown"));
    let fixed_versions = fixed_versions(message, help, r, &name);
    let ecosystem = from_purl
        .as_ref()
        .map(|p| p.0.clone())
        .or_else(|| {
            text::field(help, &["Type"])
                .and_then(producers::purl_type)
                .map(str::to_string)
        })
        .or_else(|| ecosystem_from_tags(rule))
        .or_else(|| (ctx.producer == Producer::Govulncheck).then(|| "golang".to_string()))
        .or_else(|| {
            place
                .path
                .as_deref()
                .and_then(producers::purl_type_of_file)
                .map(str::to_string)
        });
    // govulncheck names Go packages, not modules: no purl can be made from them.
    let purl = purl.or_else(|| {
        let ty = ecosystem.as_deref()?;
        (name != "unknown" && ctx.producer != Producer::Govulncheck)
            .then(|| producers::make_purl(ty, &name, version.as_deref()))
            .flatten()
    });
    PackageLocation {
        purl,
        ecosystem,
        name,
        version,
        fixed_versions,
        found_in: place.path.clone(),
    }
}

/// Trivy's location message `path: name@version`.
fn location_package(m: &str) -> Option<(&str, &str)> {
    let (_, pkg) = m.rsplit_once(": ")?;
    producers::split_at_version(pkg)
}

/// The package part of a Grype rule id (`CVE-2008-0732-geronimo-spec` → `geronimo-spec`).
fn grype_rule_package(rule_id: &str) -> Option<&str> {
    let id = text::vuln_id_prefix(rule_id)?;
    rule_id[id.len()..]
        .strip_prefix('-')
        .filter(|p| !p.is_empty())
}

/// Fixed versions: `Fixed Version:` lines (comma-separated lists split), else a fix whose
/// description says `Upgrade to name@version`.
fn fixed_versions(message: &str, help: &str, r: &RawResult, name: &str) -> Vec<String> {
    let listed = text::field(message, FIXED_KEYS).or_else(|| text::field(help, FIXED_KEYS));
    let mut out: Vec<String> = listed
        .map(|l| {
            l.split(',')
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if out.is_empty() {
        for fix in &r.fixes {
            let Some(d) = fix.description.plain() else {
                continue;
            };
            for word in d.split_whitespace() {
                let word = word.trim_end_matches(['.', ',', ';']);
                if let Some((n, v)) = producers::split_at_version(word)
                    && n == name
                    && !out.iter().any(|x| x == v)
                {
                    out.push(v.to_string());
                }
            }
        }
    }
    out
}

/// An ecosystem named among the rule's tags (Snyk tags its rules `npm`, `maven` ...).
fn ecosystem_from_tags(rule: Option<&RuleInfo>) -> Option<String> {
    rule?
        .tags
        .iter()
        .find_map(|t| producers::purl_type(t))
        .map(str::to_string)
}

/// Result property keys that name an IaC resource.
const RESOURCE_KEYS: &[&str] = &[
    "resource",
    "resourceName",
    "resource_name",
    "resourceId",
    "resource_id",
    "resourceAddress",
];

/// The IaC resource a finding is about: a logical location, a resource property, a
/// `Resource:` line in the message, Checkov's rule-level hint, else the file (else the rule).
pub(crate) fn resource(
    ctx: &RunCtx,
    rule: Option<&RuleInfo>,
    r: &RawResult,
    place: &Place,
    message: &str,
    rule_id: &str,
) -> ResourceLocation {
    let checkov = || {
        let hint = text::field(rule?.help.as_deref()?, &["Resource"])?;
        producers::checkov_resource(hint, place.path.as_deref()?)
    };
    let resource = place
        .logical
        .clone()
        .or_else(|| prop_str(&r.properties, RESOURCE_KEYS))
        .or_else(|| text::field(message, &["Resource"]).map(str::to_string))
        .or_else(|| (ctx.producer == Producer::Checkov).then(checkov).flatten())
        .or_else(|| place.path.clone())
        .unwrap_or_else(|| rule_id.to_string());
    ResourceLocation {
        file: place.path.clone(),
        resource,
        start_line: place.start_line,
        end_line: place.end_line.or(place.start_line),
    }
}
