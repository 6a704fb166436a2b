//! Trivy JSON reports (`trivy ... --format json`), streamed.
//!
//! # Shapes understood
//!
//! * **SchemaVersion 2** (Trivy ≥ 0.20): `{SchemaVersion, Trivy, ArtifactName, ArtifactType,
//!   Metadata, Results: [...]}`. A report with no findings may omit `Results`.
//! * **Kubernetes reports** (`trivy k8s --format json`): `{ClusterName, Resources: [...]}`, and
//!   the older `{ClusterName, Vulnerabilities: [...], Misconfigurations: [...]}` where each
//!   array holds resources; each resource (`Namespace`, `Kind`, `Name`) carries its own
//!   `Results`, which are read exactly like the results of a SchemaVersion 2 report.
//! * **Legacy** (Trivy < 0.20): a top-level array of results, or `null` for "nothing found".
//!
//! Trivy Operator reports (Kubernetes custom resources with `apiVersion`, `kind`, `report`) are
//! another format and are not parsed here; detection rejects them.
//!
//! # Streaming
//!
//! The document is walked with [`crate::jsonscan::Scanner`], which hands each record's bytes to
//! serde_json as a slice (several times faster than serde_json's reader path, which is the
//! bottleneck on a 200,000-vulnerability image report). `Results` (and `Resources`) are
//! streamed element by element, and inside each result its
//! `Vulnerabilities`, `Misconfigurations`, `Secrets`, `Licenses` and
//! `ExperimentalModifiedFindings` arrays are streamed record by record: memory grows with one
//! record. `Packages` is skipped without being kept. Trivy writes `Target`, `Class` and `Type`
//! before a result's arrays; should a result put an array first, that result's records are
//! held until the result's object ends so every record still gets its target (memory then
//! grows with that one result). The report header (`Trivy.Version`, `ArtifactName`,
//! `ArtifactType`, `Metadata.OS`) is applied to the observations emitted after it is read:
//! Trivy writes it before `Results`, and [`ParseOutcome::tools`] always gets the version.
//!
//! # Mapping
//!
//! | Trivy | observation |
//! |---|---|
//! | `Vulnerabilities[]` | [`FindingKind::Dependency`]: rule = `VulnerabilityID`; ids = it + `VendorIDs`; package purl = `PkgIdentifier.PURL`, else built from the result `Type` (see `build_purl` for the table); fixed versions = `FixedVersion` split on `,`; `found_in` = the result `Target`; CVSS from `CVSS.<source>.V40*/V3*/V2*` (the `SeveritySource` first); `Fingerprint` kept as fingerprint `fingerprint` |
//! | `Misconfigurations[]` | [`FindingKind::Iac`], only `Status` `FAIL` (and `EXCEPTION`, marked suppressed); `PASS` records are passed checks, not findings, and are skipped silently. Rule = `ID`, `AVDID` as tag `avdid:`; resource = `CauseMetadata.Resource`, else `Provider/Service`, else the target; file = the target; lines and snippet (the `IsCause` lines of `CauseMetadata.Code`) from `CauseMetadata`; remediation = `Resolution` |
//! | `Secrets[]` | [`FindingKind::Secret`] at the target path and lines. Trivy masks the secret with `*` in `Match` and `Code`: a masked match gives evidence without hash (redacted). An unmasked `Match` (Trivy's whole matched line) is HMAC-ed with the installation key and never kept. `Code` is never read, the snippet is always `None`; the fingerprint `trivy/match-hmac` (HMAC of `Match`) tells two secrets of one rule in one file apart |
//! | `Licenses[]` | [`FindingKind::License`]: rule = the license `Name`, at package `PkgName` (or at the file `FilePath` for loose license files); `Category` as tag |
//! | `ExperimentalModifiedFindings[]` | the inner `Finding` as above, with a [`Suppression`] (kind `external`, status = `Status`, justification = `Statement`): findings Trivy hid because of VEX or ignore files |
//!
//! Every observation is tagged `class:`, `type:` (from the result), `artifact:`,
//! `artifact-type:`, `os:` (from the header) and, in Kubernetes reports, `cluster:` and
//! `k8s:<namespace>/<kind>/<name>`. Severity keeps Trivy's word verbatim as the tool label; an
//! `UNKNOWN` severity falls back to the first CVSS score.
//!
//! The tool kind is [`ToolKind::Container`] when `ArtifactType` is `container_image` (and for
//! Kubernetes reports, which scan the cluster's images), else [`ToolKind::Sca`].

use crate::json::{self, Record};
use crate::jsonscan::{self, Scanner, Shape};
use crate::secret;
use crate::{Emitter, ParseContext, ParseError, ParseOutcome};
use rampart_model::path::normalize_path;
use rampart_model::{
    CodeLocation, Cvss, CvssVersion, FindingKind, Location, Observation, PackageLocation,
    ResourceLocation, Severity, SeverityInfo, Suppression, ToolInfo, ToolKind, VulnId,
    normalize_cwe, normalize_vuln_id,
};
use serde::Deserialize;
use std::io::BufRead;

/// Parses a Trivy JSON report, streaming each finding into `emitter` as an [`Observation`].
pub fn parse<R: BufRead>(
    reader: R,
    ctx: &ParseContext,
    emitter: &mut Emitter<'_>,
) -> Result<ParseOutcome, ParseError> {
    let mut sc = Scanner::new(&ctx.file_name, reader);
    let mut st = State::new(ctx, emitter);
    match sc.peek()? {
        Some(b'{') => {
            sc.object("", |sc, key| st.top_level(sc, key))?;
        }
        Some(b'[') => {
            st.recognized = true;
            st.results(&mut sc, "", None)?;
        }
        Some(b'n') => {
            // Legacy Trivy writes `null` when it found nothing.
            st.recognized = true;
            sc.skip("")?;
        }
        other => {
            let found = other.map(jsonscan::describe).unwrap_or("nothing");
            return Err(sc.error("", format!("{EXPECTED}; found {found}")));
        }
    }
    sc.end()?;
    st.finish()
}

/// What a Trivy document is, for errors.
const EXPECTED: &str = "expected a Trivy JSON report (an object with SchemaVersion and Results, \
                        a Kubernetes report with ClusterName, or a legacy list of results)";

// ---------------------------------------------------------------------------------------------
// Records as Trivy writes them (lenient: every field optional, numbers or strings accepted).
// ---------------------------------------------------------------------------------------------

/// One entry of `Vulnerabilities`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Vuln {
    #[serde(rename = "VulnerabilityID", deserialize_with = "json::opt_string")]
    id: Option<String>,
    #[serde(rename = "VendorIDs", deserialize_with = "json::strings")]
    vendor_ids: Vec<String>,
    #[serde(rename = "PkgID", deserialize_with = "json::opt_string")]
    pkg_id: Option<String>,
    #[serde(rename = "PkgName", deserialize_with = "json::opt_string")]
    pkg_name: Option<String>,
    #[serde(rename = "PkgPath", deserialize_with = "json::opt_string")]
    pkg_path: Option<String>,
    #[serde(rename = "PkgIdentifier")]
    pkg_identifier: Option<Record<PkgIdentifier>>,
    #[serde(rename = "InstalledVersion", deserialize_with = "json::opt_string")]
    installed_version: Option<String>,
    #[serde(rename = "FixedVersion", deserialize_with = "json::opt_string")]
    fixed_version: Option<String>,
    #[serde(rename = "Status", deserialize_with = "json::opt_string")]
    status: Option<String>,
    #[serde(rename = "SeveritySource", deserialize_with = "json::opt_string")]
    severity_source: Option<String>,
    #[serde(rename = "PrimaryURL", deserialize_with = "json::opt_string")]
    primary_url: Option<String>,
    #[serde(rename = "Title", deserialize_with = "json::opt_string")]
    title: Option<String>,
    #[serde(rename = "Description", deserialize_with = "json::opt_string")]
    description: Option<String>,
    #[serde(rename = "Severity", deserialize_with = "json::opt_string")]
    severity: Option<String>,
    #[serde(rename = "CweIDs", deserialize_with = "json::strings")]
    cwe_ids: Vec<String>,
    #[serde(rename = "CVSS")]
    cvss: Option<Record<json::Entries<Record<CvssEntry>>>>,
    #[serde(rename = "References", deserialize_with = "json::strings")]
    references: Vec<String>,
    #[serde(rename = "Fingerprint", deserialize_with = "json::opt_string")]
    fingerprint: Option<String>,
}

/// `PkgIdentifier` of a vulnerability.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PkgIdentifier {
    #[serde(rename = "PURL", deserialize_with = "json::opt_string")]
    purl: Option<String>,
}

/// One source's entry in a vulnerability's `CVSS` map.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CvssEntry {
    #[serde(rename = "V40Vector", deserialize_with = "json::opt_string")]
    v40_vector: Option<String>,
    #[serde(rename = "V40Score", deserialize_with = "json::opt_f64")]
    v40_score: Option<f64>,
    #[serde(rename = "V3Vector", deserialize_with = "json::opt_string")]
    v3_vector: Option<String>,
    #[serde(rename = "V3Score", deserialize_with = "json::opt_f64")]
    v3_score: Option<f64>,
    #[serde(rename = "V2Vector", deserialize_with = "json::opt_string")]
    v2_vector: Option<String>,
    #[serde(rename = "V2Score", deserialize_with = "json::opt_f64")]
    v2_score: Option<f64>,
}

/// One entry of `Misconfigurations`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Misconf {
    #[serde(rename = "Type", deserialize_with = "json::opt_string")]
    check_type: Option<String>,
    #[serde(rename = "ID", deserialize_with = "json::opt_string")]
    id: Option<String>,
    #[serde(rename = "AVDID", deserialize_with = "json::opt_string")]
    avdid: Option<String>,
    #[serde(rename = "Title", deserialize_with = "json::opt_string")]
    title: Option<String>,
    #[serde(rename = "Description", deserialize_with = "json::opt_string")]
    description: Option<String>,
    #[serde(rename = "Message", deserialize_with = "json::opt_string")]
    message: Option<String>,
    #[serde(rename = "Resolution", deserialize_with = "json::opt_string")]
    resolution: Option<String>,
    #[serde(rename = "Severity", deserialize_with = "json::opt_string")]
    severity: Option<String>,
    #[serde(rename = "PrimaryURL", deserialize_with = "json::opt_string")]
    primary_url: Option<String>,
    #[serde(rename = "References", deserialize_with = "json::strings")]
    references: Vec<String>,
    #[serde(rename = "Status", deserialize_with = "json::opt_string")]
    status: Option<String>,
    #[serde(rename = "CauseMetadata", deserialize_with = "json::lenient")]
    cause: Cause,
}

/// `CauseMetadata` of a misconfiguration.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Cause {
    #[serde(rename = "Resource", deserialize_with = "json::opt_string")]
    resource: Option<String>,
    #[serde(rename = "Provider", deserialize_with = "json::opt_string")]
    provider: Option<String>,
    #[serde(rename = "Service", deserialize_with = "json::opt_string")]
    service: Option<String>,
    #[serde(rename = "StartLine", deserialize_with = "json::opt_u32")]
    start_line: Option<u32>,
    #[serde(rename = "EndLine", deserialize_with = "json::opt_u32")]
    end_line: Option<u32>,
    #[serde(rename = "Code", deserialize_with = "json::lenient")]
    code: Code,
    #[serde(rename = "RenderedCause", deserialize_with = "json::lenient")]
    rendered: Rendered,
}

/// `CauseMetadata.Code`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Code {
    #[serde(rename = "Lines", deserialize_with = "json::lenient")]
    lines: Vec<CodeLine>,
}

/// One line of `CauseMetadata.Code.Lines`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CodeLine {
    #[serde(rename = "Content", deserialize_with = "json::opt_string")]
    content: Option<String>,
    #[serde(rename = "IsCause", deserialize_with = "json::lenient")]
    is_cause: bool,
}

/// `CauseMetadata.RenderedCause`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Rendered {
    #[serde(rename = "Raw", deserialize_with = "json::opt_string")]
    raw: Option<String>,
}

/// One entry of `Secrets`. `Code` is deliberately not read: it quotes the secret's
/// surroundings, which may hold other, unmasked secrets.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SecretRec {
    #[serde(rename = "RuleID", deserialize_with = "json::opt_string")]
    rule_id: Option<String>,
    #[serde(rename = "Category", deserialize_with = "json::opt_string")]
    category: Option<String>,
    #[serde(rename = "Severity", deserialize_with = "json::opt_string")]
    severity: Option<String>,
    #[serde(rename = "Title", deserialize_with = "json::opt_string")]
    title: Option<String>,
    #[serde(rename = "StartLine", deserialize_with = "json::opt_u32")]
    start_line: Option<u32>,
    #[serde(rename = "EndLine", deserialize_with = "json::opt_u32")]
    end_line: Option<u32>,
    #[serde(rename = "Match", deserialize_with = "json::opt_string")]
    matched: Option<String>,
}

/// One entry of `Licenses`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LicenseRec {
    #[serde(rename = "Severity", deserialize_with = "json::opt_string")]
    severity: Option<String>,
    #[serde(rename = "Category", deserialize_with = "json::opt_string")]
    category: Option<String>,
    #[serde(rename = "PkgName", deserialize_with = "json::opt_string")]
    pkg_name: Option<String>,
    #[serde(rename = "FilePath", deserialize_with = "json::opt_string")]
    file_path: Option<String>,
    #[serde(rename = "Name", deserialize_with = "json::opt_string")]
    name: Option<String>,
    #[serde(rename = "Link", deserialize_with = "json::opt_string")]
    link: Option<String>,
}

/// One entry of `ExperimentalModifiedFindings`: a finding Trivy hid (VEX, ignore file).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Modified {
    #[serde(rename = "Type", deserialize_with = "json::opt_string")]
    finding_type: Option<String>,
    #[serde(rename = "Status", deserialize_with = "json::opt_string")]
    status: Option<String>,
    #[serde(rename = "Statement", deserialize_with = "json::opt_string")]
    statement: Option<String>,
    #[serde(rename = "Source", deserialize_with = "json::opt_string")]
    source: Option<String>,
    #[serde(rename = "Finding")]
    finding: serde_json::Value,
}

/// The report's `Trivy` object.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TrivyInfo {
    #[serde(rename = "Version", deserialize_with = "json::opt_string")]
    version: Option<String>,
}

/// The report's `Metadata` object (only the OS is used; the rest is skipped unread).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Metadata {
    #[serde(rename = "OS", deserialize_with = "json::lenient")]
    os: Os,
}

/// `Metadata.OS`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Os {
    #[serde(rename = "Family", deserialize_with = "json::opt_string")]
    family: Option<String>,
    #[serde(rename = "Name", deserialize_with = "json::opt_string")]
    name: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Parse state.
// ---------------------------------------------------------------------------------------------

/// What the parse knows so far and where observations go.
struct State<'p, 'e> {
    ctx: &'p ParseContext,
    emitter: &'p mut Emitter<'e>,
    tool: ToolInfo,
    artifact_name: Option<String>,
    artifact_type: Option<String>,
    os: Os,
    cluster: Option<String>,
    /// Whether the document looked like a Trivy report at all (a known top-level key, a
    /// legacy array or `null`).
    recognized: bool,
    /// Top-level keys seen, for the error message of a document that is not Trivy's.
    keys: Vec<String>,
    /// Tags every observation gets, rebuilt when the header changes.
    base_tags: Vec<String>,
}

/// The context of one result: its header and where it is.
#[derive(Debug, Default, Clone)]
struct ResultCtx {
    target: Option<String>,
    class: Option<String>,
    result_type: Option<String>,
    /// `namespace/Kind/name` of the Kubernetes resource holding the result.
    k8s: Option<String>,
}

/// What each record kind is called in diagnostics.
const VULN: &str = "a vulnerability";
const MISCONF: &str = "a misconfiguration";
const SECRET: &str = "a secret";
const LICENSE: &str = "a license";
const MODIFIED: &str = "a modified finding";

/// A record held back because it came before its result's `Target`.
enum Pending {
    Vuln(String, Record<Vuln>),
    Misconf(String, Record<Misconf>),
    Secret(String, Record<SecretRec>),
    License(String, Record<LicenseRec>),
    Modified(String, Record<Modified>),
}

impl<'p, 'e> State<'p, 'e> {
    fn new(ctx: &'p ParseContext, emitter: &'p mut Emitter<'e>) -> Self {
        State {
            ctx,
            emitter,
            tool: ToolInfo {
                name: "trivy".into(),
                version: None,
            },
            artifact_name: None,
            artifact_type: None,
            os: Os::default(),
            cluster: None,
            recognized: false,
            keys: Vec::new(),
            base_tags: Vec::new(),
        }
    }

    fn rebuild_tags(&mut self) {
        let mut tags = Vec::new();
        if let Some(c) = &self.cluster {
            tags.push(format!("cluster:{c}"));
        }
        if let Some(a) = &self.artifact_name {
            tags.push(format!("artifact:{a}"));
        }
        if let Some(t) = &self.artifact_type {
            tags.push(format!("artifact-type:{t}"));
        }
        if let Some(os) = os_label(&self.os) {
            tags.push(format!("os:{os}"));
        }
        self.base_tags = tags;
    }

    fn finish(self) -> Result<ParseOutcome, ParseError> {
        if !self.recognized {
            let keys = self.keys.join(", ");
            return Err(ParseError::invalid(
                &self.ctx.file_name,
                "/",
                format!("{EXPECTED}; found an object with keys [{keys}]"),
            ));
        }
        let mut outcome = ParseOutcome::default();
        outcome.add_tool(self.tool.clone());
        let container = self.cluster.is_some()
            || self
                .artifact_type
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case("container_image"));
        outcome.tool_kind = Some(if container {
            ToolKind::Container
        } else {
            ToolKind::Sca
        });
        Ok(outcome)
    }

    /// A new observation with the parts every Trivy observation shares.
    fn observation(
        &self,
        kind: FindingKind,
        rule_id: impl Into<String>,
        title: String,
        location: Location,
        rc: &ResultCtx,
        source_ref: String,
    ) -> Observation {
        let mut o = Observation::new("trivy", kind, rule_id, title, location);
        o.tool = self.tool.clone();
        o.source_ref = source_ref;
        o.tags = Vec::with_capacity(self.base_tags.len() + 6);
        o.tags.extend(self.base_tags.iter().cloned());
        if let Some(k) = &rc.k8s {
            o.tags.push(["k8s:", k].concat());
        }
        if let Some(c) = &rc.class {
            o.tags.push(["class:", c].concat());
        }
        if let Some(t) = &rc.result_type {
            o.tags.push(["type:", t].concat());
        }
        o
    }

    fn emit(&mut self, obs: Option<Observation>) -> Result<(), ParseError> {
        match obs {
            Some(o) => self.emitter.emit(o).map_err(|message| ParseError::Sink {
                file: self.ctx.file_name.clone(),
                message,
            }),
            None => Ok(()),
        }
    }

    fn not_an_object(&mut self, pointer: &str, what: &str, found: &str) {
        self.emitter.diagnose(
            pointer,
            format!("expected {what} object, found {found}: skipped"),
        );
    }

    /// Turns one streamed record into an observation with `build` and emits it; a record that
    /// is not an object is reported and skipped.
    fn on<T>(
        &mut self,
        rc: &ResultCtx,
        ptr: String,
        rec: Record<T>,
        what: &str,
        build: fn(&mut Self, &ResultCtx, String, T) -> Option<Observation>,
    ) -> Result<(), ParseError> {
        match rec {
            Record::Object(r) => {
                let obs = build(self, rc, ptr, r);
                self.emit(obs)
            }
            Record::Other(found) => {
                self.not_an_object(&ptr, what, found);
                Ok(())
            }
        }
    }

    fn on_pending(&mut self, rc: &ResultCtx, p: Pending) -> Result<(), ParseError> {
        match p {
            Pending::Vuln(ptr, r) => self.on(rc, ptr, r, VULN, Self::vulnerability),
            Pending::Misconf(ptr, r) => self.on(rc, ptr, r, MISCONF, Self::misconfiguration),
            Pending::Secret(ptr, r) => self.on(rc, ptr, r, SECRET, Self::secret),
            Pending::License(ptr, r) => self.on(rc, ptr, r, LICENSE, Self::license),
            Pending::Modified(ptr, r) => self.on(rc, ptr, r, MODIFIED, Self::modified),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Records → observations.
    // -----------------------------------------------------------------------------------------

    fn vulnerability(&mut self, rc: &ResultCtx, ptr: String, v: Vuln) -> Option<Observation> {
        // Fields are moved out, not copied: this runs once per vulnerability of the report.
        let Vuln {
            id,
            vendor_ids,
            pkg_id,
            pkg_name,
            pkg_path,
            pkg_identifier,
            installed_version,
            fixed_version,
            status,
            severity_source,
            primary_url,
            title,
            description,
            severity: label,
            cwe_ids,
            cvss,
            references: refs,
            fingerprint,
        } = v;
        let Some(id) = take(id) else {
            self.emitter.diagnose(
                ptr,
                "vulnerability without VulnerabilityID: skipped (nothing to identify it by)",
            );
            return None;
        };
        let name = match take(pkg_name).or_else(|| take(pkg_id)) {
            Some(n) => n,
            None => {
                self.emitter.diagnose(
                    &ptr,
                    format!("vulnerability {id} names no package (PkgName): kept without one"),
                );
                String::new()
            }
        };
        let version = take(installed_version);
        let purl = match pkg_identifier {
            Some(Record::Object(p)) => take(p.purl),
            _ => None,
        }
        .or_else(|| {
            build_purl(
                rc.result_type.as_deref().unwrap_or(""),
                &name,
                version.as_deref(),
                &self.os,
            )
        });
        let ecosystem = purl
            .as_deref()
            .and_then(purl_type)
            .map(String::from)
            .or_else(|| rc.result_type.clone());
        let fixed_versions = fixed_version
            .as_deref()
            .map(|f| {
                f.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        let title = match take_line(title) {
            Some(t) => t,
            None => package_title(&id, &name, version.as_deref()),
        };
        let location = Location::Package(PackageLocation {
            purl,
            ecosystem,
            name,
            version,
            fixed_versions,
            found_in: found_in(rc),
        });
        let cvss = match cvss {
            Some(Record::Object(map)) => trivy_cvss(map, severity_source.as_deref()),
            _ => Vec::new(),
        };
        let vuln_ids = vuln_ids(&id, &vendor_ids);
        let mut o = self.observation(FindingKind::Dependency, id, title, location, rc, ptr);
        o.vuln_ids = vuln_ids;
        o.cwes = cwes(&cwe_ids);
        o.severity = severity(label, cvss);
        o.message = take(description);
        o.references = references(primary_url, refs);
        if let Some(fp) = take(fingerprint) {
            o.fingerprints.insert("fingerprint".into(), fp);
        }
        if let Some(s) = non_empty(status.as_deref()) {
            o.tags.push(["status:", s].concat());
        }
        if let Some(p) = non_empty(pkg_path.as_deref()) {
            o.tags.push(["pkg-path:", p].concat());
        }
        Some(o)
    }

    fn misconfiguration(
        &mut self,
        rc: &ResultCtx,
        ptr: String,
        mut m: Misconf,
    ) -> Option<Observation> {
        let status = non_empty(m.status.as_deref()).map(str::to_ascii_uppercase);
        if status.as_deref() == Some("PASS") {
            // A passed check is not a finding.
            return None;
        }
        let Some(id) = non_empty(m.id.as_deref()).or(non_empty(m.avdid.as_deref())) else {
            self.emitter
                .diagnose(ptr, "misconfiguration without ID or AVDID: skipped");
            return None;
        };
        let cause = &m.cause;
        let resource = match &rc.k8s {
            Some(k) => k.clone(),
            None => non_empty(cause.resource.as_deref())
                .map(String::from)
                .or_else(|| {
                    let parts: Vec<&str> = [cause.provider.as_deref(), cause.service.as_deref()]
                        .into_iter()
                        .filter_map(non_empty)
                        .collect();
                    (!parts.is_empty()).then(|| parts.join("/"))
                })
                .or_else(|| rc.target.clone())
                .unwrap_or_else(|| "-".into()),
        };
        let file = match &rc.k8s {
            Some(_) => None,
            None => non_empty(rc.target.as_deref()).map(normalize_path),
        };
        let location = Location::Resource(ResourceLocation {
            file,
            resource,
            start_line: cause.start_line.filter(|l| *l > 0),
            end_line: cause.end_line.filter(|l| *l > 0),
        });
        let title = one_line(m.title.as_deref()).unwrap_or_else(|| id.to_string());
        let mut o = self.observation(FindingKind::Iac, id, title, location, rc, ptr);
        o.rule_name = one_line(m.title.as_deref());
        o.message = non_empty(m.message.as_deref())
            .or(non_empty(m.description.as_deref()))
            .map(String::from);
        o.severity = severity(m.severity.take(), Vec::new());
        o.remediation = non_empty(m.resolution.as_deref()).map(String::from);
        o.references = references(m.primary_url.take(), std::mem::take(&mut m.references));
        o.snippet = cause_snippet(cause);
        if let Some(a) = non_empty(m.avdid.as_deref()) {
            o.tags.push(format!("avdid:{a}"));
        }
        if let Some(t) = non_empty(m.check_type.as_deref()) {
            o.tags.push(format!("check-type:{t}"));
        }
        if let Some(p) = non_empty(cause.provider.as_deref()) {
            o.tags.push(format!("provider:{p}"));
        }
        if let Some(s) = non_empty(cause.service.as_deref()) {
            o.tags.push(format!("service:{s}"));
        }
        match status.as_deref() {
            Some("FAIL") | None => {}
            Some("EXCEPTION") => {
                o.suppression = Some(Suppression {
                    kind: "external".into(),
                    status: Some("accepted".into()),
                    justification: Some("Trivy policy exception".into()),
                })
            }
            Some(other) => o
                .tags
                .push(format!("status:{}", other.to_ascii_lowercase())),
        }
        Some(o)
    }

    fn secret(&mut self, rc: &ResultCtx, ptr: String, s: SecretRec) -> Option<Observation> {
        let Some(rule) = non_empty(s.rule_id.as_deref()) else {
            self.emitter.diagnose(ptr, "secret without RuleID: skipped");
            return None;
        };
        let Some(path) = non_empty(rc.target.as_deref()).map(normalize_path) else {
            self.emitter.diagnose(
                ptr,
                format!("secret {rule} in a result without Target: skipped (no file to point at)"),
            );
            return None;
        };
        let matched = s.matched.as_deref().map(str::trim).unwrap_or("");
        let unmasked = (!matched.is_empty() && !is_masked(matched)).then_some(matched);
        let scrub = |text: String| match unmasked {
            Some(m) => secret::scrub(&text, m),
            None => text,
        };
        let location = Location::Code(CodeLocation {
            path,
            start_line: s.start_line.filter(|l| *l > 0),
            end_line: s.end_line.filter(|l| *l > 0),
            ..Default::default()
        });
        let title = scrub(one_line(s.title.as_deref()).unwrap_or_else(|| rule.to_string()));
        let mut o = self.observation(FindingKind::Secret, rule, title.clone(), location, rc, ptr);
        o.rule_name = Some(title.clone());
        o.message = Some(match non_empty(s.category.as_deref()) {
            Some(c) => scrub(format!("{title} ({c})")),
            None => title,
        });
        o.severity = severity(s.severity.clone(), Vec::new());
        o.snippet = None;
        o.secret = Some(match unmasked {
            Some(m) => secret::evidence(&self.ctx.secret_key, m),
            None => rampart_model::SecretEvidence {
                hmac: None,
                preview: None,
            },
        });
        if !matched.is_empty()
            && let Some(h) = secret::evidence(&self.ctx.secret_key, matched).hmac
        {
            o.fingerprints.insert("trivy/match-hmac".into(), h);
        }
        if let Some(c) = non_empty(s.category.as_deref()) {
            o.tags.push(format!("category:{c}"));
        }
        Some(o)
    }

    fn license(&mut self, rc: &ResultCtx, ptr: String, l: LicenseRec) -> Option<Observation> {
        let Some(name) = non_empty(l.name.as_deref()) else {
            self.emitter
                .diagnose(ptr, "license finding without a license Name: skipped");
            return None;
        };
        let (location, subject) = match (
            non_empty(l.pkg_name.as_deref()),
            non_empty(l.file_path.as_deref()),
        ) {
            (Some(pkg), file) => (
                Location::Package(PackageLocation {
                    name: pkg.to_string(),
                    found_in: file.map(normalize_path).or_else(|| found_in(rc)),
                    ..Default::default()
                }),
                pkg.to_string(),
            ),
            (None, Some(file)) => {
                let path = normalize_path(file);
                (
                    Location::Code(CodeLocation {
                        path: path.clone(),
                        ..Default::default()
                    }),
                    path,
                )
            }
            (None, None) => {
                self.emitter.diagnose(
                    ptr,
                    format!("license {name} names neither a package nor a file: skipped"),
                );
                return None;
            }
        };
        let title = format!("{name} license in {subject}");
        let mut o = self.observation(FindingKind::License, name, title, location, rc, ptr);
        o.message = Some(match non_empty(l.category.as_deref()) {
            Some(c) => format!("{subject} is licensed under {name} (category {c})"),
            None => format!("{subject} is licensed under {name}"),
        });
        o.severity = severity(l.severity.clone(), Vec::new());
        if let Some(link) = non_empty(l.link.as_deref()) {
            o.references.push(link.to_string());
        }
        if let Some(c) = non_empty(l.category.as_deref()) {
            o.tags.push(format!("category:{c}"));
        }
        Some(o)
    }

    fn modified(&mut self, rc: &ResultCtx, ptr: String, m: Modified) -> Option<Observation> {
        let inner = format!("{ptr}/Finding");
        let kind = m.finding_type.as_deref().unwrap_or("").to_ascii_lowercase();
        let obs = match kind.as_str() {
            "vulnerability" => {
                from_value::<Vuln>(m.finding).map(|v| self.vulnerability(rc, inner.clone(), v))
            }
            "misconfiguration" => from_value::<Misconf>(m.finding)
                .map(|v| self.misconfiguration(rc, inner.clone(), v)),
            "secret" => {
                from_value::<SecretRec>(m.finding).map(|v| self.secret(rc, inner.clone(), v))
            }
            "license" => {
                from_value::<LicenseRec>(m.finding).map(|v| self.license(rc, inner.clone(), v))
            }
            _ => {
                self.emitter.diagnose(
                    ptr,
                    format!(
                        "modified finding of unknown Type `{}`: skipped (expected vulnerability, \
                         misconfiguration, secret or license)",
                        m.finding_type.as_deref().unwrap_or("")
                    ),
                );
                return None;
            }
        };
        let Some(obs) = obs else {
            self.emitter
                .diagnose(&inner, "expected an object for the hidden finding: skipped");
            return None;
        };
        let mut o = obs?;
        o.suppression = Some(Suppression {
            kind: "external".into(),
            status: non_empty(m.status.as_deref()).map(String::from),
            justification: non_empty(m.statement.as_deref()).map(String::from),
        });
        if let Some(src) = non_empty(m.source.as_deref()) {
            o.tags.push(format!("suppressed-by:{src}"));
        }
        Some(o)
    }
}

/// Deserializes a hidden finding; `None` when it is not an object.
fn from_value<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Option<T> {
    if !v.is_object() {
        return None;
    }
    serde_json::from_value(v).ok()
}

// ---------------------------------------------------------------------------------------------
// Walking the document: report header, results, Kubernetes resources.
// ---------------------------------------------------------------------------------------------

/// A string field of the skeleton, read leniently (numbers as text, null as `None`).
struct Lenient(Option<String>);

impl<'de> Deserialize<'de> for Lenient {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        json::opt_string(d).map(Lenient)
    }
}

/// The keys of a Trivy result object.
const RESULT_KEYS: [&str; 11] = [
    "Target",
    "Class",
    "Type",
    "Vulnerabilities",
    "Misconfigurations",
    "Secrets",
    "Licenses",
    "ExperimentalModifiedFindings",
    "Packages",
    "MisconfSummary",
    "CustomResources",
];

impl State<'_, '_> {
    /// One member of the top-level object.
    fn top_level<R: BufRead>(
        &mut self,
        sc: &mut Scanner<R>,
        key: String,
    ) -> Result<(), ParseError> {
        let ptr = format!("/{key}");
        match key.as_str() {
            "SchemaVersion" => {
                self.recognized = true;
                let v = sc.value::<Lenient>(&ptr)?.0;
                if v.as_deref() != Some("2") {
                    self.emitter.diagnose(
                        ptr,
                        format!(
                            "SchemaVersion is {}: read as version 2, the only one Trivy writes",
                            v.as_deref().unwrap_or("not a number")
                        ),
                    );
                }
            }
            "Trivy" => {
                if let Record::Object(t) = sc.value::<Record<TrivyInfo>>(&ptr)? {
                    self.tool.version = non_empty(t.version.as_deref()).map(String::from);
                }
            }
            "ArtifactName" => {
                self.recognized = true;
                self.artifact_name = sc.value::<Lenient>(&ptr)?.0;
                self.rebuild_tags();
            }
            "ArtifactType" => {
                self.recognized = true;
                self.artifact_type = sc.value::<Lenient>(&ptr)?.0;
                self.rebuild_tags();
            }
            "Metadata" => {
                if let Record::Object(m) = sc.value::<Record<Metadata>>(&ptr)? {
                    self.os = m.os;
                    self.rebuild_tags();
                }
            }
            "ClusterName" => {
                self.recognized = true;
                self.cluster = sc.value::<Lenient>(&ptr)?.0;
                self.rebuild_tags();
            }
            "Results" => {
                self.recognized = true;
                self.results(sc, &ptr, None)?;
            }
            "Resources" | "Vulnerabilities" | "Misconfigurations" | "Secrets" => {
                self.recognized = true;
                self.resources(sc, &ptr)?;
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

    /// Reports a value that should have been an object or an array and was skipped.
    fn shape(&mut self, pointer: &str, expected: &str, shape: Shape, null_ok: bool) {
        match shape {
            Shape::Container(_) => {}
            Shape::Null if null_ok => {}
            Shape::Null => self
                .emitter
                .diagnose(pointer, format!("expected {expected}, found null: skipped")),
            Shape::Other(found) => self.emitter.diagnose(
                pointer,
                format!("expected {expected}, found {found}: skipped"),
            ),
        }
    }

    /// An array of results (`Results`, a resource's `Results`, or a legacy document).
    fn results<R: BufRead>(
        &mut self,
        sc: &mut Scanner<R>,
        ptr: &str,
        k8s: Option<&str>,
    ) -> Result<(), ParseError> {
        let shape = sc.array(ptr, |sc, i| self.result(sc, format!("{ptr}/{i}"), k8s))?;
        self.shape(ptr, "an array of results", shape, true);
        Ok(())
    }

    /// One result: its header, then its record arrays, streamed.
    fn result<R: BufRead>(
        &mut self,
        sc: &mut Scanner<R>,
        pointer: String,
        k8s: Option<&str>,
    ) -> Result<(), ParseError> {
        let mut rc = ResultCtx {
            k8s: k8s.map(String::from),
            ..Default::default()
        };
        let mut target_seen = false;
        let mut known = false;
        let mut other_keys: Vec<String> = Vec::new();
        let mut pending: Vec<Pending> = Vec::new();
        let shape = sc.object(&pointer, |sc, key| {
            let arr = format!("{pointer}/{key}");
            known |= RESULT_KEYS.contains(&key.as_str());
            match key.as_str() {
                "Target" => {
                    rc.target = sc.value::<Lenient>(&arr)?.0;
                    target_seen = true;
                }
                "Class" => rc.class = sc.value::<Lenient>(&arr)?.0,
                "Type" => rc.result_type = sc.value::<Lenient>(&arr)?.0,
                "Vulnerabilities" if target_seen => self.stream(sc, &arr, |st, p, r| {
                    st.on(&rc, p, r, VULN, Self::vulnerability)
                })?,
                "Misconfigurations" if target_seen => self.stream(sc, &arr, |st, p, r| {
                    st.on(&rc, p, r, MISCONF, Self::misconfiguration)
                })?,
                "Secrets" if target_seen => {
                    self.stream(sc, &arr, |st, p, r| st.on(&rc, p, r, SECRET, Self::secret))?
                }
                "Licenses" if target_seen => self.stream(sc, &arr, |st, p, r| {
                    st.on(&rc, p, r, LICENSE, Self::license)
                })?,
                "ExperimentalModifiedFindings" if target_seen => {
                    self.stream(sc, &arr, |st, p, r| {
                        st.on(&rc, p, r, MODIFIED, Self::modified)
                    })?
                }
                // Before `Target`: hold the records until the result's header is complete.
                "Vulnerabilities" => self.stream(sc, &arr, |_, p, r| {
                    pending.push(Pending::Vuln(p, r));
                    Ok(())
                })?,
                "Misconfigurations" => self.stream(sc, &arr, |_, p, r| {
                    pending.push(Pending::Misconf(p, r));
                    Ok(())
                })?,
                "Secrets" => self.stream(sc, &arr, |_, p, r| {
                    pending.push(Pending::Secret(p, r));
                    Ok(())
                })?,
                "Licenses" => self.stream(sc, &arr, |_, p, r| {
                    pending.push(Pending::License(p, r));
                    Ok(())
                })?,
                "ExperimentalModifiedFindings" => self.stream(sc, &arr, |_, p, r| {
                    pending.push(Pending::Modified(p, r));
                    Ok(())
                })?,
                _ => {
                    if other_keys.len() < 8 {
                        other_keys.push(key);
                    }
                    sc.skip(&arr)?;
                }
            }
            Ok(())
        })?;
        self.shape(&pointer, "a result object", shape, false);
        if matches!(shape, Shape::Container(_)) && !known {
            self.emitter.diagnose(
                &pointer,
                format!(
                    "expected a Trivy result (Target, Vulnerabilities, Misconfigurations, ...), \
                     found an object with keys [{}]: skipped",
                    other_keys.join(", ")
                ),
            );
        }
        for p in pending {
            self.on_pending(&rc, p)?;
        }
        Ok(())
    }

    /// Streams the records of one array, deserializing each from its own bytes.
    fn stream<R, T, F>(
        &mut self,
        sc: &mut Scanner<R>,
        arr: &str,
        mut each: F,
    ) -> Result<(), ParseError>
    where
        R: BufRead,
        T: serde::de::DeserializeOwned,
        F: FnMut(&mut Self, String, Record<T>) -> Result<(), ParseError>,
    {
        let shape = sc.array(arr, |sc, i| {
            let p = jsonscan::child(arr, i);
            let rec = sc.value::<Record<T>>(&p)?;
            each(self, p, rec)
        })?;
        self.shape(arr, "an array", shape, true);
        Ok(())
    }

    /// An array of Kubernetes resources (`Resources`, or the older top-level
    /// `Vulnerabilities` / `Misconfigurations` of a Kubernetes report).
    fn resources<R: BufRead>(&mut self, sc: &mut Scanner<R>, ptr: &str) -> Result<(), ParseError> {
        let shape = sc.array(ptr, |sc, i| self.resource(sc, format!("{ptr}/{i}")))?;
        self.shape(ptr, "an array of Kubernetes resources", shape, true);
        Ok(())
    }

    /// One Kubernetes resource: `Namespace`, `Kind`, `Name`, then its `Results`.
    fn resource<R: BufRead>(
        &mut self,
        sc: &mut Scanner<R>,
        pointer: String,
    ) -> Result<(), ParseError> {
        let (mut namespace, mut kind, mut name) = (None, None, None);
        let shape = sc.object(&pointer, |sc, key| {
            let p = format!("{pointer}/{key}");
            match key.as_str() {
                "Namespace" => namespace = sc.value::<Lenient>(&p)?.0,
                "Kind" => kind = sc.value::<Lenient>(&p)?.0,
                "Name" => name = sc.value::<Lenient>(&p)?.0,
                "Error" => {
                    if let Some(err) = sc.value::<Lenient>(&p)?.0.filter(|e| !e.trim().is_empty()) {
                        self.emitter
                            .diagnose(p, format!("Trivy could not scan this resource: {err}"));
                    }
                }
                "Results" => {
                    if kind.is_none() || name.is_none() {
                        self.emitter.diagnose(
                            &pointer,
                            "Results came before the resource's Kind and Name: its findings are \
                             not tied to the resource",
                        );
                    }
                    let id: Vec<&str> = [namespace.as_deref(), kind.as_deref(), name.as_deref()]
                        .into_iter()
                        .filter_map(non_empty)
                        .collect();
                    let id = (!id.is_empty()).then(|| id.join("/"));
                    self.results(sc, &p, id.as_deref())?;
                }
                _ => sc.skip(&p)?,
            }
            Ok(())
        })?;
        self.shape(&pointer, "a Kubernetes resource object", shape, false);
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Small helpers.
// ---------------------------------------------------------------------------------------------

/// `Some(trimmed)` unless empty.
fn non_empty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// The string, trimmed, unless empty; moved, not copied, when already trimmed.
fn take(s: Option<String>) -> Option<String> {
    let s = s?;
    let t = s.trim();
    if t.is_empty() {
        None
    } else if t.len() == s.len() {
        Some(s)
    } else {
        Some(t.to_string())
    }
}

/// The first non-empty line, trimmed; moved, not copied, when the string is one line.
fn take_line(s: Option<String>) -> Option<String> {
    let s = take(s)?;
    if s.contains(['\n', '\r']) {
        one_line(Some(&s))
    } else {
        Some(s)
    }
}

/// The first non-empty line, trimmed.
fn one_line(s: Option<&str>) -> Option<String> {
    s?.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(String::from)
}

/// `CVE-2021-1 in openssl 1.1.1c`.
fn package_title(id: &str, name: &str, version: Option<&str>) -> String {
    match (name.is_empty(), version) {
        (true, _) => id.to_string(),
        (false, Some(v)) => format!("{id} in {name} {v}"),
        (false, None) => format!("{id} in {name}"),
    }
}

/// `alpine 3.10.2`.
fn os_label(os: &Os) -> Option<String> {
    match (
        non_empty(os.family.as_deref()),
        non_empty(os.name.as_deref()),
    ) {
        (Some(f), Some(n)) => Some(format!("{f} {n}")),
        (Some(f), None) => Some(f.to_string()),
        _ => None,
    }
}

/// Where a package was found: the result's target, normalized as a path unless it names an
/// image or OS (`alpine:3.10 (alpine 3.10.2)`), which is kept verbatim.
fn found_in(rc: &ResultCtx) -> Option<String> {
    let t = non_empty(rc.target.as_deref())?;
    let os = rc.class.as_deref() == Some("os-pkgs")
        || rc
            .result_type
            .as_deref()
            .is_some_and(|ty| os_purl(ty).is_some());
    Some(if os { t.to_string() } else { normalize_path(t) })
}

/// Whether Trivy masked the secret in a match (`export KEY=*****`).
fn is_masked(matched: &str) -> bool {
    matched.contains("***") || secret::is_redacted(matched)
}

/// The lines of `CauseMetadata.Code` that Trivy marks as the cause, else the rendered cause.
fn cause_snippet(cause: &Cause) -> Option<String> {
    let lines: Vec<&str> = cause
        .code
        .lines
        .iter()
        .filter(|l| l.is_cause)
        .map(|l| l.content.as_deref().unwrap_or(""))
        .collect();
    let snippet = if lines.is_empty() {
        cause.rendered.raw.clone().unwrap_or_default()
    } else {
        lines.join("\n")
    };
    (!snippet.trim().is_empty()).then_some(snippet)
}

/// The primary id first, then the vendor ids; normalized and de-duplicated.
fn vuln_ids(id: &str, vendor_ids: &[String]) -> Vec<VulnId> {
    let mut out: Vec<VulnId> = Vec::with_capacity(1 + vendor_ids.len());
    for raw in std::iter::once(id).chain(vendor_ids.iter().map(String::as_str)) {
        if let Some(v) = normalize_vuln_id(raw)
            && !out.contains(&v)
        {
            out.push(v);
        }
    }
    out
}

/// CWE numbers, de-duplicated, in report order.
fn cwes(raw: &[String]) -> Vec<u32> {
    let mut out = Vec::new();
    for c in raw.iter().filter_map(|c| normalize_cwe(c)) {
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// The primary URL first, then the references, trimmed and de-duplicated (the list is reused,
/// not copied).
fn references(primary: Option<String>, mut refs: Vec<String>) -> Vec<String> {
    if let Some(p) = primary {
        refs.insert(0, p);
    }
    let mut out: Vec<String> = Vec::with_capacity(refs.len());
    for r in refs {
        if let Some(r) = take(Some(r))
            && !out.contains(&r)
        {
            out.push(r);
        }
    }
    out
}

/// CVSS entries of a vulnerability: newest CVSS version first; within a version the
/// `SeveritySource` first, then the other sources in name order. Identical entries from two
/// sources are kept once.
fn trivy_cvss(map: json::Entries<Record<CvssEntry>>, preferred: Option<&str>) -> Vec<Cvss> {
    let mut entries: Vec<(String, CvssEntry)> = map
        .into_sorted()
        .into_iter()
        .filter_map(|(source, e)| match e {
            Record::Object(e) => Some((source, e)),
            Record::Other(_) => None,
        })
        .collect();
    if let Some(p) = preferred {
        entries.sort_by_key(|(source, _)| source.as_str() != p);
    }
    let mut out: Vec<Cvss> = Vec::with_capacity(entries.len());
    for version in [CvssVersion::V4, CvssVersion::V3, CvssVersion::V2] {
        for (_, e) in &mut entries {
            let (vector, score) = match version {
                CvssVersion::V4 => (e.v40_vector.take(), e.v40_score),
                CvssVersion::V3 => (e.v3_vector.take(), e.v3_score),
                CvssVersion::V2 => (e.v2_vector.take(), e.v2_score),
            };
            let vector = take(vector);
            if vector.is_none() && score.is_none() {
                continue;
            }
            let c = Cvss {
                version,
                vector,
                score,
            };
            if !out.contains(&c) {
                out.push(c);
            }
        }
    }
    out
}

/// Severity from Trivy's word (kept verbatim); `UNKNOWN`, a missing or an unrecognized word
/// falls back to the first CVSS score, else info.
fn severity(label: Option<String>, cvss: Vec<Cvss>) -> SeverityInfo {
    let label = take(label);
    let known = label
        .as_deref()
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
        tool_label: label,
        cvss,
    }
}

/// The type of a purl (`pkg:npm/x@1` → `npm`).
fn purl_type(purl: &str) -> Option<&str> {
    let rest = purl.strip_prefix("pkg:")?;
    let ty = rest.split('/').next()?;
    (!ty.is_empty()).then_some(ty)
}

/// Trivy OS families: the result `Type`, and the purl type and namespace Trivy writes for
/// their packages.
const OS_FAMILIES: [(&str, &str, &str); 24] = [
    ("alpine", "apk", "alpine"),
    ("wolfi", "apk", "wolfi"),
    ("chainguard", "apk", "chainguard"),
    ("minimos", "apk", "minimos"),
    ("debian", "deb", "debian"),
    ("ubuntu", "deb", "ubuntu"),
    ("redhat", "rpm", "redhat"),
    ("centos", "rpm", "centos"),
    ("rocky", "rpm", "rocky"),
    ("alma", "rpm", "alma"),
    ("oracle", "rpm", "oracle"),
    ("amazon", "rpm", "amazon"),
    ("fedora", "rpm", "fedora"),
    ("photon", "rpm", "photon"),
    ("cbl-mariner", "rpm", "cbl-mariner"),
    ("azurelinux", "rpm", "azurelinux"),
    ("echo", "rpm", "echo"),
    ("opensuse", "rpm", "opensuse"),
    ("opensuse-leap", "rpm", "opensuse"),
    ("opensuse-tumbleweed", "rpm", "opensuse"),
    ("opensuse.leap", "rpm", "opensuse"),
    ("opensuse.tumbleweed", "rpm", "opensuse"),
    ("sles", "rpm", "suse"),
    ("slem", "rpm", "suse"),
];

/// The purl type and namespace of an OS package of a Trivy OS family.
fn os_purl(result_type: &str) -> Option<(&'static str, &'static str)> {
    let t = result_type.trim();
    OS_FAMILIES
        .iter()
        .find(|(family, _, _)| family.eq_ignore_ascii_case(t))
        .map(|(_, ty, ns)| (*ty, *ns))
}

/// Builds a purl for a package Trivy gave none for, from the result `Type`:
///
/// | result `Type` | purl |
/// |---|---|
/// | alpine, wolfi, chainguard, minimos | `pkg:apk/<type>/<name>@<v>` |
/// | debian, ubuntu | `pkg:deb/<type>/<name>@<v>` |
/// | redhat, centos, rocky, alma, oracle, amazon, fedora, photon, cbl-mariner, azurelinux, echo | `pkg:rpm/<type>/<name>@<v>` (an `E:` epoch becomes `?epoch=E`) |
/// | opensuse(-leap, -tumbleweed) / sles, slem | `pkg:rpm/opensuse/...` / `pkg:rpm/suse/...` |
/// | npm, yarn, pnpm, bun, node-pkg | `pkg:npm/[%40scope/]<name>@<v>` |
/// | pip, pipenv, poetry, uv, pylock, python-pkg | `pkg:pypi/<name>@<v>` |
/// | gomod, gobinary | `pkg:golang/<module path>@<v>` |
/// | jar, pom, gradle, sbt | `pkg:maven/<group>/<artifact>@<v>` (name `group:artifact`) |
/// | cargo, rustbinary, rust-binary | `pkg:cargo/<name>@<v>` |
/// | composer, composer-vendor | `pkg:composer/<vendor>/<name>@<v>` |
/// | bundler, gemspec | `pkg:gem/<name>@<v>` |
/// | nuget, dotnet-core, packages-props | `pkg:nuget/<name>@<v>` |
/// | conan, cocoapods, pub, hex, bitnami | `pkg:<type>/<name>@<v>` |
/// | swift | `pkg:swift/<host/owner>/<name>@<v>` |
/// | conda-pkg, conda-environment | `pkg:conda/<name>@<v>` |
/// | kubernetes, k8s | `pkg:k8s/<name>@<v>` |
///
/// OS packages get a `distro` qualifier from the report's `Metadata.OS` when known. Any other
/// type (julia needs a uuid Trivy does not report) gives `None`.
fn build_purl(result_type: &str, name: &str, version: Option<&str>, os: &Os) -> Option<String> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let ty = result_type.trim().to_ascii_lowercase();
    let mut version = version
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(String::from);
    let mut qualifiers: Vec<(&str, String)> = Vec::new();
    let (purl_ty, namespace, pkg_name) = match os_purl(&ty) {
        Some((pt, ns)) => {
            if pt == "rpm"
                && let Some((epoch, rest)) = rpm_epoch(version.as_deref())
            {
                qualifiers.push(("epoch", epoch));
                version = Some(rest);
            }
            if let Some(release) = non_empty(os.name.as_deref()) {
                let distro = match (pt, non_empty(os.family.as_deref())) {
                    ("apk", _) | (_, None) => release.to_string(),
                    (_, Some(f)) => format!("{f}-{release}"),
                };
                qualifiers.push(("distro", distro));
            }
            (pt, Some(ns.to_string()), name.to_string())
        }
        None => language_purl(&ty, name)?,
    };
    let mut purl = packageurl::PackageUrl::new(purl_ty, pkg_name).ok()?;
    if let Some(ns) = namespace {
        purl.with_namespace(ns).ok()?;
    }
    if let Some(v) = version {
        purl.with_version(v).ok()?;
    }
    for (k, v) in qualifiers {
        purl.add_qualifier(k, v).ok()?;
    }
    Some(purl.to_string())
}

/// `1:1.0.2k-16.el7` → (`1`, `1.0.2k-16.el7`): an RPM epoch, which a purl carries as a
/// qualifier.
fn rpm_epoch(version: Option<&str>) -> Option<(String, String)> {
    let (epoch, rest) = version?.split_once(':')?;
    (!epoch.is_empty() && epoch.chars().all(|c| c.is_ascii_digit()))
        .then(|| (epoch.to_string(), rest.to_string()))
}

/// The purl type, namespace and name of a language package of Trivy type `ty`.
fn language_purl(ty: &str, name: &str) -> Option<(&'static str, Option<String>, String)> {
    let split_last = |sep: char| match name.rsplit_once(sep) {
        Some((ns, n)) if !ns.is_empty() && !n.is_empty() => (Some(ns.to_string()), n.to_string()),
        _ => (None, name.to_string()),
    };
    let plain = |t: &'static str| Some((t, None, name.to_string()));
    match ty {
        "npm" | "yarn" | "pnpm" | "bun" | "node-pkg" if name.starts_with('@') => {
            let (ns, n) = split_last('/');
            Some(("npm", ns, n))
        }
        "npm" | "yarn" | "pnpm" | "bun" | "node-pkg" => plain("npm"),
        "pip" | "pipenv" | "poetry" | "uv" | "pylock" | "python-pkg" => plain("pypi"),
        "gomod" | "gobinary" => {
            let (ns, n) = split_last('/');
            Some(("golang", ns, n))
        }
        "jar" | "pom" | "gradle" | "sbt" => {
            let (ns, n) = split_last(':');
            Some(("maven", ns, n))
        }
        "cargo" | "rustbinary" | "rust-binary" => plain("cargo"),
        "composer" | "composer-vendor" => {
            let (ns, n) = split_last('/');
            Some(("composer", ns, n))
        }
        "bundler" | "gemspec" => plain("gem"),
        "nuget" | "dotnet-core" | "packages-props" => plain("nuget"),
        "conan" => plain("conan"),
        "cocoapods" => plain("cocoapods"),
        "pub" => plain("pub"),
        "hex" => plain("hex"),
        "bitnami" => plain("bitnami"),
        "swift" => {
            let (ns, n) = split_last('/');
            Some(("swift", ns, n))
        }
        "conda-pkg" | "conda-environment" => plain("conda"),
        "kubernetes" | "k8s" => plain("k8s"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Format, parse_bytes};

    fn ctx() -> ParseContext {
        ParseContext::new("t.json", b"key".to_vec())
    }

    fn run(doc: &str) -> (ParseOutcome, Vec<Observation>) {
        parse_bytes(doc.as_bytes(), Some(Format::Trivy), &ctx()).expect("parses")
    }

    #[test]
    fn purls_for_each_mapped_type() {
        let os = Os {
            family: Some("centos".into()),
            name: Some("7.6".into()),
        };
        let none = Os::default();
        let p = |t: &str, n: &str, v: &str, os: &Os| build_purl(t, n, Some(v), os);
        assert_eq!(
            p("centos", "openssl-libs", "1:1.0.2k-16.el7", &os).as_deref(),
            Some("pkg:rpm/centos/openssl-libs@1.0.2k-16.el7?distro=centos-7.6&epoch=1")
        );
        assert_eq!(
            p("alpine", "musl", "1.1.22-r3", &none).as_deref(),
            Some("pkg:apk/alpine/musl@1.1.22-r3")
        );
        assert_eq!(
            p("debian", "apt", "1.8.2.1", &none).as_deref(),
            Some("pkg:deb/debian/apt@1.8.2.1")
        );
        assert_eq!(
            p("npm", "@babel/core", "7.0.0", &none).as_deref(),
            Some("pkg:npm/%40babel/core@7.0.0")
        );
        assert_eq!(
            p("pip", "Django", "3.2.9", &none).as_deref(),
            Some("pkg:pypi/django@3.2.9")
        );
        assert_eq!(
            p(
                "gomod",
                "github.com/docker/distribution",
                "v2.7.1+incompatible",
                &none
            )
            .as_deref(),
            Some("pkg:golang/github.com/docker/distribution@v2.7.1%2Bincompatible")
        );
        assert_eq!(
            p(
                "jar",
                "org.apache.logging.log4j:log4j-core",
                "2.14.1",
                &none
            )
            .as_deref(),
            Some("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1")
        );
        assert_eq!(
            p("composer", "guzzlehttp/psr7", "1.8.3", &none).as_deref(),
            Some("pkg:composer/guzzlehttp/psr7@1.8.3")
        );
        assert_eq!(
            p("gemspec", "rack", "2.0.0", &none).as_deref(),
            Some("pkg:gem/rack@2.0.0")
        );
        assert_eq!(p("julia", "X", "1", &none), None);
        assert_eq!(p("npm", "", "1", &none), None);
    }

    #[test]
    fn legacy_list_and_null() {
        let (out, obs) = run(
            r#"[{"Target":"app/package-lock.json","Type":"npm","Vulnerabilities":[
                {"VulnerabilityID":"CVE-2018-16487","PkgName":"lodash","InstalledVersion":"4.17.4",
                 "FixedVersion":">=4.17.11","Severity":"HIGH","CweIDs":["CWE-190"]},
                {"PkgName":"no-id"}, "junk"]}]"#,
        );
        assert_eq!(obs.len(), 1);
        let o = &obs[0];
        assert_eq!(o.source_ref, "/0/Vulnerabilities/0");
        let Location::Package(p) = &o.location else {
            panic!("package")
        };
        assert_eq!(p.purl.as_deref(), Some("pkg:npm/lodash@4.17.4"));
        assert_eq!(p.found_in.as_deref(), Some("app/package-lock.json"));
        assert_eq!(p.fixed_versions, vec![">=4.17.11"]);
        assert_eq!(o.cwes, vec![190]);
        assert_eq!(out.diagnostics.len(), 2, "{:?}", out.diagnostics);
        assert_eq!(out.diagnostics[0].place, "/0/Vulnerabilities/1");
        assert!(out.diagnostics[1].message.contains("found a string"));
        let (out, obs) = run("null");
        assert!(obs.is_empty());
        assert_eq!(out.tools[0].name, "trivy");
    }

    #[test]
    fn records_before_target_are_held_not_lost() {
        let (_, obs) = run(
            r#"{"SchemaVersion":2,"Results":[{"Vulnerabilities":[{"VulnerabilityID":"CVE-1-2",
               "PkgName":"musl","InstalledVersion":"1.0"}],"Type":"alpine","Target":"img (alpine 3.9)"}]}"#,
        );
        assert_eq!(obs.len(), 1);
        let Location::Package(p) = &obs[0].location else {
            panic!("package")
        };
        assert_eq!(p.found_in.as_deref(), Some("img (alpine 3.9)"));
        assert_eq!(p.purl.as_deref(), Some("pkg:apk/alpine/musl@1.0"));
    }

    #[test]
    fn unmasked_secret_never_leaks() {
        let raw = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
        let doc = format!(
            r#"{{"SchemaVersion":2,"ArtifactName":".","ArtifactType":"filesystem","Results":[{{
              "Target":"./deploy.sh","Class":"secret","Secrets":[{{"RuleID":"github-pat",
              "Category":"GitHub","Severity":"CRITICAL","Title":"GitHub PAT","StartLine":3,
              "EndLine":3,"Match":"{raw}","Code":{{"Lines":[{{"Number":3,"Content":"TOKEN={raw}",
              "IsCause":true}}]}}}}]}}]}}"#
        );
        let (_, obs) = run(&doc);
        assert_eq!(obs.len(), 1);
        let json = serde_json::to_string(&obs).unwrap();
        assert!(!json.contains(raw), "{json}");
        assert!(!json.contains("abcdefghijkl"), "{json}");
        let s = obs[0].secret.as_ref().unwrap();
        assert_eq!(s.hmac.as_ref().map(String::len), Some(64));
        assert_eq!(s.preview.as_deref(), Some("ghp_…(40 chars)"));
        assert_eq!(obs[0].snippet, None);
        let Location::Code(c) = &obs[0].location else {
            panic!("code")
        };
        assert_eq!((c.path.as_str(), c.start_line), ("deploy.sh", Some(3)));
    }

    #[test]
    fn misconfig_statuses_and_modified_findings() {
        let (out, obs) = run(
            r#"{"SchemaVersion":2,"ArtifactType":"container_image","Results":[{"Target":"main.tf",
              "Class":"config","Type":"terraform","Misconfigurations":[
               {"ID":"AWS-1","Status":"PASS"},
               {"ID":"AWS-2","Status":"FAIL","Severity":"HIGH","CauseMetadata":{"Resource":"aws_s3_bucket.a",
                "StartLine":3,"EndLine":4,"Code":{"Lines":[{"Content":"a","IsCause":true},{"Content":"b","IsCause":false}]}}},
               {"ID":"AWS-3","Status":"EXCEPTION"}],
              "ExperimentalModifiedFindings":[{"Type":"vulnerability","Status":"not_affected",
               "Statement":"vulnerable_code_not_in_execute_path","Source":"vex.json",
               "Finding":{"VulnerabilityID":"CVE-1-1","PkgName":"x"}},{"Type":"weird"}]}]}"#,
        );
        assert_eq!(out.tool_kind, Some(ToolKind::Container));
        assert_eq!(obs.len(), 3, "{obs:#?}");
        let Location::Resource(r) = &obs[0].location else {
            panic!("resource")
        };
        assert_eq!(r.resource, "aws_s3_bucket.a");
        assert_eq!(r.file.as_deref(), Some("main.tf"));
        assert_eq!((r.start_line, r.end_line), (Some(3), Some(4)));
        assert_eq!(obs[0].snippet.as_deref(), Some("a"));
        assert_eq!(
            obs[1]
                .suppression
                .as_ref()
                .and_then(|s| s.status.as_deref()),
            Some("accepted")
        );
        let s = obs[2].suppression.as_ref().unwrap();
        assert_eq!(s.status.as_deref(), Some("not_affected"));
        assert_eq!(
            obs[2].source_ref,
            "/Results/0/ExperimentalModifiedFindings/0/Finding"
        );
        assert_eq!(out.diagnostics.len(), 1);
    }

    #[test]
    fn broken_documents_name_the_place() {
        let e = parse_bytes(
            br#"{"SchemaVersion":2,"Results":[{"Target":"x","Vulnerabilities":[{"VulnerabilityID":"CVE-1-1"},"#,
            Some(Format::Trivy),
            &ctx(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("t.json: line 1"), "{e}");
        assert!(e.contains("/Results/0/Vulnerabilities/1"), "{e}");
        let e = parse_bytes(br#"{"hello":1}"#, Some(Format::Trivy), &ctx())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("expected a Trivy JSON report") && e.contains("hello"),
            "{e}"
        );
        let e = parse_bytes(br#""text""#, Some(Format::Trivy), &ctx())
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected a Trivy JSON report"), "{e}");
    }

    #[test]
    fn sink_errors_stop_the_parse() {
        let mut sink = |_o: Observation| Err("disk full".to_string());
        let mut em = Emitter::new(&mut sink);
        let doc = br#"{"SchemaVersion":2,"Results":[{"Target":"x","Type":"npm","Vulnerabilities":[{"VulnerabilityID":"CVE-1-1","PkgName":"a"}]}]}"#;
        let e = crate::parse(&doc[..], Some(Format::Trivy), &ctx(), &mut em).unwrap_err();
        assert!(matches!(e, ParseError::Sink { .. }), "{e}");
    }
}
