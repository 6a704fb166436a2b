//! detect-secrets baseline JSON (`detect-secrets scan > .secrets.baseline`):
//! `{version, plugins_used, filters_used, results: {<file>: [secret, ...]}, generated_at}`.
//! Baselines of 0.x (keys sorted, `exclude`, entries without `filename`) are read too.
//!
//! Each secret (`{type, filename, hashed_secret, is_verified, line_number, is_secret?}`) becomes
//! a [`FindingKind::Secret`] observation at a code location, its rule the plugin's type
//! (`Secret Keyword`, `AWS Access Key`). The baseline never holds the value, so the evidence has
//! no HMAC and no preview; `hashed_secret` is the value's unsalted SHA-1, which cannot be
//! compared with Rampart's keyed hash but is already public in the baseline: it is kept as the
//! `detect-secrets-sha1` fingerprint (Checkov's secrets scanner writes the same hash). A secret
//! audited as a false positive (`is_secret: false`) carries a `baseline` suppression.
//! detect-secrets states no severity: every secret is [`Severity::High`] with no tool label.
//! Each file's list is streamed; the files themselves are visited one by one.

use crate::checkov::DETECT_SECRETS_SHA1;
use crate::json::{self, StreamSeq, lenient_string};
use crate::{Emitter, ParseContext, ParseError, ParseOutcome};
use rampart_model::path::normalize_path;
use rampart_model::{
    CodeLocation, FindingKind, Location, Observation, SecretEvidence, Severity, SeverityInfo,
    Suppression, ToolInfo, ToolKind,
};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use std::fmt;
use std::io::BufRead;

/// The tool name on every observation.
const TOOL: &str = "detect-secrets";

/// Parses a detect-secrets baseline, streaming each secret into `emitter`.
pub fn parse<R: BufRead>(
    reader: R,
    ctx: &ParseContext,
    emitter: &mut Emitter<'_>,
) -> Result<ParseOutcome, ParseError> {
    let mut doc = Doc {
        emitter,
        version: None,
        has_results: false,
    };
    json::visit_document(&ctx.file_name, reader, &mut doc)?;
    if !doc.has_results {
        return Err(ParseError::invalid(
            &ctx.file_name,
            "/",
            "no `results` object: expected a detect-secrets baseline (an object with \
             `version`, `plugins_used` and `results` mapping each file to its secrets)",
        ));
    }
    let mut outcome = ParseOutcome {
        tool_kind: Some(ToolKind::Secrets),
        ..ParseOutcome::default()
    };
    outcome.add_tool(ToolInfo {
        name: TOOL.into(),
        version: doc.version,
    });
    Ok(outcome)
}

/// The parse state shared by the visitors and the per-record callbacks.
struct Doc<'a, 'e> {
    emitter: &'a mut Emitter<'e>,
    version: Option<String>,
    has_results: bool,
}

impl<'de> Visitor<'de> for &mut Doc<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a detect-secrets baseline: an object with `results` and `plugins_used`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "version" => {
                    let v: Value = map.next_value()?;
                    self.version = lenient_string(&v)
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty());
                }
                "results" => {
                    self.has_results = true;
                    map.next_value_seed(Files { doc: &mut *self })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// `results`: file name → list of secrets.
struct Files<'d, 'a, 'e> {
    doc: &'d mut Doc<'a, 'e>,
}

impl<'de> DeserializeSeed<'de> for Files<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Files<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object mapping each file to its list of secrets at /results")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let doc = self.doc;
        while let Some(file) = map.next_key::<String>()? {
            let pointer = format!("/results/{}", escape_pointer(&file));
            map.next_value_seed(StreamSeq::new(&pointer, |i, v: Value| {
                doc.secret(&file, format!("{pointer}/{i}"), v)
            }))?;
        }
        Ok(())
    }
}

impl Doc<'_, '_> {
    /// Emits one secret, or diagnoses why it cannot be used.
    fn secret(&mut self, file: &str, place: String, v: Value) -> Result<(), String> {
        let built = serde_json::from_value::<Secret>(v)
            .map_err(|e| format!("skipped: not a detect-secrets entry: {e}"))
            .and_then(|s| observation(s, file, self.version.as_deref(), &place));
        match built {
            Ok(obs) => self.emitter.emit(obs),
            Err(why) => {
                self.emitter.diagnose(place, why);
                Ok(())
            }
        }
    }
}

/// Escapes a JSON object key for a JSON pointer (RFC 6901: `~` → `~0`, `/` → `~1`).
pub fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// One entry of a file's list.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Secret {
    #[serde(rename = "type", deserialize_with = "json::opt_string")]
    kind: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    filename: Option<String>,
    #[serde(deserialize_with = "json::opt_string")]
    hashed_secret: Option<String>,
    #[serde(deserialize_with = "json::opt_u32")]
    line_number: Option<u32>,
    is_verified: Value,
    is_secret: Value,
}

/// Non-blank text, trimmed.
fn text(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// A JSON boolean, also when written as a string.
fn flag(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Builds the observation of one secret found in `file` (the key of its list).
fn observation(
    s: Secret,
    file: &str,
    version: Option<&str>,
    place: &str,
) -> Result<Observation, String> {
    let rule_id = text(&s.kind)
        .ok_or("skipped: the secret has no `type`")?
        .to_string();
    let path = normalize_path(text(&s.filename).unwrap_or(file));
    let line = s.line_number.filter(|&l| l > 0);
    let location = if path.is_empty() {
        Location::None
    } else {
        Location::Code(CodeLocation {
            path: path.clone(),
            start_line: line,
            end_line: line,
            start_column: None,
            end_column: None,
        })
    };

    let mut obs = Observation::new(
        TOOL,
        FindingKind::Secret,
        rule_id.clone(),
        &rule_id,
        location,
    );
    obs.tool.version = version.map(str::to_string);
    obs.severity = SeverityInfo::new(Severity::High, None);
    obs.secret = Some(SecretEvidence {
        hmac: None,
        preview: None,
    });
    let mut message = format!("Possible secret ({rule_id})");
    if !path.is_empty() {
        message.push_str(&format!(" in {path}"));
        if let Some(l) = line {
            message.push_str(&format!(":{l}"));
        }
    }
    obs.message = Some(message);
    if let Some(h) = text(&s.hashed_secret).filter(|h| is_sha1_hex(h)) {
        obs.fingerprints
            .insert(DETECT_SECRETS_SHA1.into(), h.to_ascii_lowercase());
    }
    if flag(&s.is_verified) == Some(true) {
        obs.tags.push("verified".into());
    }
    match flag(&s.is_secret) {
        Some(true) => obs.tags.push("audit:true-positive".into()),
        Some(false) => {
            obs.tags.push("audit:false-positive".into());
            obs.suppression = Some(Suppression {
                kind: "baseline".into(),
                status: Some("accepted".into()),
                justification: Some(
                    "audited as a false positive in the detect-secrets baseline \
                     (`is_secret: false`)"
                        .into(),
                ),
            });
        }
        None => {}
    }
    obs.source_ref = place.to_string();
    Ok(obs)
}

/// Whether `s` is 40 hex digits (a SHA-1).
fn is_sha1_hex(s: &str) -> bool {
    s.len() == 40 && s.chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Format, parse_bytes};

    fn ctx() -> ParseContext {
        ParseContext::new(".secrets.baseline", b"key".to_vec())
    }

    #[test]
    fn baseline_with_audits() {
        let doc = br#"{"version": "1.5.0", "plugins_used": [{"name": "AWSKeyDetector"}], "filters_used": [],
            "results": {"config/a~b.yaml": [
                {"type": "Secret Keyword", "filename": "config/a~b.yaml", "hashed_secret": "AFC848C316AF1A89D49826C5AE9D00ED769415F3", "is_verified": false, "line_number": 3},
                {"type": "AWS Access Key", "filename": "config/a~b.yaml", "hashed_secret": "b732fb611fd46a38e8667f9972e0cde777fbe37f", "is_verified": true, "line_number": 9, "is_secret": false},
                {"filename": "config/a~b.yaml"}],
              "old.py": [{"type": "Base64 High Entropy String", "hashed_secret": "zz", "line_number": "4", "is_secret": true}]},
            "generated_at": "2026-01-01T00:00:00Z"}"#;
        let (out, obs) = parse_bytes(doc, None, &ctx()).unwrap();
        assert_eq!(out.format, Some(Format::DetectSecrets));
        assert_eq!(out.tool_kind, Some(ToolKind::Secrets));
        assert_eq!(out.tools[0].version.as_deref(), Some("1.5.0"));
        assert_eq!(obs.len(), 3);
        let a = &obs[0];
        assert_eq!(a.rule_id, "Secret Keyword");
        assert_eq!(a.location.display(), "config/a~b.yaml:3");
        assert_eq!(a.source_ref, "/results/config~1a~0b.yaml/0");
        assert_eq!(
            a.fingerprints.get(DETECT_SECRETS_SHA1).map(String::as_str),
            Some("afc848c316af1a89d49826c5ae9d00ed769415f3")
        );
        assert_eq!(a.secret.as_ref().unwrap().hmac, None);
        assert_eq!(a.suppression, None);
        let b = &obs[1];
        assert_eq!(b.tags, ["verified", "audit:false-positive"]);
        assert_eq!(b.suppression.as_ref().unwrap().kind, "baseline");
        // 0.x entries have no `filename`: the key names the file.
        let c = &obs[2];
        assert_eq!(c.location.display(), "old.py:4");
        assert!(c.fingerprints.is_empty());
        assert_eq!(c.tags, ["audit:true-positive"]);
        assert_eq!(out.diagnostics.len(), 1);
        assert_eq!(out.diagnostics[0].place, "/results/config~1a~0b.yaml/2");
    }

    #[test]
    fn broken_documents() {
        let e =
            parse_bytes(b"{\"version\": \"1\"}", Some(Format::DetectSecrets), &ctx()).unwrap_err();
        assert!(e.to_string().contains("no `results` object"), "{e}");
        let e = parse_bytes(b"{\"results\": []}", Some(Format::DetectSecrets), &ctx()).unwrap_err();
        assert!(e.to_string().contains("mapping each file"), "{e}");
        let e = parse_bytes(b"[]", Some(Format::DetectSecrets), &ctx()).unwrap_err();
        assert!(e.to_string().contains("detect-secrets baseline"), "{e}");
    }
}
