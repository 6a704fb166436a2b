//! One SARIF result → one [`Observation`].

use super::context::{
    CWE_KEYS, RuleInfo, RunCtx, VULN_ID_KEYS, cvss_in, cwe_of_reference, prop_str, prop_strs,
    push_cwe, security_severity, split_tags,
};
use super::locate::{self, Place};
use super::producers::{self, Producer};
use super::raw::RawResult;
use super::text;
use crate::secret;
use rampart_model::{
    CodeLocation, FindingKind, Location, Observation, SecretEvidence, Severity, SeverityInfo,
    Suppression, VulnId, normalize_cwe, normalize_vuln_id,
};
use std::collections::BTreeMap;

/// What became of one result.
pub(crate) enum Converted {
    /// An observation.
    Obs(Box<Observation>),
    /// Not a finding: its `kind` (or SARIF 2.0 `level`) says it passed or did not apply.
    NotAFinding(String),
}

/// Converts result `index` of the run.
pub(crate) fn convert(
    ctx: &RunCtx,
    index: usize,
    mut r: RawResult,
    secret_key: &[u8],
) -> Converted {
    if let Some(word) = not_a_finding(&r) {
        return Converted::NotAFinding(word);
    }
    let rule = ctx.rule_for(&r);
    let mut place = Place::of(&mut r, ctx);
    let tool_rule_id = [
        r.rule_id.as_deref(),
        r.rule.id.as_deref(),
        rule.map(|x| x.id.as_str()),
    ]
    .into_iter()
    .flatten()
    .map(str::trim)
    .find(|s| !s.is_empty())
    .unwrap_or("unknown")
    .to_string();
    let message = resolve_message(&r, rule, ctx);
    let purl = locate::purl_of(&r, rule, &place);
    let kind = producers::finding_kind(
        ctx.producer,
        &tool_rule_id,
        rule.and_then(|x| x.name.as_deref()),
        rule.and_then(|x| x.class),
        purl.is_some(),
    );
    let vuln_ids = vuln_ids(kind, rule, &r, message.as_deref());
    let (secret, secret_value) = match kind {
        FindingKind::Secret => secret_evidence(ctx, &place, secret_key),
        _ => (None, None),
    };
    // Texts of secret findings lose Trivy's `Match:` lines and any copy of the value.
    let clean = |s: String| -> String {
        if kind != FindingKind::Secret {
            return s;
        }
        let s = text::without_fields(&s, &["Match"]);
        match &secret_value {
            Some(v) => secret::scrub(&s, v),
            None => s,
        }
    };
    let message_text = message.map(&clean).unwrap_or_default();
    let location = location(
        ctx,
        kind,
        rule,
        &r,
        &place,
        &message_text,
        &tool_rule_id,
        purl,
    );
    let rule_id = match kind {
        FindingKind::Dependency => vuln_ids
            .first()
            .map(|v| v.0.clone())
            .unwrap_or(tool_rule_id),
        _ => tool_rule_id,
    };
    let title = clean(title(rule, &message_text, &rule_id));
    let remediation = remediation(ctx, kind, rule, &r, &message_text).map(&clean);
    let (cwes, tags) = cwes_and_tags(ctx, rule, &r);
    let obs = Observation {
        tool: ctx.tool.clone(),
        kind,
        rule_id,
        rule_name: rule.and_then(|x| x.name.clone()).map(&clean),
        title,
        message: full_message(message_text, &place),
        severity: severity(rule, &r),
        cwes,
        vuln_ids,
        location,
        fingerprints: fingerprints(&mut r, secret_value.as_deref()),
        snippet: match kind {
            FindingKind::Code => place.snippet.take(),
            _ => None,
        },
        secret,
        suppression: suppression(&r),
        remediation,
        references: references(rule, &r),
        tags,
        exploit: None,
        source_ref: format!("/runs/{}/results/{index}", ctx.run),
        intel: None,
    };
    Converted::Obs(Box::new(obs))
}

/// `kind: pass | notApplicable` (and SARIF 2.0's `level: pass | notApplicable`): the result
/// records a check that passed or did not apply, not a problem.
fn not_a_finding(r: &RawResult) -> Option<String> {
    [r.kind.as_deref(), r.level.as_deref()]
        .into_iter()
        .flatten()
        .find(|w| w.eq_ignore_ascii_case("pass") || w.eq_ignore_ascii_case("notApplicable"))
        .map(str::to_string)
}

/// The result's message: its text (with `{n}` placeholders filled), else the rule's or the
/// driver's message string named by `message.id`, else the rule's descriptions.
fn resolve_message(r: &RawResult, rule: Option<&RuleInfo>, ctx: &RunCtx) -> Option<String> {
    let m = &r.message;
    let template = m.plain().or_else(|| {
        let id = m.id.as_deref()?;
        rule.and_then(|x| x.message_string(id))
            .or_else(|| ctx.global_string(id))
    });
    let text = template.map(|t| match m.arguments.is_empty() {
        true => t.to_string(),
        false => text::format_message(t, &m.arguments),
    });
    text.or_else(|| rule.and_then(|x| x.full.clone().or_else(|| x.short.clone())))
}

/// The message plus the further places the result lists.
fn full_message(message: String, place: &Place) -> Option<String> {
    let mut parts = Vec::new();
    if !message.trim().is_empty() {
        parts.push(message);
    }
    if place.path.is_none()
        && let Some(l) = &place.logical
    {
        parts.push(format!("Logical location: {l}"));
    }
    parts.extend(place.others_line());
    (!parts.is_empty()).then(|| parts.join("\n"))
}

/// A one-line title: the rule's short description (unless it is a placeholder such as
/// Semgrep's `Semgrep Finding: <id>`), else the message's first line, else the rule's name,
/// else the rule id.
fn title(rule: Option<&RuleInfo>, message: &str, rule_id: &str) -> String {
    let placeholder = |s: &str| {
        let s = s.trim();
        s.starts_with("Semgrep Finding:") || s == rule_id || rule.is_some_and(|r| s == r.id)
    };
    let short = rule
        .and_then(|x| x.short.as_deref())
        .filter(|s| !placeholder(s));
    short
        .and_then(text::title_from)
        .or_else(|| text::title_from(message))
        .or_else(|| {
            rule.and_then(|x| x.name.as_deref())
                .and_then(text::title_from)
        })
        .unwrap_or_else(|| rule_id.to_string())
}

/// Severity, strongest evidence first: `security-severity` (result, then rule); a CVSS
/// score; the tool's own severity word in the result's properties (`issue_severity`,
/// `severity`, `priority`); the result's `level`; the rule's default level; CodeQL's
/// `problem.severity`; else SARIF's default level, `warning`.
fn severity(rule: Option<&RuleInfo>, r: &RawResult) -> SeverityInfo {
    let mut cvss = cvss_in(&r.properties);
    for c in rule.map(|x| x.cvss.as_slice()).unwrap_or_default() {
        if !cvss.iter().any(|x| x.version == c.version) {
            cvss.push(c.clone());
        }
    }
    let sec =
        security_severity(&r.properties).or_else(|| rule.and_then(|x| x.security_severity.clone()));
    if let Some((score, label)) = sec {
        return SeverityInfo {
            level: Severity::from_cvss_score(score),
            tool_label: Some(label),
            cvss,
        };
    }
    let words = [
        prop_str(&r.properties, &["issue_severity", "severity", "priority"]),
        r.level.clone(),
        rule.and_then(|x| x.default_level.clone()),
        rule.and_then(|x| x.problem_severity.clone()),
    ];
    let word = words
        .into_iter()
        .flatten()
        .find_map(|w| level_of(&w).map(|level| (level, w)));
    if let Some(score) = cvss.iter().find_map(|c| c.score) {
        let label = word.map(|(_, w)| w).unwrap_or_else(|| score.to_string());
        return SeverityInfo {
            level: Severity::from_cvss_score(score),
            tool_label: Some(label),
            cvss,
        };
    }
    match word {
        Some((level, w)) => SeverityInfo {
            level,
            tool_label: Some(w),
            cvss,
        },
        None => SeverityInfo {
            level: Severity::Medium,
            tool_label: None,
            cvss,
        },
    }
}

/// A severity word (any case): SARIF levels, CodeQL's `recommendation`, the common words.
fn level_of(word: &str) -> Option<Severity> {
    Severity::from_label(word).or_else(|| {
        word.trim()
            .eq_ignore_ascii_case("recommendation")
            .then_some(Severity::Low)
    })
}

/// CWEs and tags from the rule, the result's properties and taxa, plus the run's automation
/// id, the result's `rank` and a `kind` other than `fail`.
fn cwes_and_tags(ctx: &RunCtx, rule: Option<&RuleInfo>, r: &RawResult) -> (Vec<u32>, Vec<String>) {
    let mut cwes = rule.map(|x| x.cwes.clone()).unwrap_or_default();
    let mut tags = rule.map(|x| x.tags.clone()).unwrap_or_default();
    split_tags(prop_strs(&r.properties, &["tags"]), &mut cwes, &mut tags);
    for s in prop_strs(&r.properties, CWE_KEYS) {
        push_cwe(&mut cwes, normalize_cwe(&s));
    }
    for t in &r.taxa {
        push_cwe(&mut cwes, cwe_of_reference(t, &[]));
    }
    let mut extra = Vec::new();
    extra.extend(ctx.automation_tag.clone());
    if let Some(rank) = r.rank.filter(|x| *x >= 0.0) {
        let rounded = (rank * 100.0).round() / 100.0;
        extra.push(format!("rank:{rounded}"));
    }
    if let Some(k) = r
        .kind
        .as_deref()
        .filter(|k| !k.eq_ignore_ascii_case("fail") && !k.trim().is_empty())
    {
        extra.push(format!("kind:{k}"));
    }
    for t in extra {
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    (cwes, tags)
}

/// Vulnerability ids, primary first: the rule's (id, `deprecatedIds`, tags), the result's
/// id properties; for dependency findings also ids named in the rule's descriptions and the
/// aliases osv-scanner lists in its message (`also known as ...`).
fn vuln_ids(
    kind: FindingKind,
    rule: Option<&RuleInfo>,
    r: &RawResult,
    message: Option<&str>,
) -> Vec<VulnId> {
    let mut out: Vec<VulnId> = rule.map(|x| x.vuln_ids.clone()).unwrap_or_default();
    let mut push = |raw: &str| {
        if let Some(v) = normalize_vuln_id(raw)
            && !out.contains(&v)
        {
            out.push(v);
        }
    };
    for s in prop_strs(&r.properties, VULN_ID_KEYS) {
        text::vuln_ids_in(&s).for_each(&mut push);
    }
    for t in prop_strs(&r.properties, &["tags"]) {
        if text::vuln_id_prefix(t.trim()).is_some_and(|p| p.len() == t.trim().len()) {
            push(t.trim());
        }
    }
    if kind == FindingKind::Dependency {
        for v in rule.map(|x| x.desc_vuln_ids.as_slice()).unwrap_or_default() {
            push(&v.0);
        }
        if let Some(aka) = message.and_then(|m| m.split_once("also known as")) {
            text::vuln_ids_in(aka.1).for_each(&mut push);
        }
    }
    out
}

/// Where the finding is, in the form its kind needs.
#[allow(clippy::too_many_arguments)]
fn location(
    ctx: &RunCtx,
    kind: FindingKind,
    rule: Option<&RuleInfo>,
    r: &RawResult,
    place: &Place,
    message: &str,
    rule_id: &str,
    purl: Option<String>,
) -> Location {
    match kind {
        FindingKind::Dependency | FindingKind::License => {
            Location::Package(locate::package(ctx, rule, r, place, message, purl))
        }
        FindingKind::Iac => {
            Location::Resource(locate::resource(ctx, rule, r, place, message, rule_id))
        }
        _ => match &place.path {
            Some(path) => Location::Code(CodeLocation {
                path: path.clone(),
                start_line: place.start_line,
                end_line: place.end_line,
                start_column: place.start_column,
                end_column: place.end_column,
            }),
            None => Location::None,
        },
    }
}

/// Secret evidence. Gitleaks writes the secret itself as the region snippet (or `REDACTED`
/// when run with `--redact`), so its value is hashed; other SARIF secret scanners redact or
/// quote whole lines, and the value is unknown (`hmac: None`). Returns the value too, to
/// scrub it from every text kept.
fn secret_evidence(
    ctx: &RunCtx,
    place: &Place,
    key: &[u8],
) -> (Option<SecretEvidence>, Option<String>) {
    if ctx.producer == Producer::Gitleaks
        && let Some(value) = place
            .snippet
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
    {
        let ev = secret::evidence(key, value);
        let keep = ev.hmac.is_some().then(|| value.to_string());
        return (Some(ev), keep);
    }
    (
        Some(SecretEvidence {
            hmac: None,
            preview: None,
        }),
        None,
    )
}

/// `fingerprints` and `partialFingerprints` (the former wins on equal names), without empty
/// values and Semgrep's `requires login` placeholder.
fn fingerprints(r: &mut RawResult, secret: Option<&str>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let all = std::mem::take(&mut r.partial_fingerprints)
        .into_iter()
        .chain(std::mem::take(&mut r.fingerprints));
    for (k, v) in all {
        let trimmed = v.trim();
        if trimmed.is_empty() || trimmed.eq_ignore_ascii_case("requires login") {
            continue;
        }
        let v = match secret {
            Some(s) => secret::scrub(trimmed, s),
            None if trimmed.len() == v.len() => v,
            None => trimmed.to_string(),
        };
        out.insert(k, v);
    }
    out
}

/// The first suppression that is in effect (status not `rejected`).
fn suppression(r: &RawResult) -> Option<Suppression> {
    r.suppressions
        .iter()
        .find(|s| {
            !s.status
                .as_deref()
                .or(s.state.as_deref())
                .is_some_and(|st| st.eq_ignore_ascii_case("rejected"))
        })
        .map(|s| Suppression {
            kind: s.kind.clone().unwrap_or_else(|| "unknown".to_string()),
            status: s.status.clone().or_else(|| s.state.clone()),
            justification: s.justification.clone().filter(|j| !j.trim().is_empty()),
        })
}

/// Remediation: the result's fixes, else the rule's help when it says more than the message
/// and description (Checkov's `Resource:` line, which names another result's resource, is
/// dropped). Secret findings keep only fixes: rule texts of secret scanners quote matches.
fn remediation(
    ctx: &RunCtx,
    kind: FindingKind,
    rule: Option<&RuleInfo>,
    r: &RawResult,
    message: &str,
) -> Option<String> {
    let fixes: Vec<&str> = r
        .fixes
        .iter()
        .filter_map(|f| f.description.plain())
        .collect();
    if !fixes.is_empty() {
        return Some(fixes.join("\n"));
    }
    if kind == FindingKind::Secret {
        return None;
    }
    let rule = rule?;
    let help = rule.help.as_deref()?;
    let help = match ctx.producer {
        Producer::Checkov => text::without_fields(help, &["Resource"]),
        _ => help.trim().to_string(),
    };
    let same = |other: Option<&str>| other.is_some_and(|o| o.trim() == help);
    (!help.is_empty()
        && !same(Some(message))
        && !same(rule.full.as_deref())
        && !same(rule.short.as_deref()))
    .then_some(help)
}

/// The rule's `helpUri` and URLs in the result's reference properties.
fn references(rule: Option<&RuleInfo>, r: &RawResult) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let candidates = rule
        .and_then(|x| x.help_uri.clone())
        .into_iter()
        .chain(prop_strs(
            &r.properties,
            &["reference", "references", "helpUri", "url"],
        ));
    for u in candidates {
        let u = u.trim().to_string();
        if !u.is_empty()
            && (text::is_url(&u) || !u.contains(char::is_whitespace))
            && !out.contains(&u)
        {
            out.push(u);
        }
    }
    out
}
