//! Explanations for people, shared by the CLI and the dashboard: why an observation belongs to
//! its issue, read from the correlation note stored with it.

/// Why an observation belongs to its issue, from the correlation note stored with it.
pub fn why_merged(observation: &serde_json::Value, issue_key: &str) -> String {
    let note = &observation["correlation"];
    let Some(own) = note["own_key"].as_str() else {
        return "same identity key (stored before correlation notes)".into();
    };
    let class = note["anchor"]["class"].as_str().filter(|c| !c.is_empty());
    if own == issue_key {
        let basis = note["basis"].as_str().unwrap_or("");
        return match (basis, class) {
            ("secret", _) if note["anchor"]["hmac"].is_string() => {
                "its own identity key: the keyed hash of the secret value".into()
            }
            ("dep", _) => "its own identity key: vulnerability + versionless package".into(),
            ("web", _) => {
                "its own identity key: method + normalized URL + parameter + weakness".into()
            }
            (_, Some(c)) => format!("its own identity key (file, rule, content); class {c}"),
            _ => format!("its own identity key ({basis})"),
        };
    }
    let pass = note["merged"]["pass"].as_str().unwrap_or("?");
    let evidence: Vec<&str> = note["merged"]["evidence"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    match pass {
        "location" => format!("merged by location: {}", evidence.join("; ")),
        other if !evidence.is_empty() => format!("merged ({other}): {}", evidence.join("; ")),
        _ => "merged in an earlier scan (same key as then)".into(),
    }
}
