//! `rampart sla`: every active issue's remediation SLA (due date, days left, breached), and
//! `rampart sla policy`: the SLA policy in force (show, or set from a YAML file).

use crate::open_store;
use crate::output::{ListFormat, ellipsize, print_json, short_time, table};
use anyhow::{Context, Result, anyhow};
use clap::{Args, Subcommand};
use rampart_engine::sla::SlaPolicy;
use rampart_store::AppScope;
use std::path::PathBuf;
use std::process::ExitCode;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SlaArgs {
    #[command(subcommand)]
    command: Option<SlaCommand>,
    #[command(flatten)]
    list: ListArgs,
}

#[derive(Debug, Subcommand)]
enum SlaCommand {
    /// Print the SLA policy in force as YAML, or set it from a file (`--set FILE`).
    Policy {
        /// A YAML policy file to check and make the policy in force (see docs/sla.md).
        #[arg(long)]
        set: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Only this application.
    #[arg(long)]
    app: Option<String>,
    /// Only applications the catalog gives this owner team.
    #[arg(long)]
    team: Option<String>,
    /// Only issues past their due date.
    #[arg(long)]
    breached: bool,
    /// Judge at this time instead of now: a date (2027-01-31, midnight UTC) or an RFC 3339 time.
    #[arg(long, value_parser = parse_as_of)]
    as_of: Option<OffsetDateTime>,
    /// Use this policy file for this run instead of the stored policy.
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    format: ListFormat,
}

/// A date (midnight UTC) or an RFC 3339 time.
pub fn parse_as_of(s: &str) -> Result<OffsetDateTime, String> {
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s, &fmt)
        .map(|d| d.midnight().assume_utc())
        .map_err(|_| format!("`{s}`: expected a date (2027-01-31) or an RFC 3339 time"))
}

/// Reads a policy file, naming it in errors.
fn read_policy(path: &PathBuf) -> Result<(String, String)> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    Ok((path.display().to_string(), text))
}

pub async fn run(db: &str, args: SlaArgs) -> Result<ExitCode> {
    let store = open_store(db).await?;
    if let Some(SlaCommand::Policy { set }) = args.command {
        let policy = match set {
            Some(path) => {
                let (name, text) = read_policy(&path)?;
                let p = rampart_service::sla::set_policy(store.as_ref(), &name, &text).await?;
                eprintln!("SLA policy set from {name}");
                p
            }
            None => rampart_service::sla::policy(store.as_ref()).await?,
        };
        print!("{}", yaml_serde::to_string(&policy)?);
        return Ok(ExitCode::SUCCESS);
    }
    let a = args.list;
    let policy = match &a.policy {
        Some(path) => {
            let (name, text) = read_policy(path)?;
            let file = SlaPolicy::from_yaml(&name, &text).map_err(|e| anyhow!(e))?;
            rampart_service::sla::with_catalog(store.as_ref(), file, &AppScope::default()).await?
        }
        None => rampart_service::sla::policy(store.as_ref()).await?,
    };
    let now = a.as_of.unwrap_or_else(OffsetDateTime::now_utc);
    let scope = AppScope {
        application: a.app,
        team: a.team,
    };
    let mut rows = rampart_service::sla::compute(store.as_ref(), &policy, &scope, now).await?;
    if a.breached {
        rows.retain(|r| r.sla.breached());
    }
    match a.format {
        ListFormat::Json => print_json(&rows)?,
        ListFormat::Csv => {
            println!("id,application,severity,status,tier,days,due,days_left,state,title");
            for r in &rows {
                let due = r.sla.due.format(&Rfc3339).unwrap_or_default();
                println!(
                    "{}",
                    crate::output::csv_line(&fields(r, due, r.title.clone()))
                );
            }
        }
        ListFormat::Table => {
            let mut t = table(&[
                "id", "app", "severity", "status", "tier", "days", "due", "left", "state", "title",
            ]);
            for r in &rows {
                t.add_row(fields(r, short_time(r.sla.due), ellipsize(&r.title, 50)));
            }
            println!("{t}");
            let breached = rows.iter().filter(|r| r.sla.breached()).count();
            println!(
                "{} issue{} with an SLA, {breached} breached (as of {})",
                rows.len(),
                if rows.len() == 1 { "" } else { "s" },
                short_time(now)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One row's fields, in the column order of the table and the CSV.
fn fields(r: &rampart_service::sla::SlaRow, due: String, title: String) -> Vec<String> {
    vec![
        r.id.to_string(),
        r.application.clone(),
        r.severity.to_string(),
        r.status.to_string(),
        r.sla.tier.to_string(),
        r.sla.days.to_string(),
        due,
        r.sla.days_left.to_string(),
        r.sla.state.as_str().to_string(),
        title,
    ]
}
