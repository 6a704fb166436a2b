//! `rampart issues list|show`.

use crate::open_store;
use crate::output::{ListFormat, csv_line, ellipsize, print_json, short_time, table};
use anyhow::{Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use rampart_model::{FindingKind, IssueStatus, Severity};
use rampart_store::{IssueDetail, IssueQuery, IssueSort};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum IssuesCommand {
    /// List issues (open and reopened by default), worst first.
    List(ListArgs),
    /// Show one issue: every observation from every tool, its risk factors, triage and history.
    Show(ShowArgs),
    /// Triage an issue: false_positive, risk_accepted (with approver and expiry), mitigated,
    /// not_affected (with a VEX justification). Recorded with who and when; holds on rescans.
    Triage(crate::triage::TriageArgs),
    /// Undo the triage decision in force on an issue.
    Untriage(crate::triage::UntriageArgs),
    /// Reopen every risk acceptance past its expiry (ingests and lists also do this).
    Expire,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SortArg {
    /// Worst severity first.
    Severity,
    /// Newest first.
    Newest,
    /// By id.
    Id,
    /// Highest risk score first.
    Risk,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this application.
    #[arg(long)]
    app: Option<String>,
    /// Only these severities (repeat or comma-separate): critical, high, medium, low, info.
    #[arg(long, value_delimiter = ',', value_parser = parse_severity)]
    severity: Vec<Severity>,
    /// Only these statuses (default: open, reopened), or `all`.
    #[arg(long, value_delimiter = ',')]
    status: Vec<String>,
    /// Only issues this tool reported.
    #[arg(long)]
    tool: Option<String>,
    /// Only this kind: code, secret, dependency, iac, web, license.
    #[arg(long, value_delimiter = ',', value_parser = parse_kind)]
    kind: Vec<FindingKind>,
    /// Order.
    #[arg(long, value_enum, default_value = "severity")]
    sort: SortArg,
    /// At most this many.
    #[arg(long)]
    limit: Option<u32>,
    /// Only applications the catalog gives this owner team.
    #[arg(long)]
    team: Option<String>,
    /// Only applications this person or group owns (owner team or listed owner).
    #[arg(long)]
    owner: Option<String>,
    /// The N highest-risk issues (same as `--sort risk --limit N`).
    #[arg(long, value_name = "N")]
    top: Option<u32>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: ListFormat,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Issue id.
    id: i64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

fn parse_kind(s: &str) -> Result<FindingKind, String> {
    FindingKind::parse(s).ok_or_else(|| {
        format!("unknown kind `{s}`: expected code, secret, dependency, iac, web or license")
    })
}

pub async fn run(db: &str, cmd: IssuesCommand) -> Result<ExitCode> {
    match cmd {
        IssuesCommand::List(args) => list(db, args).await,
        IssuesCommand::Show(args) => show(db, args).await,
        IssuesCommand::Triage(args) => crate::triage::triage(db, args).await,
        IssuesCommand::Untriage(args) => crate::triage::untriage(db, args).await,
        IssuesCommand::Expire => crate::triage::expire(db).await,
    }
}

async fn list(db: &str, args: ListArgs) -> Result<ExitCode> {
    let mut q = IssueQuery {
        application: args.app.clone(),
        severities: args.severity.clone(),
        tool: args.tool.clone(),
        kinds: args.kind.clone(),
        limit: args.limit,
        sort: match args.sort {
            SortArg::Severity => IssueSort::Severity,
            SortArg::Newest => IssueSort::Newest,
            SortArg::Id => IssueSort::Id,
            SortArg::Risk => IssueSort::Risk,
        },
        team: args.team.clone(),
        owner: args.owner.clone(),
        ..Default::default()
    };
    if let Some(n) = args.top {
        q.sort = IssueSort::Risk;
        q.limit = Some(n);
    }
    for s in &args.status {
        if s == "all" {
            q.all_statuses = true;
        } else {
            q.statuses
                .push(s.parse::<IssueStatus>().map_err(anyhow::Error::msg)?);
        }
    }
    let store = open_store(db).await?;
    expire_before_listing(store.as_ref()).await?;
    let issues = store.list_issues(&q).await?;
    match args.format {
        ListFormat::Json => print_json(&issues)?,
        ListFormat::Csv => {
            println!(
                "id,application,severity,status,kind,title,location,rule_id,vuln_ids,cwes,tools,first_seen,last_seen,risk"
            );
            for i in &issues {
                println!(
                    "{}",
                    csv_line(&[
                        i.id.to_string(),
                        i.application.clone(),
                        i.severity.to_string(),
                        i.status.to_string(),
                        i.kind.as_str().to_string(),
                        i.title.clone(),
                        i.location.clone(),
                        i.rule_id.clone(),
                        i.vuln_ids
                            .iter()
                            .map(|v| v.0.clone())
                            .collect::<Vec<_>>()
                            .join(" "),
                        i.cwes
                            .iter()
                            .map(|c| format!("CWE-{c}"))
                            .collect::<Vec<_>>()
                            .join(" "),
                        i.tools.join(" "),
                        i.first_seen.to_string(),
                        i.last_seen.to_string(),
                        i.risk.to_string(),
                    ])
                );
            }
        }
        ListFormat::Table => {
            let mut t = table(&[
                "id", "risk", "app", "severity", "status", "kind", "title", "location", "tools",
            ]);
            for i in &issues {
                t.add_row(vec![
                    i.id.to_string(),
                    i.risk.to_string(),
                    i.application.clone(),
                    i.severity.to_string(),
                    i.status.to_string(),
                    i.kind.as_str().to_string(),
                    ellipsize(&i.title, 60),
                    ellipsize(&i.location, 50),
                    i.tools.join(", "),
                ]);
            }
            println!("{t}");
            println!("{} issue(s)", issues.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn show(db: &str, args: ShowArgs) -> Result<ExitCode> {
    let store = open_store(db).await?;
    let Some(detail) = store.issue_detail(args.id).await? else {
        bail!("no issue with id {}", args.id);
    };
    let (risk, triage) = risk_and_triage(store.as_ref(), args.id).await?;
    if args.json {
        let mut v = serde_json::to_value(&detail)?;
        v["risk"] = serde_json::to_value(&risk)?;
        v["triage"] = serde_json::to_value(&triage)?;
        print_json(&v)?;
    } else {
        print_detail(&detail);
        if let Some(r) = &risk {
            crate::risk::print_risk(r);
        }
        crate::risk::print_triage(&triage);
    }
    Ok(ExitCode::SUCCESS)
}

/// Reopens expired risk acceptances before a list, so the list is true as of now.
async fn expire_before_listing(store: &dyn rampart_store::Store) -> Result<()> {
    rampart_service::triage::expire(store, time::OffsetDateTime::now_utc()).await?;
    Ok(())
}

/// The issue's risk as of now, with every factor, and its triage decisions.
async fn risk_and_triage(
    store: &dyn rampart_store::Store,
    id: i64,
) -> Result<(
    Option<rampart_engine::risk::RiskAssessment>,
    Vec<rampart_model::TriageDecision>,
)> {
    let risk = rampart_service::risk::explain(store, id, time::OffsetDateTime::now_utc()).await?;
    Ok((risk, store.triage_history(id).await?))
}

fn print_detail(d: &IssueDetail) {
    let i = &d.issue;
    println!(
        "Issue #{}  [{}] {}",
        i.id,
        i.severity.to_string().to_uppercase(),
        i.title
    );
    println!("  application: {}", i.application);
    println!("  status:      {}", i.status);
    println!("  kind:        {}", i.kind.as_str());
    println!("  location:    {}", i.location);
    println!("  rule:        {}", i.rule_id);
    if !i.vuln_ids.is_empty() {
        let ids: Vec<&str> = i.vuln_ids.iter().map(|v| v.0.as_str()).collect();
        println!("  vulns:       {}", ids.join(", "));
    }
    if !i.cwes.is_empty() {
        let c: Vec<String> = i.cwes.iter().map(|c| format!("CWE-{c}")).collect();
        println!("  weakness:    {}", c.join(", "));
    }
    println!("  tools:       {}", i.tools.join(", "));
    println!("  first seen:  {}", short_time(i.first_seen));
    println!("  last seen:   {}", short_time(i.last_seen));
    if let Some(f) = i.fixed_at {
        println!("  fixed at:    {}", short_time(f));
    }
    println!("  identity:    {}", i.key);
    println!();
    println!("Observations ({}):", d.observations.len());
    let mut t = table(&[
        "tool",
        "rule",
        "severity (tool's label)",
        "location",
        "target@branch",
        "scans",
        "state",
    ]);
    for o in &d.observations {
        let label = o
            .observation
            .pointer("/severity/tool_label")
            .and_then(|v| v.as_str())
            .map(|l| format!(" ({l})"))
            .unwrap_or_default();
        t.add_row(vec![
            o.tool.clone(),
            ellipsize(&o.rule_id, 40),
            format!("{}{label}", o.severity),
            ellipsize(&o.location, 50),
            format!("{}@{}", o.target, o.branch),
            match o.last_scan_id {
                Some(l) => format!("#{}..#{l}", o.first_scan_id),
                None => format!("#{}..", o.first_scan_id),
            },
            if o.active {
                "reported".into()
            } else {
                "no longer reported".into()
            },
        ]);
    }
    println!("{t}");
    println!();
    println!("Why these observations are one issue:");
    for o in &d.observations {
        println!(
            "  {} {} at {}: {}",
            o.tool,
            o.rule_id,
            o.location,
            rampart_service::explain::why_merged(&o.observation, &i.key)
        );
    }
    if let Some(msg) = d
        .observations
        .iter()
        .find_map(|o| o.observation.get("message").and_then(|m| m.as_str()))
    {
        println!();
        println!("Message: {}", ellipsize(msg, 300));
    }
    println!();
    println!("History:");
    for e in &d.events {
        let scan = e
            .scan_id
            .map(|s| format!(" (scan #{s})"))
            .unwrap_or_default();
        println!(
            "  {}  {:<9} {}{}",
            short_time(e.at),
            e.event,
            e.detail,
            scan
        );
    }
}
