//! The risk part of `rampart issues show`: the score, the SSVC decision, every factor, and the
//! triage history.

use rampart_engine::risk::{FactorKind, RiskAssessment};
use rampart_model::TriageDecision;

/// Prints the score and its factors.
pub fn print_risk(a: &RiskAssessment) {
    println!();
    println!(
        "Risk {}/100, decision {} (exploitation {}, automatable {}, technical impact {}, mission impact {})",
        a.score,
        a.decision,
        a.ssvc.exploitation,
        if a.ssvc.automatable { "yes" } else { "no" },
        a.ssvc.technical_impact,
        a.ssvc.mission_impact
    );
    for f in &a.factors {
        let how = match f.kind {
            FactorKind::Add => format!("+{:.1}", f.value),
            FactorKind::Multiply => format!("×{}", f.value),
        };
        println!(
            "  {:<14} {:>6}  {:>+7.1}  {}",
            f.name, how, f.contribution, f.evidence
        );
    }
}

/// Prints the triage decisions, oldest first.
pub fn print_triage(history: &[TriageDecision]) {
    if history.is_empty() {
        return;
    }
    println!();
    println!("Triage:");
    for d in history {
        let mut line = format!(
            "  {}  {} by {}: {}",
            crate::output::short_time(d.at),
            d.status,
            d.actor,
            d.reason
        );
        if let Some(a) = &d.approver {
            line.push_str(&format!(" (approved by {a})"));
        }
        if let Some(e) = d.expires_at {
            line.push_str(&format!(", expires {}", crate::output::short_time(e)));
        }
        if let Some(j) = &d.justification {
            line.push_str(&format!(" [{j}]"));
        }
        match (&d.ended_how, d.ended_at) {
            (Some(how), Some(at)) => line.push_str(&format!(
                " — ended {}: {how}",
                crate::output::short_time(at)
            )),
            _ => line.push_str(" — in force"),
        }
        println!("{line}");
    }
}
