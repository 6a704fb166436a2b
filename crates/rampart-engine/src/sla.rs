//! Remediation SLAs: how many days an issue may stay open, by severity and by the criticality
//! tier of its application (catalog `tier`, 1 = most critical), when it is due, and whether it
//! is past due. `docs/sla.md` states the rules; the tests below assert them.
//!
//! - The clock starts when the issue was first seen, or, when [`SlaPolicy::restart_on_reopen`]
//!   holds, when it was last reopened by a scan.
//! - The clock is paused while a risk acceptance is in force: the due date moves by the time
//!   accepted. While an acceptance is in force now, the issue is `paused`, never breached.
//! - The clock ends at `now` for an active issue, and at the fix for a fixed one (met / missed).
//!
//! Pure: the caller passes the facts ([`SlaFacts`]) and `now`.

use rampart_model::{IssueStatus, Severity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::{Duration, OffsetDateTime};

/// The default days to fix, by severity, for tiers 1..4 (`docs/sla.md`).
pub const DEFAULT_DAYS: [(Severity, [u32; 4]); 4] = [
    (Severity::Critical, [7, 15, 30, 30]),
    (Severity::High, [30, 45, 60, 90]),
    (Severity::Medium, [60, 90, 120, 180]),
    (Severity::Low, [90, 180, 365, 365]),
];

/// The tier assumed for an application the catalog gives none.
pub const DEFAULT_UNTIERED: u8 = 3;

/// A bad SLA policy file: the file, the place and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {place}: {message}")]
pub struct SlaConfigError {
    /// The file.
    pub file: String,
    /// Line and column, or the key.
    pub place: String,
    /// What was wrong, and what was expected.
    pub message: String,
}

/// Days to fix for one severity: one number for every tier, or one per tier 1..4.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TierDays {
    /// The same for every tier.
    All(u32),
    /// Tier 1, 2, 3, 4.
    PerTier(Vec<u32>),
}

/// Days to fix per severity; an absent severity has no SLA.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityDays {
    /// Critical.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical: Option<TierDays>,
    /// High.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<TierDays>,
    /// Medium.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medium: Option<TierDays>,
    /// Low.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<TierDays>,
    /// Info.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<TierDays>,
}

impl SeverityDays {
    fn get(&self, s: Severity) -> Option<&TierDays> {
        match s {
            Severity::Critical => self.critical.as_ref(),
            Severity::High => self.high.as_ref(),
            Severity::Medium => self.medium.as_ref(),
            Severity::Low => self.low.as_ref(),
            Severity::Info => self.info.as_ref(),
        }
    }

    fn entries(&self) -> impl Iterator<Item = (Severity, &TierDays)> {
        Severity::ALL
            .into_iter()
            .filter_map(|s| self.get(s).map(|d| (s, d)))
    }
}

/// An SLA policy: days to fix by severity × tier, per-application overrides, and whether a
/// reopen restarts the clock. Read from YAML with [`SlaPolicy::from_yaml`]; see `docs/sla.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaPolicy {
    /// Whether a reopened issue's clock starts again at the reopen (else it runs from the
    /// first sighting: a regression is due when the original was).
    #[serde(default = "yes")]
    pub restart_on_reopen: bool,
    /// The tier of an application the catalog gives none.
    #[serde(default = "untiered")]
    pub untiered: u8,
    /// Days to fix by severity (replaces the defaults as a whole when given).
    #[serde(default = "default_days")]
    pub days: SeverityDays,
    /// Per-application overrides, by application name: the severities given replace the
    /// policy's days for that application.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub applications: BTreeMap<String, SeverityDays>,
}

fn yes() -> bool {
    true
}

fn untiered() -> u8 {
    DEFAULT_UNTIERED
}

fn default_days() -> SeverityDays {
    let mut d = SeverityDays::default();
    for (s, days) in DEFAULT_DAYS {
        let v = Some(TierDays::PerTier(days.to_vec()));
        match s {
            Severity::Critical => d.critical = v,
            Severity::High => d.high = v,
            Severity::Medium => d.medium = v,
            Severity::Low => d.low = v,
            Severity::Info => d.info = v,
        }
    }
    d
}

impl Default for SlaPolicy {
    fn default() -> Self {
        SlaPolicy {
            restart_on_reopen: true,
            untiered: DEFAULT_UNTIERED,
            days: default_days(),
            applications: BTreeMap::new(),
        }
    }
}

impl SlaPolicy {
    /// Reads a policy from YAML text (`file` names it in errors) and checks it.
    pub fn from_yaml(file: &str, text: &str) -> Result<SlaPolicy, SlaConfigError> {
        let policy: SlaPolicy = yaml_serde::from_str(text).map_err(|e| SlaConfigError {
            file: file.to_string(),
            place: e
                .location()
                .map(|l| format!("line {}, column {}", l.line(), l.column()))
                .unwrap_or_else(|| "document".into()),
            message: e.to_string(),
        })?;
        policy.validate(file)?;
        Ok(policy)
    }

    /// Checks tiers and day counts; the error names the key.
    pub fn validate(&self, file: &str) -> Result<(), SlaConfigError> {
        let err = |place: String, message: String| SlaConfigError {
            file: file.to_string(),
            place,
            message,
        };
        if !(1..=4).contains(&self.untiered) {
            return Err(err(
                "untiered".into(),
                format!("tier {}: expected 1 (most critical) to 4", self.untiered),
            ));
        }
        let sets = std::iter::once(("days".to_string(), &self.days)).chain(
            self.applications
                .iter()
                .map(|(a, d)| (format!("applications.{a}"), d)),
        );
        for (prefix, set) in sets {
            for (s, d) in set.entries() {
                let place = format!("{prefix}.{s}");
                let values: &[u32] = match d {
                    TierDays::All(n) => std::slice::from_ref(n),
                    TierDays::PerTier(v) if v.len() == 4 => v,
                    TierDays::PerTier(v) => {
                        return Err(err(
                            place,
                            format!(
                                "{} values: expected one number of days, or four (tiers 1, 2, 3, 4)",
                                v.len()
                            ),
                        ));
                    }
                };
                if values.contains(&0) {
                    return Err(err(
                        place,
                        "0 days: expected at least 1 (omit the severity for no SLA)".into(),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The policy with the catalog's per-application overrides (`sla:` in an application's
    /// catalog entry) merged in: for each severity an entry names, its days replace what the
    /// policy gives that application (the catalog wins over the policy file's
    /// `applications:` for the severities both name).
    pub fn with_catalog<'a>(
        mut self,
        overrides: impl IntoIterator<Item = (&'a str, &'a rampart_model::SlaDays)>,
    ) -> SlaPolicy {
        for (application, days) in overrides {
            if days.is_empty() {
                continue;
            }
            let entry = self
                .applications
                .entry(application.to_string())
                .or_default();
            for (severity, n) in days.named() {
                let slot = match severity {
                    Severity::Critical => &mut entry.critical,
                    Severity::High => &mut entry.high,
                    Severity::Medium => &mut entry.medium,
                    Severity::Low => &mut entry.low,
                    Severity::Info => &mut entry.info,
                };
                *slot = Some(TierDays::All(n));
            }
        }
        self
    }

    /// The days to fix an issue of `severity` in `application` of `tier` (the policy's
    /// `untiered` when `None`), or `None` when no SLA applies.
    pub fn days_for(&self, application: &str, tier: Option<u8>, severity: Severity) -> Option<u32> {
        let tier = tier
            .filter(|t| (1..=4).contains(t))
            .unwrap_or(self.untiered);
        let d = self
            .applications
            .get(application)
            .and_then(|o| o.get(severity))
            .or_else(|| self.days.get(severity))?;
        Some(match d {
            TierDays::All(n) => *n,
            TierDays::PerTier(v) => *v.get(usize::from(tier - 1)).or(v.last())?,
        })
    }
}

/// A period during which a risk acceptance was in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedPeriod {
    /// When the acceptance was decided.
    #[serde(with = "time::serde::rfc3339")]
    pub from: OffsetDateTime,
    /// When it ended (undone, superseded, expired; or its expiry date): `None` while in force.
    #[serde(with = "time::serde::rfc3339::option")]
    pub until: Option<OffsetDateTime>,
}

/// What an issue's SLA is computed from (gathered in bulk by the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaFacts {
    /// Worst severity.
    pub severity: Severity,
    /// Current status.
    pub status: IssueStatus,
    /// When first seen.
    pub first_seen: OffsetDateTime,
    /// When scans reopened it (any order).
    pub reopened: Vec<OffsetDateTime>,
    /// Risk acceptance periods (any order; overlaps count once).
    pub accepted: Vec<AcceptedPeriod>,
    /// When it was fixed, for a fixed issue.
    pub fixed_at: Option<OffsetDateTime>,
}

/// Where an issue stands against its SLA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    /// Active, not yet due.
    OnTrack,
    /// Active and past due.
    Breached,
    /// A risk acceptance is in force: the clock is stopped.
    Paused,
    /// Fixed by the due date.
    Met,
    /// Fixed after the due date.
    Missed,
}

impl SlaState {
    /// snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            SlaState::OnTrack => "on_track",
            SlaState::Breached => "breached",
            SlaState::Paused => "paused",
            SlaState::Met => "met",
            SlaState::Missed => "missed",
        }
    }
}

/// One issue's SLA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaStatus {
    /// Days to fix.
    pub days: u32,
    /// The tier used.
    pub tier: u8,
    /// When the clock started (first seen, or the last reopen).
    #[serde(with = "time::serde::rfc3339")]
    pub clock_start: OffsetDateTime,
    /// Seconds the clock was paused by risk acceptances (up to now or the fix).
    pub paused_seconds: i64,
    /// The due date: clock start + days + paused time.
    #[serde(with = "time::serde::rfc3339")]
    pub due: OffsetDateTime,
    /// Whole days left until due (negative once past due), at `now` (or at the fix).
    pub days_left: i64,
    /// Where it stands.
    pub state: SlaState,
}

impl SlaStatus {
    /// Whether the issue is active and past due.
    pub fn breached(&self) -> bool {
        self.state == SlaState::Breached
    }

    /// The `issue.sla` object of the policy (Rego) input: `{due, breached, days_left}`.
    pub fn policy_input(&self) -> serde_json::Value {
        serde_json::json!({
            "due": self
                .due
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            "breached": self.breached(),
            "days_left": self.days_left,
        })
    }
}

/// The SLA of one issue of `application` (catalog `tier`) at `now`; `None` when the policy
/// sets none for its severity, or when the issue is closed other than by a fix (false
/// positive, not affected, mitigated: the SLA no longer applies).
pub fn evaluate(
    policy: &SlaPolicy,
    application: &str,
    tier: Option<u8>,
    facts: &SlaFacts,
    now: OffsetDateTime,
) -> Option<SlaStatus> {
    let days = policy.days_for(application, tier, facts.severity)?;
    let tier = tier
        .filter(|t| (1..=4).contains(t))
        .unwrap_or(policy.untiered);
    let end = match facts.status {
        IssueStatus::Open | IssueStatus::Reopened | IssueStatus::RiskAccepted => now,
        IssueStatus::Fixed => facts.fixed_at.unwrap_or(now).min(now),
        IssueStatus::FalsePositive | IssueStatus::NotAffected | IssueStatus::Mitigated => {
            return None;
        }
    };
    let clock_start = if policy.restart_on_reopen {
        facts
            .reopened
            .iter()
            .copied()
            .filter(|r| *r <= end)
            .max()
            .map_or(facts.first_seen, |r| r.max(facts.first_seen))
    } else {
        facts.first_seen
    };
    let paused = paused_between(&facts.accepted, clock_start, end);
    let due = clock_start + Duration::days(i64::from(days)) + paused;
    let in_force = facts.status == IssueStatus::RiskAccepted
        || facts
            .accepted
            .iter()
            .any(|p| p.from <= now && p.until.is_none_or(|u| u > now));
    let state = match facts.status {
        IssueStatus::Fixed if end <= due => SlaState::Met,
        IssueStatus::Fixed => SlaState::Missed,
        _ if in_force => SlaState::Paused,
        _ if end > due => SlaState::Breached,
        _ => SlaState::OnTrack,
    };
    Some(SlaStatus {
        days,
        tier,
        clock_start,
        paused_seconds: paused.whole_seconds(),
        due,
        days_left: (due - end).whole_seconds().div_euclid(86_400),
        state,
    })
}

/// The time within `[start, end]` covered by `periods` (overlaps count once).
fn paused_between(
    periods: &[AcceptedPeriod],
    start: OffsetDateTime,
    end: OffsetDateTime,
) -> Duration {
    let mut spans: Vec<(OffsetDateTime, OffsetDateTime)> = periods
        .iter()
        .map(|p| (p.from.max(start), p.until.unwrap_or(end).min(end)))
        .filter(|(a, b)| a < b)
        .collect();
    spans.sort();
    let mut total = Duration::ZERO;
    let mut current: Option<(OffsetDateTime, OffsetDateTime)> = None;
    for (a, b) in spans {
        current = match current {
            Some((ca, cb)) if a <= cb => Some((ca, cb.max(b))),
            Some((ca, cb)) => {
                total += cb - ca;
                Some((a, b))
            }
            None => Some((a, b)),
        };
    }
    if let Some((ca, cb)) = current {
        total += cb - ca;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn open(severity: Severity, first_seen: OffsetDateTime) -> SlaFacts {
        SlaFacts {
            severity,
            status: IssueStatus::Open,
            first_seen,
            reopened: vec![],
            accepted: vec![],
            fixed_at: None,
        }
    }

    const T0: OffsetDateTime = datetime!(2026-01-01 0:00 UTC);

    #[test]
    fn days_follow_severity_and_tier() {
        let p = SlaPolicy::default();
        let f = open(Severity::Critical, T0);
        let now = datetime!(2026-01-10 0:00 UTC);
        let t1 = evaluate(&p, "a", Some(1), &f, now).unwrap();
        assert_eq!((t1.days, t1.tier), (7, 1));
        assert_eq!(t1.due, datetime!(2026-01-08 0:00 UTC));
        assert_eq!(t1.state, SlaState::Breached);
        assert_eq!(t1.days_left, -2);
        let t2 = evaluate(&p, "a", Some(2), &f, now).unwrap();
        assert_eq!(
            (t2.days, t2.state, t2.days_left),
            (15, SlaState::OnTrack, 6)
        );
        // No tier: the policy's untiered tier (3).
        let t = evaluate(&p, "a", None, &f, now).unwrap();
        assert_eq!((t.days, t.tier), (30, 3));
        let high = evaluate(&p, "a", Some(4), &open(Severity::High, T0), now).unwrap();
        assert_eq!(high.days, 90);
        // Info has no SLA by default.
        assert!(evaluate(&p, "a", Some(1), &open(Severity::Info, T0), now).is_none());
    }

    #[test]
    fn days_left_counts_whole_days_down() {
        let p = SlaPolicy::default();
        let f = open(Severity::Critical, T0);
        // Due 2026-01-08 00:00: 12 hours before, 0 whole days left; 12 hours after, -1.
        let s = evaluate(&p, "a", Some(1), &f, datetime!(2026-01-07 12:00 UTC)).unwrap();
        assert_eq!((s.days_left, s.state), (0, SlaState::OnTrack));
        let s = evaluate(&p, "a", Some(1), &f, datetime!(2026-01-08 0:00 UTC)).unwrap();
        assert_eq!(
            s.state,
            SlaState::OnTrack,
            "due at the due instant, not past it"
        );
        let s = evaluate(&p, "a", Some(1), &f, datetime!(2026-01-08 12:00 UTC)).unwrap();
        assert_eq!((s.days_left, s.state), (-1, SlaState::Breached));
        assert_eq!(
            s.policy_input(),
            serde_json::json!({"due": "2026-01-08T00:00:00Z", "breached": true, "days_left": -1})
        );
    }

    #[test]
    fn risk_acceptance_pauses_the_clock() {
        let p = SlaPolicy::default();
        let mut f = open(Severity::Critical, T0);
        // Accepted for 10 days from day 3, then undone: due moves from Jan 8 to Jan 18.
        f.accepted = vec![AcceptedPeriod {
            from: datetime!(2026-01-04 0:00 UTC),
            until: Some(datetime!(2026-01-14 0:00 UTC)),
        }];
        let s = evaluate(&p, "a", Some(1), &f, datetime!(2026-01-16 0:00 UTC)).unwrap();
        assert_eq!(s.due, datetime!(2026-01-18 0:00 UTC));
        assert_eq!(s.paused_seconds, 10 * 86_400);
        assert_eq!((s.state, s.days_left), (SlaState::OnTrack, 2));

        // In force now: paused, never breached, and the due date moves with now.
        f.status = IssueStatus::RiskAccepted;
        f.accepted = vec![AcceptedPeriod {
            from: datetime!(2026-01-04 0:00 UTC),
            until: None,
        }];
        let s = evaluate(&p, "a", Some(1), &f, datetime!(2026-03-01 0:00 UTC)).unwrap();
        assert_eq!(s.state, SlaState::Paused);
        assert!(!s.breached());
        assert_eq!(
            s.days_left, 4,
            "3 of 7 days were used before the acceptance"
        );

        // Overlapping periods (a superseded chain) count once; periods before the clock
        // started do not count.
        f.status = IssueStatus::Open;
        f.accepted = vec![
            AcceptedPeriod {
                from: datetime!(2025-12-01 0:00 UTC),
                until: Some(datetime!(2026-01-02 0:00 UTC)),
            },
            AcceptedPeriod {
                from: datetime!(2026-01-04 0:00 UTC),
                until: Some(datetime!(2026-01-10 0:00 UTC)),
            },
            AcceptedPeriod {
                from: datetime!(2026-01-08 0:00 UTC),
                until: Some(datetime!(2026-01-12 0:00 UTC)),
            },
        ];
        let s = evaluate(&p, "a", Some(1), &f, datetime!(2026-02-01 0:00 UTC)).unwrap();
        assert_eq!(s.paused_seconds, (1 + 8) * 86_400);
        assert_eq!(s.due, datetime!(2026-01-17 0:00 UTC));
        assert_eq!(s.state, SlaState::Breached);
    }

    #[test]
    fn reopen_restarts_the_clock_when_configured() {
        let mut p = SlaPolicy::default();
        let mut f = open(Severity::High, T0);
        f.status = IssueStatus::Reopened;
        f.reopened = vec![
            datetime!(2026-03-01 0:00 UTC),
            datetime!(2026-02-01 0:00 UTC),
        ];
        let now = datetime!(2026-03-10 0:00 UTC);
        let s = evaluate(&p, "a", Some(1), &f, now).unwrap();
        assert_eq!(
            s.clock_start,
            datetime!(2026-03-01 0:00 UTC),
            "the last reopen"
        );
        assert_eq!(s.due, datetime!(2026-03-31 0:00 UTC));
        assert_eq!(s.state, SlaState::OnTrack);
        p.restart_on_reopen = false;
        let s = evaluate(&p, "a", Some(1), &f, now).unwrap();
        assert_eq!(s.clock_start, T0);
        assert_eq!(s.due, datetime!(2026-01-31 0:00 UTC));
        assert_eq!(s.state, SlaState::Breached);
    }

    #[test]
    fn fixed_issues_met_or_missed_and_closed_ones_have_none() {
        let p = SlaPolicy::default();
        let mut f = open(Severity::Critical, T0);
        f.status = IssueStatus::Fixed;
        f.fixed_at = Some(datetime!(2026-01-05 0:00 UTC));
        let now = datetime!(2026-06-01 0:00 UTC);
        assert_eq!(
            evaluate(&p, "a", Some(1), &f, now).unwrap().state,
            SlaState::Met
        );
        f.fixed_at = Some(datetime!(2026-01-20 0:00 UTC));
        let s = evaluate(&p, "a", Some(1), &f, now).unwrap();
        assert_eq!((s.state, s.days_left), (SlaState::Missed, -12));
        f.status = IssueStatus::FalsePositive;
        assert!(evaluate(&p, "a", Some(1), &f, now).is_none());
    }

    #[test]
    fn catalog_overrides_replace_the_severities_they_name() {
        let p = SlaPolicy::from_yaml(
            "sla.yaml",
            "applications:\n  legacy:\n    critical: 60\n    high: 90\n",
        )
        .unwrap();
        let legacy = rampart_model::SlaDays {
            critical: Some(2),
            ..Default::default()
        };
        let shop = rampart_model::SlaDays {
            high: Some(5),
            ..Default::default()
        };
        let p = p.with_catalog([("legacy", &legacy), ("shop", &shop)]);
        // The catalog wins for the severity it names; the file's other overrides stay.
        assert_eq!(p.days_for("legacy", Some(1), Severity::Critical), Some(2));
        assert_eq!(p.days_for("legacy", Some(1), Severity::High), Some(90));
        assert_eq!(p.days_for("shop", Some(1), Severity::High), Some(5));
        // Severities the catalog leaves out keep the policy's days by tier.
        assert_eq!(p.days_for("shop", Some(1), Severity::Critical), Some(7));
        assert_eq!(p.days_for("other", Some(1), Severity::High), Some(30));
    }

    #[test]
    fn policy_files_override_and_are_checked() {
        let p = SlaPolicy::from_yaml(
            "sla.yaml",
            "restart_on_reopen: false\nuntiered: 2\ndays:\n  critical: [3, 7, 14, 30]\n  high: 20\napplications:\n  legacy:\n    critical: 60\n",
        )
        .unwrap();
        assert!(!p.restart_on_reopen);
        assert_eq!(p.days_for("x", None, Severity::Critical), Some(7));
        assert_eq!(p.days_for("x", Some(4), Severity::High), Some(20));
        assert_eq!(
            p.days_for("x", Some(1), Severity::Medium),
            None,
            "days replace the defaults"
        );
        assert_eq!(p.days_for("legacy", Some(1), Severity::Critical), Some(60));
        assert_eq!(p.days_for("legacy", Some(1), Severity::High), Some(20));

        let e = SlaPolicy::from_yaml("sla.yaml", "days:\n  critical: [1, 2]\n").unwrap_err();
        assert_eq!(e.place, "days.critical");
        assert!(
            e.to_string()
                .starts_with("sla.yaml: days.critical: 2 values"),
            "{e}"
        );
        let e = SlaPolicy::from_yaml("sla.yaml", "applications:\n  a:\n    high: 0\n").unwrap_err();
        assert_eq!(e.place, "applications.a.high");
        let e = SlaPolicy::from_yaml("sla.yaml", "days:\n  urgent: 3\n").unwrap_err();
        assert!(e.place.starts_with("line 2"), "{e}");
        assert!(e.message.contains("urgent"), "{e}");
        let e = SlaPolicy::from_yaml("sla.yaml", "untiered: 7\n").unwrap_err();
        assert!(e.message.contains("expected 1 (most critical) to 4"), "{e}");
        // The default policy round-trips through its own YAML.
        let d = SlaPolicy::default();
        let text = yaml_serde::to_string(&d).unwrap();
        assert_eq!(SlaPolicy::from_yaml("d", &text).unwrap(), d);
    }
}
