//! `GET /issues/{id}`: one issue: what each tool observed, why they are one issue, the risk
//! score with every factor (recomputed now, as `rampart issues show` does), the triage
//! decisions and the history; `POST /issues/{id}/triage` and `/untriage` record decisions
//! (CSRF-checked form posts, triage role on the issue's team).

use super::error::WebError;
use super::issue_table::chrome;
use super::session::{Chrome, PageCaller};
use super::views::{enc, status_label, when};
use crate::AppState;
use crate::auth::{Caller, FormCaller};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use rampart_engine::risk::{FactorKind, RiskAssessment};
use rampart_model::context::VEX_JUSTIFICATIONS;
use rampart_model::{IssueStatus, Role, TriageRequest};
use serde::Deserialize;
use time::OffsetDateTime;

struct ObservationView {
    tool: String,
    rule: String,
    severity: &'static str,
    label: Option<String>,
    location: String,
    stream: String,
    scans: String,
    active: bool,
    why: String,
}

struct FactorView {
    name: String,
    step: String,
    contribution: String,
    sign: &'static str,
    evidence: String,
}

struct RiskView {
    score: u8,
    decision: &'static str,
    exploitation: &'static str,
    automatable: &'static str,
    technical_impact: &'static str,
    mission_impact: &'static str,
    factors: Vec<FactorView>,
}

struct EventView {
    at: String,
    event: String,
    class: String,
    detail: String,
}

struct DecisionView {
    status: &'static str,
    status_label: String,
    actor: String,
    at: String,
    reason: String,
    extra: String,
    state: String,
}

#[derive(Template)]
#[template(path = "issue.html")]
struct IssuePage {
    chrome: Chrome,
    flash: Option<(&'static str, String)>,
    id: i64,
    title: String,
    application: String,
    app_url: String,
    severity: &'static str,
    status: &'static str,
    status_label: String,
    kind: &'static str,
    first_seen: String,
    last_seen: String,
    fixed_at: Option<String>,
    location: String,
    rule_id: String,
    vulns: Vec<String>,
    cwes: Vec<String>,
    tools: Vec<String>,
    key: String,
    message: Option<String>,
    observations: Vec<ObservationView>,
    history: Vec<EventView>,
    formula: &'static str,
    risk: Option<RiskView>,
    decisions: Vec<DecisionView>,
    in_force: bool,
    can_triage: bool,
    triage_statuses: Vec<(&'static str, String)>,
    justifications: Vec<&'static str>,
}

/// `?done=triaged|undone` after a decision (a fixed set: nothing from the URL is shown).
#[derive(Debug, Default, Deserialize)]
pub struct PageParams {
    #[serde(default)]
    done: String,
}

fn risk_view(r: &RiskAssessment) -> RiskView {
    RiskView {
        score: r.score,
        decision: r.decision.as_str(),
        exploitation: r.ssvc.exploitation,
        automatable: if r.ssvc.automatable { "yes" } else { "no" },
        technical_impact: r.ssvc.technical_impact,
        mission_impact: r.ssvc.mission_impact,
        factors: r
            .factors
            .iter()
            .map(|f| FactorView {
                name: f.name.replace('_', " "),
                step: match f.kind {
                    FactorKind::Add => format!("+{:.1}", f.value),
                    FactorKind::Multiply => format!("×{}", f.value),
                },
                contribution: format!("{:+.1}", f.contribution),
                sign: if f.contribution > 0.0 {
                    "pos"
                } else if f.contribution < 0.0 {
                    "neg"
                } else {
                    ""
                },
                evidence: f.evidence.clone(),
            })
            .collect(),
    }
}

/// Renders issue `id` for `caller`, with `flash` above it.
async fn render(
    state: &AppState,
    caller: &Caller,
    id: i64,
    flash: Option<(&'static str, String)>,
) -> Result<Html<String>, WebError> {
    let store = state.store.as_ref();
    // Visibility first, in SQL: another team's issue is not found.
    if store.issue_application(&caller.scope, id).await?.is_none() {
        return Err(WebError::NotFound);
    }
    let Some(detail) = store.issue_detail(id).await? else {
        return Err(WebError::NotFound);
    };
    let now = OffsetDateTime::now_utc();
    let triage_scope = caller.scope_for(Role::Triage);
    let (risk, triage, triage_scope) = tokio::try_join!(
        rampart_service::risk::explain(store, id, now),
        store.triage_history(id),
        store.issue_application(&triage_scope, id),
    )?;
    let i = &detail.issue;
    let message = detail
        .observations
        .iter()
        .find_map(|o| o.observation.get("message").and_then(|m| m.as_str()))
        .map(|m| m.chars().take(2000).collect());
    let observations = detail
        .observations
        .iter()
        .map(|o| ObservationView {
            tool: o.tool.clone(),
            rule: o.rule_id.clone(),
            severity: o.severity.as_str(),
            label: o
                .observation
                .pointer("/severity/tool_label")
                .and_then(|v| v.as_str())
                .filter(|l| !l.eq_ignore_ascii_case(o.severity.as_str()))
                .map(str::to_string),
            location: o.location.clone(),
            stream: format!("{} @ {}", o.target, o.branch),
            scans: match o.last_scan_id {
                Some(l) => format!("#{}..#{l}", o.first_scan_id),
                None => format!("#{}..", o.first_scan_id),
            },
            active: o.active,
            why: rampart_service::explain::why_merged(&o.observation, &i.key),
        })
        .collect();
    // Triage decisions are events of the issue's history already (`triaged`, `untriaged`).
    let mut history: Vec<(OffsetDateTime, EventView)> = detail
        .events
        .iter()
        .map(|e| {
            let scan = e
                .scan_id
                .map(|s| format!(" (scan #{s})"))
                .unwrap_or_default();
            (
                e.at,
                EventView {
                    at: when(e.at),
                    class: e.event.clone(),
                    event: e.event.replace('_', " "),
                    detail: format!("{}{scan}", e.detail),
                },
            )
        })
        .collect();
    history.sort_by_key(|(at, _)| *at);
    let decisions: Vec<DecisionView> = triage
        .iter()
        .rev()
        .map(|d| {
            let mut extra = Vec::new();
            if let Some(a) = &d.approver {
                extra.push(format!("approved by {a}"));
            }
            if let Some(e) = d.expires_at {
                extra.push(format!("expires {}", when(e)));
            }
            if let Some(j) = &d.justification {
                extra.push(j.clone());
            }
            DecisionView {
                status: d.status.as_str(),
                status_label: status_label(d.status),
                actor: d.actor.clone(),
                at: when(d.at),
                reason: d.reason.clone(),
                extra: extra.join(" · "),
                state: match (&d.ended_how, d.ended_at) {
                    (Some(how), Some(at)) => format!("ended {}: {how}", when(at)),
                    _ => "in force".into(),
                },
            }
        })
        .collect();
    let page = IssuePage {
        chrome: chrome(caller, "issues", ""),
        flash,
        id,
        title: i.title.clone(),
        application: i.application.clone(),
        app_url: enc(&i.application),
        severity: i.severity.as_str(),
        status: i.status.as_str(),
        status_label: status_label(i.status),
        kind: i.kind.as_str(),
        first_seen: when(i.first_seen),
        last_seen: when(i.last_seen),
        fixed_at: i.fixed_at.map(when),
        location: i.location.clone(),
        rule_id: i.rule_id.clone(),
        vulns: i.vuln_ids.iter().map(|v| v.0.clone()).collect(),
        cwes: i.cwes.iter().map(|c| format!("CWE-{c}")).collect(),
        tools: i.tools.clone(),
        key: i.key.clone(),
        message,
        observations,
        history: history.into_iter().map(|(_, e)| e).collect(),
        formula: rampart_engine::risk::FORMULA,
        risk: risk.as_ref().map(risk_view),
        in_force: triage.iter().any(|d| d.ended_at.is_none()),
        decisions,
        can_triage: caller.may(Role::Triage) && triage_scope.is_some(),
        triage_statuses: [
            IssueStatus::FalsePositive,
            IssueStatus::RiskAccepted,
            IssueStatus::NotAffected,
            IssueStatus::Mitigated,
        ]
        .iter()
        .map(|s| (s.as_str(), status_label(*s)))
        .collect(),
        justifications: VEX_JUSTIFICATIONS.to_vec(),
    };
    Ok(Html(page.render()?))
}

/// The issue page.
pub async fn page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
    Query(p): Query<PageParams>,
) -> Result<Html<String>, WebError> {
    let flash = match p.done.as_str() {
        "triaged" => Some(("ok", "Decision recorded.".to_string())),
        "undone" => Some((
            "ok",
            "Decision undone; the previous status is restored.".to_string(),
        )),
        _ => None,
    };
    render(&state, &caller, id, flash).await
}

/// The triage form.
#[derive(Debug, Deserialize)]
pub struct TriageForm {
    csrf_token: Option<String>,
    status: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    approver: String,
    /// `YYYY-MM-DD`: the acceptance ends at the end of that day (UTC).
    #[serde(default)]
    expires: String,
    #[serde(default)]
    justification: String,
}

/// The caller of a triage post: CSRF checked, triage role, the issue in a team where the
/// caller triages (else 404).
async fn triager(
    state: &AppState,
    caller: FormCaller,
    token: Option<&str>,
    id: i64,
) -> Result<Caller, WebError> {
    let caller = caller.verify_csrf(token)?;
    caller.require(Role::Triage)?;
    if state
        .store
        .issue_application(&caller.scope_for(Role::Triage), id)
        .await?
        .is_none()
    {
        return Err(WebError::NotFound);
    }
    Ok(caller)
}

fn actor(caller: &Caller) -> String {
    caller.user_name().unwrap_or(&caller.subject).to_string()
}

/// `POST /issues/{id}/triage`.
pub async fn triage(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    caller: FormCaller,
    Form(form): Form<TriageForm>,
) -> Result<Response, WebError> {
    let caller = triager(&state, caller, form.csrf_token.as_deref(), id).await?;
    let now = OffsetDateTime::now_utc();
    let request = match triage_request(&form, &actor(&caller)) {
        Ok(r) => r,
        Err(msg) => return rejected(&state, &caller, id, msg).await,
    };
    match rampart_service::triage::decide(state.store.as_ref(), id, &request, now).await {
        Ok(_) => Ok(Redirect::to(&format!("/issues/{id}?done=triaged#triage")).into_response()),
        Err(rampart_service::IngestError::Invalid(msg)) => rejected(&state, &caller, id, msg).await,
        Err(e) => Err(e.into()),
    }
}

/// The issue page again, with why the decision was refused (422).
async fn rejected(
    state: &AppState,
    caller: &Caller,
    id: i64,
    msg: String,
) -> Result<Response, WebError> {
    let page = render(
        state,
        caller,
        id,
        Some(("err", format!("Not recorded: {msg}"))),
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// The request a triage form makes.
fn triage_request(form: &TriageForm, actor: &str) -> Result<TriageRequest, String> {
    let status: IssueStatus = form.status.parse().map_err(|e: String| e)?;
    let some = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    let expires_at = match some(&form.expires) {
        None => None,
        Some(d) => {
            let date = time::Date::parse(
                &d,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .map_err(|_| format!("expiry `{d}` is not a date (YYYY-MM-DD)"))?;
            Some(
                date.with_hms(23, 59, 59)
                    .map_err(|e| e.to_string())?
                    .assume_utc(),
            )
        }
    };
    Ok(TriageRequest {
        status,
        actor: actor.to_string(),
        reason: form.reason.trim().to_string(),
        approver: some(&form.approver),
        expires_at,
        justification: some(&form.justification),
        vex_status: None,
    })
}

/// The untriage form.
#[derive(Debug, Deserialize)]
pub struct UntriageForm {
    csrf_token: Option<String>,
}

/// `POST /issues/{id}/untriage`.
pub async fn untriage(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    caller: FormCaller,
    Form(form): Form<UntriageForm>,
) -> Result<Response, WebError> {
    let caller = triager(&state, caller, form.csrf_token.as_deref(), id).await?;
    let now = OffsetDateTime::now_utc();
    match rampart_service::triage::undo(state.store.as_ref(), id, &actor(&caller), now).await {
        Ok(_) => Ok(Redirect::to(&format!("/issues/{id}?done=undone#triage")).into_response()),
        Err(rampart_service::IngestError::Invalid(msg)) => rejected(&state, &caller, id, msg).await,
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(status: &str, expires: &str) -> TriageForm {
        TriageForm {
            csrf_token: None,
            status: status.into(),
            reason: " checked ".into(),
            approver: "".into(),
            expires: expires.into(),
            justification: " ".into(),
        }
    }

    #[test]
    fn forms_become_requests() {
        let r = triage_request(&form("risk_accepted", "2027-01-31"), "alice").unwrap();
        assert_eq!(r.status, IssueStatus::RiskAccepted);
        assert_eq!(r.reason, "checked");
        assert_eq!(r.approver, None);
        assert_eq!(r.justification, None);
        assert_eq!(
            r.expires_at,
            Some(time::macros::datetime!(2027-01-31 23:59:59 UTC))
        );
        assert!(triage_request(&form("risk_accepted", "31/01/2027"), "a").is_err());
        assert!(triage_request(&form("bogus", ""), "a").is_err());
    }
}
