//! `rampart issues triage|untriage|expire`: triage decisions with who and when.

use crate::open_store;
use crate::output::print_json;
use anyhow::{Result, anyhow};
use clap::Args;
use rampart_model::{IssueStatus, TriageRequest};
use std::process::ExitCode;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, Time};

#[derive(Debug, Args)]
pub struct TriageArgs {
    /// Issue id.
    id: i64,
    /// false_positive, risk_accepted, mitigated or not_affected (open: reopen by hand).
    #[arg(long)]
    status: String,
    /// Why (required).
    #[arg(long)]
    reason: String,
    /// Who approved (required for risk_accepted).
    #[arg(long)]
    approver: Option<String>,
    /// When a risk acceptance ends: a date (2027-01-31, end of that day UTC) or RFC 3339 time.
    #[arg(long, value_parser = parse_expiry)]
    expires: Option<OffsetDateTime>,
    /// VEX justification (required for not_affected): component_not_present,
    /// vulnerable_code_not_present, vulnerable_code_not_in_execute_path,
    /// vulnerable_code_cannot_be_controlled_by_adversary, inline_mitigations_already_exist.
    #[arg(long)]
    justification: Option<String>,
    /// Who decides (default: $USER).
    #[arg(long, env = "RAMPART_USER")]
    by: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct UntriageArgs {
    /// Issue id.
    id: i64,
    /// Who undoes it (default: $USER).
    #[arg(long, env = "RAMPART_USER")]
    by: Option<String>,
}

fn parse_expiry(s: &str) -> Result<OffsetDateTime, String> {
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s, &fmt)
        .map(|d| {
            d.with_time(Time::from_hms(23, 59, 59).unwrap_or(Time::MIDNIGHT))
                .assume_utc()
        })
        .map_err(|_| format!("`{s}`: expected a date (2027-01-31) or an RFC 3339 time"))
}

fn actor(by: Option<String>) -> String {
    by.or_else(|| std::env::var("USER").ok())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "cli".into())
}

pub async fn triage(db: &str, args: TriageArgs) -> Result<ExitCode> {
    let status: IssueStatus = args.status.parse().map_err(|e: String| anyhow!(e))?;
    let request = TriageRequest {
        status,
        actor: actor(args.by),
        reason: args.reason,
        approver: args.approver,
        expires_at: args.expires,
        justification: args.justification,
        vex_status: None,
    };
    let store = open_store(db).await?;
    let d = rampart_service::triage::decide(
        store.as_ref(),
        args.id,
        &request,
        OffsetDateTime::now_utc(),
    )
    .await?;
    if args.json {
        print_json(&d)?;
    } else {
        println!(
            "issue #{}: {} -> {} by {} ({})",
            d.issue_id, d.prior_status, d.status, d.actor, d.reason
        );
        if let Some(e) = d.expires_at {
            println!(
                "  expires {e}; approved by {}",
                d.approver.as_deref().unwrap_or("-")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn untriage(db: &str, args: UntriageArgs) -> Result<ExitCode> {
    let store = open_store(db).await?;
    let who = actor(args.by);
    let d = rampart_service::triage::undo(store.as_ref(), args.id, &who, OffsetDateTime::now_utc())
        .await?;
    println!(
        "issue #{}: {} by {} undone by {who}",
        d.issue_id, d.status, d.actor
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn expire(db: &str) -> Result<ExitCode> {
    let store = open_store(db).await?;
    let ids = rampart_service::triage::expire(store.as_ref(), OffsetDateTime::now_utc()).await?;
    println!(
        "{} expired risk acceptance(s) reopened{}",
        ids.len(),
        if ids.is_empty() {
            String::new()
        } else {
            format!(
                ": {}",
                ids.iter()
                    .map(|i| format!("#{i}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    Ok(ExitCode::SUCCESS)
}
