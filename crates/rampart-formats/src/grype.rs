//! Grype JSON reports (`grype <target> -o json`), streamed.
//!
//! The document is walked with [`crate::jsonscan::Scanner`]: `matches` is streamed match by
//! match, each deserialized from its own bytes (memory grows with one match); `ignoredMatches`
//! (matches an ignore rule hid) likewise, each becoming an observation with a
//! [`Suppression`] so that nothing the tool found is lost. `source`, `distro` and `descriptor`
//! are small and read whole.
//!
//! # Mapping
//!
//! | Grype | observation ([`FindingKind::Dependency`]) |
//! |---|---|
//! | `vulnerability.id` | rule id, first vulnerability id |
//! | `relatedVulnerabilities[].id` | further vulnerability ids (aliases), normalized, de-duplicated |
//! | `artifact.purl`, `name`, `version` | package location (purl kept as Grype wrote it) |
//! | `artifact.type` (else `language`) | ecosystem |
//! | `vulnerability.fix.versions` (old reports: `fixedInVersion`) | fixed versions; `fix.state` as tag `fix-state:` |
//! | `artifact.locations[0].path` | `found_in` (normalized path) |
//! | `vulnerability.severity` | severity, the word kept verbatim; `Unknown` falls back to the first CVSS score |
//! | `vulnerability.cvss[]`, old `cvssV3` / `cvssV2`, then `relatedVulnerabilities[].cvss[]` | CVSS (vector + `metrics.baseScore`), newest CVSS version first, duplicates dropped |
//! | `vulnerability.description`, else the first related one | message |
//! | `dataSource`, `urls` (old: `links`) of the vulnerability, then of the related ones | references |
//! | `vulnerability.namespace` | tag `namespace:` |
//!
//! Grype has no title: it is `<id> in <name> <version>`. The tool is `descriptor.name`
//! (`grype`) with `descriptor.version`; a report whose descriptor names another tool (xeol,
//! which shares Grype's layout but reports end-of-life products) is rejected. Grype writes
//! `descriptor` *after* `matches`, so observations streamed before it carry no tool version;
//! [`ParseOutcome::tools`] always has it. The tool kind is [`ToolKind::Container`] when
//! `source.type` is `image`, else [`ToolKind::Sca`].

use crate::json::{self, Record};
use crate::jsonscan::{self, Scanner, Shape};
use crate::{Emitter, ParseContext, ParseError, ParseOutcome};
use rampart_model::path::normalize_path;
use rampart_model::{
    Cvss, CvssVersion, FindingKind, Location, Observation, PackageLocation, Severity, SeverityInfo,
    Suppression, ToolInfo, ToolKind, VulnId, normalize_vuln_id,
};
use serde::Deserialize;
use std::io::BufRead;

/// Parses a Grype JSON report, streaming each match into `emitter` as an [`Observation`].
pub fn parse<R: BufRead>(
    reader: R,
    ctx: &ParseContext,
    emitter: &mut Emitter<'_>,
) -> Result<ParseOutcome, ParseError> {
    let mut sc = Scanner::new(&ctx.file_name, reader);
    let mut st = State {
        file: &ctx.file_name,
        emitter,
        tool: ToolInfo {
            name: "grype".into(),
            version: None,
        },
        source_type: None,
        foreign_tool: None,
        recognized: false,
        keys: Vec::new(),
    };
    match sc.peek()? {
        Some(b'{') => {
            sc.object("", |sc, key| st.top_level(sc, key))?;
        }
        other => {
            let found = other.map(jsonscan::describe).unwrap_or("nothing");
            return Err(sc.error(
                "",
                format!("expected a Grype JSON report (an object with `matches`); found {found}"),
            ));
        }
    }
    sc.end()?;
    st.finish(ctx)
}

// ---------------------------------------------------------------------------------------------
// Records as Grype writes them (lenient).
// ---------------------------------------------------------------------------------------------

/// One entry of `matches` (or `ignoredMatches`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Match {
    vulnerability: Option<Record<Vuln>>,
    #[serde(rename = "relatedVulnerabilities", deserialize_with = "json::lenient")]
    related: Vec<Vuln>,
    artifact: Option<Record<Artifact>>,
    #[serde(rename = "appliedIgnoreRules")]
    applied_ignore_rules: Option<serde_json::Value>,
}

/// `vulnerability` or one of `relatedVulnerabilities`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Vuln {
    #[serde(deserialize_with = "json::opt_string")]
    id: Option<String>,
    #[serde(rename = "dataSource", deserialize_with = "json::opt_string")]
    data_source: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    namespace: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    severity: Option<String>,
    #[serde(deserialize_with = "json::strings")]
    urls: Vec<String>,
    /// Grype before 0.2x.
    #[serde(deserialize_with = "json::strings")]
    links: Vec<String>,
    #[serde(deserialize_with = "json::opt_string")]
    description: Option<String>,
    #[serde(deserialize_with = "json::lenient")]
    cvss: Vec<CvssRec>,
    /// Grype before 0.2x.
    #[serde(rename = "cvssV3", deserialize_with = "json::lenient")]
    cvss_v3: Option<OldCvss>,
    /// Grype before 0.2x.
    #[serde(rename = "cvssV2", deserialize_with = "json::lenient")]
    cvss_v2: Option<OldCvss>,
    #[serde(deserialize_with = "json::lenient")]
    fix: Fix,
    /// Grype before 0.2x.
    #[serde(rename = "fixedInVersion", deserialize_with = "json::strings")]
    fixed_in_version: Vec<String>,
    /// EPSS scores (Grype 0.8x and later).
    #[serde(deserialize_with = "json::lenient")]
    epss: Vec<EpssRec>,
    /// CISA KEV entries (Grype 0.8x and later).
    #[serde(rename = "knownExploited", deserialize_with = "json::lenient")]
    known_exploited: Vec<KevRec>,
}

/// An entry of `vulnerability.epss`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EpssRec {
    #[serde(deserialize_with = "json::lenient")]
    epss: Option<f64>,
    #[serde(deserialize_with = "json::lenient")]
    percentile: Option<f64>,
}

/// An entry of `vulnerability.knownExploited`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct KevRec {
    #[serde(
        rename = "knownRansomwareCampaignUse",
        deserialize_with = "json::opt_string"
    )]
    ransomware: Option<String>,
}

/// EPSS and KEV as Grype reported them (highest EPSS of the list).
fn exploit(v: &Vuln) -> Option<rampart_model::ExploitFacts> {
    let epss = v
        .epss
        .iter()
        .filter(|e| e.epss.is_some_and(|p| (0.0..=1.0).contains(&p)))
        .max_by(|a, b| a.epss.unwrap_or(0.0).total_cmp(&b.epss.unwrap_or(0.0)));
    let kev = !v.known_exploited.is_empty();
    if epss.is_none() && !kev {
        return None;
    }
    Some(rampart_model::ExploitFacts {
        epss: epss.and_then(|e| e.epss),
        epss_percentile: epss.and_then(|e| e.percentile),
        kev: kev.then_some(true),
        ransomware: kev.then(|| {
            v.known_exploited.iter().any(|k| {
                k.ransomware
                    .as_deref()
                    .is_some_and(|r| r.eq_ignore_ascii_case("known"))
            })
        }),
        source: Some("grype".into()),
    })
}

/// An entry of `cvss`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CvssRec {
    #[serde(deserialize_with = "json::opt_string")]
    version: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    vector: Option<String>,
    #[serde(deserialize_with = "json::lenient")]
    metrics: Metrics,
}

/// `cvss[].metrics`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Metrics {
    #[serde(rename = "baseScore", deserialize_with = "json::opt_f64")]
    base_score: Option<f64>,
}

/// Old `cvssV2` / `cvssV3`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OldCvss {
    #[serde(rename = "baseScore", deserialize_with = "json::opt_f64")]
    base_score: Option<f64>,
    #[serde(deserialize_with = "json::opt_string")]
    vector: Option<String>,
}

/// `vulnerability.fix`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Fix {
    #[serde(deserialize_with = "json::strings")]
    versions: Vec<String>,
    #[serde(deserialize_with = "json::opt_string")]
    state: Option<String>,
}

/// `artifact`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Artifact {
    #[serde(deserialize_with = "json::opt_string")]
    name: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    version: Option<String>,
    #[serde(rename = "type", deserialize_with = "json::opt_string")]
    artifact_type: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    language: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    purl: Option<String>,
    #[serde(deserialize_with = "json::lenient")]
    locations: Vec<ArtifactLocation>,
}

/// `artifact.locations[]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ArtifactLocation {
    #[serde(deserialize_with = "json::opt_string")]
    path: Option<String>,
}

/// `descriptor`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Descriptor {
    #[serde(deserialize_with = "json::opt_string")]
    name: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    version: Option<String>,
}

/// `source` (only its type is used).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Source {
    #[serde(rename = "type", deserialize_with = "json::opt_string")]
    source_type: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Parse state and visitor.
// ---------------------------------------------------------------------------------------------

struct State<'p, 'e> {
    file: &'p str,
    emitter: &'p mut Emitter<'e>,
    tool: ToolInfo,
    source_type: Option<String>,
    /// `descriptor.name` when it is not grype.
    foreign_tool: Option<String>,
    recognized: bool,
    keys: Vec<String>,
}

impl State<'_, '_> {
    fn finish(self, ctx: &ParseContext) -> Result<ParseOutcome, ParseError> {
        if let Some(name) = self.foreign_tool {
            return Err(ParseError::invalid(
                &ctx.file_name,
                "/descriptor/name",
                format!(
                    "this report was written by `{name}`, not Grype: expected a Grype report \
                     (descriptor.name `grype`)"
                ),
            ));
        }
        if !self.recognized {
            return Err(ParseError::invalid(
                &ctx.file_name,
                "/",
                format!(
                    "expected a Grype JSON report (an object with `matches`); found an object \
                     with keys [{}]",
                    self.keys.join(", ")
                ),
            ));
        }
        let mut outcome = ParseOutcome::default();
        outcome.add_tool(self.tool);
        let image = self
            .source_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("image"));
        outcome.tool_kind = Some(if image {
            ToolKind::Container
        } else {
            ToolKind::Sca
        });
        Ok(outcome)
    }

    fn on_match(
        &mut self,
        ptr: String,
        rec: Record<Match>,
        ignored: bool,
    ) -> Result<(), ParseError> {
        match rec {
            Record::Object(m) => match self.observation(&ptr, m, ignored) {
                Some(o) => self.emitter.emit(o).map_err(|message| ParseError::Sink {
                    file: self.file.to_string(),
                    message,
                }),
                None => Ok(()),
            },
            Record::Other(found) => {
                self.emitter.diagnose(
                    ptr,
                    format!("expected a match object, found {found}: skipped"),
                );
                Ok(())
            }
        }
    }

    fn observation(&mut self, ptr: &str, m: Match, ignored: bool) -> Option<Observation> {
        let v = match m.vulnerability {
            Some(Record::Object(v)) => v,
            Some(Record::Other(found)) => {
                self.emitter.diagnose(
                    ptr,
                    format!("expected an object for vulnerability, found {found}: skipped"),
                );
                return None;
            }
            None => {
                self.emitter
                    .diagnose(ptr, "match without a vulnerability: skipped");
                return None;
            }
        };
        let Some(id) = non_empty(v.id.as_deref()) else {
            self.emitter
                .diagnose(ptr, "match without vulnerability.id: skipped");
            return None;
        };
        let a = match m.artifact {
            Some(Record::Object(a)) => a,
            _ => Artifact::default(),
        };
        let name = match non_empty(a.name.as_deref()) {
            Some(n) => n.to_string(),
            None => {
                self.emitter.diagnose(
                    ptr,
                    format!("match of {id} names no package (artifact.name): kept without one"),
                );
                String::new()
            }
        };
        let version = non_empty(a.version.as_deref()).map(String::from);
        let fixed: Vec<String> = if v.fix.versions.is_empty() {
            &v.fixed_in_version
        } else {
            &v.fix.versions
        }
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
        let location = Location::Package(PackageLocation {
            purl: non_empty(a.purl.as_deref()).map(String::from),
            ecosystem: non_empty(a.artifact_type.as_deref())
                .or(non_empty(a.language.as_deref()))
                .map(String::from),
            name: name.clone(),
            version: version.clone(),
            fixed_versions: fixed,
            found_in: a
                .locations
                .first()
                .and_then(|l| non_empty(l.path.as_deref()))
                .map(normalize_path),
        });
        let title = match (name.is_empty(), &version) {
            (true, _) => id.to_string(),
            (false, Some(ver)) => format!("{id} in {name} {ver}"),
            (false, None) => format!("{id} in {name}"),
        };
        let mut o = Observation::new("grype", FindingKind::Dependency, id, title, location);
        o.tool = self.tool.clone();
        o.source_ref = ptr.to_string();
        o.vuln_ids = vuln_ids(id, &m.related);
        o.severity = severity(v.severity.as_deref(), cvss(&v, &m.related));
        o.exploit = exploit(&v);
        o.message = non_empty(v.description.as_deref())
            .or_else(|| {
                m.related
                    .iter()
                    .find_map(|r| non_empty(r.description.as_deref()))
            })
            .map(String::from);
        o.references = references(&v, &m.related);
        if let Some(ns) = non_empty(v.namespace.as_deref()) {
            o.tags.push(format!("namespace:{ns}"));
        }
        if let Some(state) = non_empty(v.fix.state.as_deref()) {
            o.tags.push(format!("fix-state:{state}"));
        }
        if let Some(lang) = non_empty(a.language.as_deref()) {
            o.tags.push(format!("language:{lang}"));
        }
        if ignored {
            o.suppression = Some(Suppression {
                kind: "external".into(),
                status: Some("accepted".into()),
                justification: m
                    .applied_ignore_rules
                    .filter(|r| !r.is_null())
                    .map(|r| format!("grype ignore rule {r}")),
            });
        }
        Some(o)
    }
}

impl State<'_, '_> {
    /// One member of the top-level object.
    fn top_level<R: BufRead>(
        &mut self,
        sc: &mut Scanner<R>,
        key: String,
    ) -> Result<(), ParseError> {
        let ptr = format!("/{key}");
        match key.as_str() {
            "matches" | "ignoredMatches" => {
                self.recognized = true;
                let ignored = key == "ignoredMatches";
                let shape = sc.array(&ptr, |sc, i| {
                    let p = jsonscan::child(&ptr, i);
                    let rec = sc.value::<Record<Match>>(&p)?;
                    self.on_match(p, rec, ignored)
                })?;
                if let Shape::Other(found) = shape {
                    self.emitter.diagnose(
                        &ptr,
                        format!("expected an array of matches, found {found}: skipped"),
                    );
                }
            }
            "descriptor" => {
                if let Record::Object(d) = sc.value::<Record<Descriptor>>(&ptr)? {
                    if let Some(name) = non_empty(d.name.as_deref())
                        && !name.eq_ignore_ascii_case("grype")
                    {
                        self.foreign_tool = Some(name.to_string());
                    }
                    self.tool.version = non_empty(d.version.as_deref()).map(String::from);
                }
            }
            "source" => {
                if let Record::Object(s) = sc.value::<Record<Source>>(&ptr)? {
                    self.source_type = s.source_type;
                }
            }
            _ => {
                if self.keys.len() < 8 {
                    self.keys.push(key);
                }
                sc.skip(&ptr)?;
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------------------------

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// The match's id first, then the related ids; normalized, de-duplicated.
fn vuln_ids(id: &str, related: &[Vuln]) -> Vec<VulnId> {
    let mut out: Vec<VulnId> = Vec::with_capacity(1 + related.len());
    let ids = std::iter::once(id).chain(related.iter().filter_map(|r| r.id.as_deref()));
    for v in ids.filter_map(normalize_vuln_id) {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// The CVSS version of a Grype `version` string (`2.0`, `3.1`, `4.0`), else from the vector.
fn cvss_version(version: Option<&str>, vector: Option<&str>) -> CvssVersion {
    match version.map(str::trim) {
        Some(v) if v.starts_with('4') => CvssVersion::V4,
        Some(v) if v.starts_with('3') => CvssVersion::V3,
        Some(v) if v.starts_with('2') => CvssVersion::V2,
        _ => match vector {
            Some(vec) => Cvss::from_vector(vec, None).version,
            None => CvssVersion::V3,
        },
    }
}

/// CVSS of the vulnerability, then of the related ones; newest version first, duplicates
/// dropped.
fn cvss(v: &Vuln, related: &[Vuln]) -> Vec<Cvss> {
    let mut all: Vec<Cvss> = Vec::new();
    let mut push = |c: Cvss| {
        if (c.vector.is_some() || c.score.is_some()) && !all.contains(&c) {
            all.push(c);
        }
    };
    for vuln in std::iter::once(v).chain(related) {
        for c in &vuln.cvss {
            let vector = non_empty(c.vector.as_deref()).map(String::from);
            push(Cvss {
                version: cvss_version(c.version.as_deref(), vector.as_deref()),
                vector,
                score: c.metrics.base_score,
            });
        }
        for (old, version) in [
            (&vuln.cvss_v3, CvssVersion::V3),
            (&vuln.cvss_v2, CvssVersion::V2),
        ] {
            if let Some(o) = old {
                push(Cvss {
                    version,
                    vector: non_empty(o.vector.as_deref()).map(String::from),
                    score: o.base_score,
                });
            }
        }
    }
    let rank = |c: &Cvss| match c.version {
        CvssVersion::V4 => 0,
        CvssVersion::V3 => 1,
        CvssVersion::V2 => 2,
    };
    all.sort_by_key(rank);
    all
}

/// Grype's word verbatim; `Unknown`, missing or unrecognized falls back to the first CVSS
/// score, else info.
fn severity(label: Option<&str>, cvss: Vec<Cvss>) -> SeverityInfo {
    let label = non_empty(label);
    let known = label
        .filter(|l| !l.eq_ignore_ascii_case("unknown"))
        .and_then(Severity::from_label);
    let level = known
        .or_else(|| {
            cvss.iter()
                .find_map(|c| c.score)
                .map(Severity::from_cvss_score)
        })
        .unwrap_or(Severity::Info);
    SeverityInfo {
        level,
        tool_label: label.map(String::from),
        cvss,
    }
}

/// `dataSource`, `urls` and `links` of the vulnerability, then of the related ones.
fn references(v: &Vuln, related: &[Vuln]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for vuln in std::iter::once(v).chain(related) {
        let urls = vuln
            .data_source
            .iter()
            .chain(&vuln.urls)
            .chain(&vuln.links)
            .map(|s| s.trim());
        for u in urls {
            if !u.is_empty() && !out.iter().any(|x| x == u) {
                out.push(u.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Format, parse_bytes};

    fn ctx() -> ParseContext {
        ParseContext::new("g.json", b"k".to_vec())
    }

    #[test]
    fn descriptor_first_gives_every_observation_the_version() {
        let (out, obs) = parse_bytes(
            br#"{"descriptor":{"name":"grype","version":"0.80.0"},"source":{"type":"directory"},
                "matches":[{"vulnerability":{"id":"GHSA-AAAA-bbbb-cccc","severity":"Unknown",
                  "cvss":[{"version":"3.1","vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","metrics":{"baseScore":"9.8"}}],
                  "fix":{"versions":["1.2.3"],"state":"fixed"}},
                  "relatedVulnerabilities":[{"id":"cve-2020-1","description":"d","cvss":[{"version":"4.0","vector":"CVSS:4.0/AV:N","metrics":{"baseScore":9.3}}]}],
                  "artifact":{"name":"x","version":"1.0","type":"npm","purl":"pkg:npm/x@1.0","locations":[{"path":"/app/package-lock.json"}]}},
                  {"vulnerability":{}}, 7],
                "ignoredMatches":[{"vulnerability":{"id":"CVE-2021-2"},"artifact":{"name":"y"},"appliedIgnoreRules":[{"vulnerability":"CVE-2021-2"}]}]}"#,
            Some(Format::Grype),
            &ctx(),
        )
        .unwrap();
        assert_eq!(out.tool_kind, Some(ToolKind::Sca));
        assert_eq!(out.tools[0].version.as_deref(), Some("0.80.0"));
        assert_eq!(obs.len(), 2);
        let o = &obs[0];
        assert_eq!(o.tool.version.as_deref(), Some("0.80.0"));
        let ids: Vec<&str> = o.vuln_ids.iter().map(|v| v.0.as_str()).collect();
        assert_eq!(ids, ["GHSA-aaaa-bbbb-cccc", "CVE-2020-1"]);
        assert_eq!(o.severity.level, Severity::Critical);
        assert_eq!(o.severity.cvss[0].version, CvssVersion::V4);
        assert_eq!(o.severity.cvss[1].score, Some(9.8));
        assert_eq!(o.message.as_deref(), Some("d"));
        let Location::Package(p) = &o.location else {
            panic!("package")
        };
        assert_eq!(p.found_in.as_deref(), Some("app/package-lock.json"));
        assert_eq!(p.fixed_versions, ["1.2.3"]);
        assert_eq!(out.diagnostics.len(), 2, "{:?}", out.diagnostics);
        assert_eq!(out.diagnostics[1].place, "/matches/2");
        assert!(obs[1].suppression.is_some());
        assert_eq!(obs[1].source_ref, "/ignoredMatches/0");
    }

    #[test]
    fn other_tools_and_shapes_are_rejected() {
        let e = parse_bytes(
            br#"{"matches":[],"descriptor":{"name":"xeol","version":"1"}}"#,
            Some(Format::Grype),
            &ctx(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("xeol") && e.contains("/descriptor/name"), "{e}");
        let e = parse_bytes(br#"{"a":1}"#, Some(Format::Grype), &ctx())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("expected a Grype JSON report") && e.contains("[a]"),
            "{e}"
        );
        let e = parse_bytes(br#"[1]"#, Some(Format::Grype), &ctx())
            .unwrap_err()
            .to_string();
        assert!(e.contains("found an array"), "{e}");
        assert!(e.starts_with("g.json: line 1, column 1"), "{e}");
    }
}
