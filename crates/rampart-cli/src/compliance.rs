//! `rampart compliance frameworks|report`: the compliance mapping, and per-application pass /
//! gap reports with the evidence behind each verdict (Markdown, HTML or JSON).

use crate::open_store;
use crate::output::{ListFormat, print_json, table};
use crate::sla::parse_as_of;
use anyhow::{Context, Result, anyhow};
use clap::{Args, Subcommand, ValueEnum};
use rampart_engine::compliance::{self, Requirement};
use rampart_service::compliance::{ComplianceOptions, PolicyResults, render};
use rampart_store::AppScope;
use std::path::PathBuf;
use std::process::ExitCode;
use time::OffsetDateTime;

#[derive(Debug, Subcommand)]
pub enum ComplianceCommand {
    /// List the frameworks and their controls, with the evidence each control asks for.
    Frameworks {
        /// Only this framework.
        #[arg(long)]
        framework: Option<String>,
        /// Output format (table or json).
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Judge applications against a framework: pass / gap per control, with the evidence.
    Report(ReportArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    /// Markdown.
    Md,
    /// A standalone HTML page.
    Html,
    /// JSON.
    Json,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Framework: soc2, pci-dss, hipaa, gdpr, nist-ssdf, owasp-top10, asvs.
    #[arg(long)]
    framework: String,
    /// Only this application.
    #[arg(long)]
    app: Option<String>,
    /// Only applications the catalog gives this owner team.
    #[arg(long)]
    team: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
    format: ReportFormat,
    /// Write the report to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Judge at this time instead of now: a date (2027-01-31, midnight UTC) or RFC 3339 time.
    #[arg(long, value_parser = parse_as_of)]
    as_of: Option<OffsetDateTime>,
    /// Policy outcomes (JSON: {"APP": {"POLICY": {"passed": bool, "messages": [..]}}}) for the
    /// controls that ask for a policy (see docs/compliance.md).
    #[arg(long)]
    policy_results: Option<PathBuf>,
    /// Exit 1 when an in-scope application has a gap.
    #[arg(long)]
    fail_on_gap: bool,
}

pub async fn run(db: &str, cmd: ComplianceCommand) -> Result<ExitCode> {
    match cmd {
        ComplianceCommand::Frameworks { framework, format } => frameworks(framework, format),
        ComplianceCommand::Report(args) => report(db, args).await,
    }
}

fn describe(r: &Requirement) -> String {
    match r {
        Requirement::ScanCoverage { kinds, within_days } => {
            let k: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
            format!("scan coverage: {} within {within_days} days", k.join(", "))
        }
        Requirement::OpenIssues(s) => {
            let mut parts = Vec::new();
            if !s.owasp.is_empty() {
                parts.push(format!("OWASP {}", s.owasp.join("/")));
            }
            if !s.asvs.is_empty() {
                parts.push(format!("ASVS {}", s.asvs.join("/")));
            }
            if !s.cwes.is_empty() {
                let c: Vec<String> = s.cwes.iter().map(|c| format!("CWE-{c}")).collect();
                parts.push(c.join("/"));
            }
            if !s.kinds.is_empty() {
                let k: Vec<&str> = s.kinds.iter().map(|k| k.as_str()).collect();
                parts.push(k.join("/"));
            }
            if !s.severities.is_empty() {
                let v: Vec<&str> = s.severities.iter().map(|v| v.as_str()).collect();
                parts.push(v.join("/"));
            }
            format!("open issues ≤ {}: {}", s.max, parts.join(", "))
        }
        Requirement::SlaAdherence {
            severities,
            max_breached,
            ..
        } => {
            let v: Vec<&str> = severities.iter().map(|v| v.as_str()).collect();
            let what = if v.is_empty() {
                "all".into()
            } else {
                v.join("/")
            };
            format!("SLA breaches ≤ {max_breached}: {what}")
        }
        Requirement::Policy { name } => format!("policy `{name}` passes"),
    }
}

fn frameworks(only: Option<String>, format: ListFormat) -> Result<ExitCode> {
    let list: Vec<&compliance::Framework> = match &only {
        Some(id) => vec![compliance::framework(id).map_err(|e| anyhow!(e))?],
        None => compliance::mapping()
            .map_err(|e| anyhow!(e))?
            .frameworks
            .iter()
            .collect(),
    };
    if format == ListFormat::Json {
        print_json(&list)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut t = table(&["framework", "control", "title", "evidence"]);
    for f in &list {
        for c in &f.controls {
            t.add_row(vec![
                f.id.clone(),
                c.id.clone(),
                c.title.clone(),
                c.evidence
                    .iter()
                    .map(describe)
                    .collect::<Vec<_>>()
                    .join("\n"),
            ]);
        }
    }
    println!("{t}");
    Ok(ExitCode::SUCCESS)
}

async fn report(db: &str, a: ReportArgs) -> Result<ExitCode> {
    let policies: PolicyResults = match &a.policy_results {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("{}: cannot read", path.display()))?;
            serde_json::from_str(&text).map_err(|e| {
                anyhow!(
                    "{}: line {}, column {}: {e}: expected {{\"APP\": {{\"POLICY\": {{\"passed\": true|false, \"messages\": [...]}}}}}}",
                    path.display(),
                    e.line(),
                    e.column()
                )
            })?
        }
        None => PolicyResults::new(),
    };
    let store = open_store(db).await?;
    let opts = ComplianceOptions {
        framework: a.framework,
        scope: AppScope {
            application: a.app,
            team: a.team,
        },
        now: a.as_of.unwrap_or_else(OffsetDateTime::now_utc),
        policies,
    };
    let r = rampart_service::compliance::report(store.as_ref(), &opts).await?;
    let text = match a.format {
        ReportFormat::Md => render::markdown(&r),
        ReportFormat::Html => render::html(&r),
        ReportFormat::Json => serde_json::to_string_pretty(&r)? + "\n",
    };
    match &a.output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("{}: cannot write", path.display()))?,
        None => print!("{text}"),
    }
    let gap = r
        .applications
        .iter()
        .any(|app| app.in_scope && app.gaps > 0);
    Ok(if a.fail_on_gap && gap {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
