//! Builds observations and runs ingests the way the ingest service does, without reports.

use rampart_engine::{Correlator, DefaultLifecycle};
use rampart_model::{
    CodeLocation, FindingKind, KeyedObservation, Location, Observation, PackageLocation, Scan,
    Severity, VulnId,
};
use rampart_store::{ScanEnd, ScanMeta, Store};
use time::OffsetDateTime;
use time::macros::datetime;

/// The time of the `n`-th scan of a test (whole seconds, one minute apart).
pub fn at(n: i64) -> OffsetDateTime {
    datetime!(2024-03-01 12:00 UTC) + time::Duration::minutes(n)
}

/// A SAST finding with quoted code (its identity is the path, rule and snippet).
pub fn code(tool: &str, rule: &str, path: &str, line: u32, snippet: &str) -> Observation {
    let mut o = Observation::new(
        tool,
        FindingKind::Code,
        rule,
        format!("{rule} in {path}"),
        Location::Code(CodeLocation {
            path: path.into(),
            start_line: Some(line),
            ..Default::default()
        }),
    );
    o.snippet = Some(snippet.into());
    o.severity.level = Severity::Medium;
    o.cwes = vec![89];
    o.source_ref = format!("/results/{line}");
    o
}

/// A vulnerable package finding (its identity is the CVE and the versionless purl, so two
/// tools reporting it agree).
pub fn dep(tool: &str, cve: &str, package: &str, version: &str, severity: Severity) -> Observation {
    let purl = format!("pkg:npm/{package}@{version}");
    let mut o = Observation::new(
        tool,
        FindingKind::Dependency,
        cve,
        format!("{cve} in {package}"),
        Location::Package(PackageLocation {
            purl: Some(purl),
            ecosystem: Some("npm".into()),
            name: package.into(),
            version: Some(version.into()),
            ..Default::default()
        }),
    );
    o.vuln_ids = vec![VulnId(cve.into()), VulnId(format!("GHSA-{package}"))];
    o.severity.level = severity;
    o.severity.tool_label = Some(severity.as_str().to_uppercase());
    o
}

/// A leaked secret (identity: the keyed hash of the value).
pub fn secret(tool: &str, path: &str, hmac: &str) -> Observation {
    let mut o = Observation::new(
        tool,
        FindingKind::Secret,
        "aws-access-key",
        "AWS access key",
        Location::Code(CodeLocation {
            path: path.into(),
            start_line: Some(3),
            ..Default::default()
        }),
    );
    o.secret = Some(rampart_model::SecretEvidence {
        hmac: Some(hmac.into()),
        preview: Some("AKIA…(20 chars)".into()),
    });
    o.severity.level = Severity::Critical;
    o
}

/// Keys observations as one report on `target` does.
pub fn keyed(target: &str, observations: Vec<Observation>) -> Vec<KeyedObservation> {
    let mut c = Correlator::new(target);
    observations.into_iter().map(|o| c.key(o)).collect()
}

/// What a scan is about.
#[derive(Debug, Clone)]
pub struct Report {
    /// Application.
    pub app: String,
    /// Target.
    pub target: String,
    /// Tools the report names (even with no observation).
    pub tools: Vec<String>,
    /// When.
    pub at: OffsetDateTime,
    /// Recorded as the scan's report hash (lets a test find the scan again).
    pub tag: String,
}

impl Report {
    /// A report of `tool` on application `app` (target of the same name) at scan time `n`.
    pub fn new(app: &str, tool: &str, n: i64) -> Report {
        Report {
            app: app.into(),
            target: app.into(),
            tools: vec![tool.into()],
            at: at(n),
            tag: format!("{app}-{tool}-{n}"),
        }
    }

    /// On another target.
    pub fn target(mut self, target: &str) -> Report {
        self.target = target.into();
        self
    }

    /// The scan's metadata.
    pub fn meta(&self) -> ScanMeta {
        ScanMeta {
            application: self.app.clone(),
            target: self.target.clone(),
            branch: "main".into(),
            commit: Some("0123abc".into()),
            environment: None,
            format: "test".into(),
            file_name: format!("{}.json", self.tag),
            report_sha256: String::new(),
            ingested_at: self.at,
        }
    }
}

/// Ingests `observations` as one report, in batches of `batch` (as the service streams them).
pub async fn ingest_batched(
    store: &dyn Store,
    report: &Report,
    observations: Vec<Observation>,
    batch: usize,
) -> Scan {
    let rules = DefaultLifecycle;
    let mut session = store
        .begin_ingest(report.meta())
        .await
        .expect("begin ingest");
    let mut keyed = keyed(&report.target, observations);
    while !keyed.is_empty() {
        let rest = keyed.split_off(batch.min(keyed.len()));
        session.write(keyed, &rules).await.expect("write batch");
        keyed = rest;
    }
    session
        .finish(
            ScanEnd {
                tools: report.tools.clone(),
                report_sha256: report.tag.clone(),
            },
            &rules,
        )
        .await
        .expect("finish ingest")
}

/// Ingests `observations` as one report in one batch.
pub async fn ingest(store: &dyn Store, report: &Report, observations: Vec<Observation>) -> Scan {
    ingest_batched(store, report, observations, usize::MAX).await
}
