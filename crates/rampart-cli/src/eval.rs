//! `rampart eval correlation`: precision and recall of cross-tool correlation on the corpus's
//! labelled real scans.

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use rampart_service::eval::{TargetScore, evaluate_target, labelled_targets};
use std::path::PathBuf;
use std::process::ExitCode;

/// The goal of issue 8, per target.
const PRECISION_GOAL: f64 = 0.98;
const RECALL_GOAL: f64 = 0.95;

#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// Ingest each labelled target's reports into a scratch database and print pairwise
    /// precision and recall of "same issue" against `real-scans/LABELS.json`.
    Correlation(CorrelationArgs),
}

#[derive(Debug, Args)]
pub struct CorrelationArgs {
    /// The corpus folder (holding `real-scans/`); default: `$RAMPART_CORPUS`, else
    /// `../shared/corpus`.
    #[arg(long)]
    corpus: Option<PathBuf>,
    /// Only this target.
    #[arg(long)]
    target: Option<String>,
    /// List every pair Rampart got wrong.
    #[arg(long)]
    verbose: bool,
    /// Print the scores as JSON.
    #[arg(long)]
    json: bool,
}

pub async fn run(cmd: EvalCommand) -> Result<ExitCode> {
    let EvalCommand::Correlation(args) = cmd;
    let corpus = args
        .corpus
        .or_else(|| std::env::var_os("RAMPART_CORPUS").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("../shared/corpus"));
    let real_scans = corpus.join("real-scans");
    let mut targets = labelled_targets(&real_scans)?;
    if let Some(t) = &args.target {
        if !targets.contains(t) {
            bail!(
                "LABELS.json labels no target {t:?} (it labels {})",
                targets.join(", ")
            );
        }
        targets = vec![t.clone()];
    }
    let scratch = std::env::temp_dir().join(format!("rampart-eval-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)
        .with_context(|| format!("cannot create {}", scratch.display()))?;
    let mut scores: Vec<TargetScore> = Vec::new();
    for t in &targets {
        let db = scratch.join(format!("{t}.db"));
        let _ = std::fs::remove_file(&db);
        let store = rampart_store::open(&db.display().to_string()).await?;
        scores.push(evaluate_target(store.as_ref(), &real_scans, t).await?);
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let met = scores.iter().all(|s| {
        s.precision() >= PRECISION_GOAL && s.recall() >= RECALL_GOAL && s.unlocated.is_empty()
    });
    if args.json {
        crate::output::print_json(&scores)?;
    } else {
        let mut t = crate::output::table(&[
            "target",
            "reports",
            "issues",
            "labelled",
            "same-issue pairs",
            "merged right",
            "merged wrong",
            "missed",
            "precision",
            "recall",
        ]);
        for s in &scores {
            t.add_row(vec![
                s.target.clone(),
                s.reports.len().to_string(),
                s.issues.to_string(),
                s.members.to_string(),
                s.positives.to_string(),
                s.true_positives.to_string(),
                s.false_positives.to_string(),
                s.false_negatives.to_string(),
                format!("{:.3}", s.precision()),
                format!("{:.3}", s.recall()),
            ]);
        }
        println!("{t}");
        for s in &scores {
            for u in &s.unlocated {
                println!("{}: labelled finding not found: {u}", s.target);
            }
            for k in &s.skipped {
                println!("{}: skipped {k}", s.target);
            }
            if args.verbose {
                for e in &s.errors {
                    println!("{}: {e}", s.target);
                }
            }
        }
        println!(
            "goal: precision >= {PRECISION_GOAL} and recall >= {RECALL_GOAL} on every target: {}",
            if met { "met" } else { "NOT met" }
        );
    }
    Ok(if met {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
