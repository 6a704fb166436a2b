//! CycloneDX JSON: a top-level visitor that streams `components`, `dependencies` and
//! `vulnerabilities` element by element (keys in any order), with lenient record structs.

use super::builder::BomBuilder;
use super::raw::{
    RawAffect, RawAffectedVersion, RawAnalysis, RawComponent, RawRating, RawVulnerability, clean,
};
use crate::emit::{Emitter, ParseContext, ParseOutcome};
use crate::error::ParseError;
use crate::json::{StreamSeq, lenient_string, opt_string, visit_document};
use serde::Deserialize;
use serde::de::{self, DeserializeOwned, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use std::fmt;
use std::io::BufRead;

/// Parses a CycloneDX JSON document (any spec version; see the module docs of
/// [`crate::cyclonedx`] for what is rejected and what is accepted leniently).
pub fn parse<R: BufRead>(
    reader: R,
    ctx: &ParseContext,
    emitter: &mut Emitter<'_>,
) -> Result<ParseOutcome, ParseError> {
    let mut builder = BomBuilder::new();
    let head = visit_document(
        &ctx.file_name,
        reader,
        TopVisitor {
            builder: &mut builder,
            emitter,
        },
    )?;
    if head.bom_format.is_none() {
        return Err(ParseError::invalid(
            &ctx.file_name,
            "/bomFormat",
            "missing: expected `\"bomFormat\": \"CycloneDX\"`",
        ));
    }
    super::check_spec_version(head.spec_version.as_deref(), "/specVersion", emitter);
    builder.finish(emitter).map_err(|e| ParseError::Sink {
        file: ctx.file_name.clone(),
        message: e,
    })
}

/// What the top level says about itself.
struct Head {
    bom_format: Option<String>,
    spec_version: Option<String>,
}

struct TopVisitor<'a, 'e> {
    builder: &'a mut BomBuilder,
    emitter: &'a mut Emitter<'e>,
}

impl<'de> Visitor<'de> for TopVisitor<'_, '_> {
    type Value = Head;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a CycloneDX BOM: a JSON object with \"bomFormat\": \"CycloneDX\"")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Head, A::Error> {
        let TopVisitor { builder, emitter } = self;
        let mut head = Head {
            bom_format: None,
            spec_version: None,
        };
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "bomFormat" => {
                    let v: Value = map.next_value()?;
                    let s = lenient_string(&v).unwrap_or_default();
                    if !s.trim().eq_ignore_ascii_case("CycloneDX") {
                        return Err(de::Error::custom(format!(
                            "at /bomFormat: `{}` is not a CycloneDX BOM: expected \"CycloneDX\"",
                            short(&v.to_string())
                        )));
                    }
                    head.bom_format = Some(s);
                }
                "specVersion" => {
                    let v: Value = map.next_value()?;
                    head.spec_version = lenient_string(&v);
                }
                "metadata" => {
                    let m: Record<JMetadata> = map.next_value()?;
                    match m.0 {
                        Ok(m) => read_metadata(m, builder, emitter),
                        Err(e) => emitter.diagnose("/metadata", format!("unusable metadata: {e}")),
                    }
                    builder.metadata_seen = true;
                }
                "components" => {
                    map.next_value_seed(StreamSeq::new(
                        "/components",
                        |i, rec: Record<JComponent>| {
                            let place = format!("/components/{i}");
                            match rec.0 {
                                Ok(c) => add_tree(c, place, false, builder, emitter),
                                Err(e) => {
                                    emitter.diagnose(place, format!("unusable component: {e}"))
                                }
                            }
                            Ok(())
                        },
                    ))?;
                    builder.components_seen = true;
                }
                "services" => {
                    map.next_value_seed(StreamSeq::new(
                        "/services",
                        |_, rec: Record<JService>| {
                            if let Ok(s) = rec.0 {
                                read_services(s, builder);
                            }
                            Ok(())
                        },
                    ))?;
                }
                "dependencies" => {
                    map.next_value_seed(StreamSeq::new(
                        "/dependencies",
                        |i, rec: Record<JDependency>| {
                            let place = format!("/dependencies/{i}");
                            match rec.0 {
                                Ok(d) => read_dependency(d, &place, builder, emitter),
                                Err(e) => {
                                    emitter.diagnose(place, format!("unusable dependency: {e}"))
                                }
                            }
                            Ok(())
                        },
                    ))?;
                }
                "vulnerabilities" => {
                    map.next_value_seed(StreamSeq::new(
                        "/vulnerabilities",
                        |i, rec: Record<JVulnerability>| {
                            let place = format!("/vulnerabilities/{i}");
                            match rec.0 {
                                Ok(v) => {
                                    let raw = v.into_raw();
                                    let places = (0..raw.affects.len())
                                        .map(|j| format!("{place}/affects/{j}"))
                                        .collect();
                                    builder.add_vulnerability(raw, place, places, emitter)?;
                                }
                                Err(e) => {
                                    emitter.diagnose(place, format!("unusable vulnerability: {e}"))
                                }
                            }
                            Ok(())
                        },
                    ))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(head)
    }
}

/// Cuts a text for an error message.
fn short(s: &str) -> String {
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

/// One array element: the record, or why it could not be read. A record of the wrong shape
/// is diagnosed and skipped; it does not stop the parse.
struct Record<T>(Result<T, String>);

impl<'de, T: DeserializeOwned> Deserialize<'de> for Record<T> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        let kind = match &v {
            Value::Object(_) => None,
            Value::Null => Some("null"),
            Value::Bool(_) => Some("a boolean"),
            Value::Number(_) => Some("a number"),
            Value::String(_) => Some("a string"),
            Value::Array(_) => Some("an array"),
        };
        if let Some(kind) = kind {
            return Ok(Record(Err(format!("expected an object, found {kind}"))));
        }
        Ok(Record(serde_json::from_value(v).map_err(|e| e.to_string())))
    }
}

/// Serde helper: a list whose elements are read one by one; elements of the wrong shape
/// are left out, a single object stands for a list of one, anything else is empty.
fn lenient_vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: de::Deserializer<'de>,
    T: DeserializeOwned,
{
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|i| serde_json::from_value(i).ok())
            .collect(),
        v @ Value::Object(_) => serde_json::from_value(v).ok().into_iter().collect(),
        _ => Vec::new(),
    })
}

/// Serde helper: an optional object; anything of the wrong shape is `None`.
fn lenient_opt<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: de::Deserializer<'de>,
    T: DeserializeOwned,
{
    Ok(serde_json::from_value(Value::deserialize(d)?).ok())
}

/// Serde helper: a list of strings (numbers and booleans as text); a single value stands for
/// a list of one.
fn string_list<'de, D: de::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items.iter().filter_map(lenient_string).collect(),
        v => lenient_string(&v).into_iter().collect(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JMetadata {
    tools: Value,
    #[serde(deserialize_with = "lenient_opt")]
    component: Option<JComponent>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JTool {
    #[serde(deserialize_with = "opt_string")]
    name: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    version: Option<String>,
}

fn read_metadata(m: JMetadata, builder: &mut BomBuilder, emitter: &mut Emitter<'_>) {
    read_tools(&m.tools, builder);
    if let Some(c) = m.component {
        add_tree(c, "/metadata/component".into(), true, builder, emitter);
    }
}

/// `metadata.tools`: a list of `{vendor, name, version}` (1.2–1.4), or (1.5+) an object with
/// `components` and `services` lists.
fn read_tools(tools: &Value, builder: &mut BomBuilder) {
    let lists: Vec<&Value> = match tools {
        Value::Array(_) => vec![tools],
        Value::Object(o) => ["components", "services"]
            .iter()
            .filter_map(|k| o.get(*k))
            .collect(),
        _ => Vec::new(),
    };
    for t in lists.into_iter().filter_map(Value::as_array).flatten() {
        if let Ok(t) = serde_json::from_value::<JTool>(t.clone()) {
            builder.add_tool(t.name, t.version);
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JComponent {
    #[serde(rename = "bom-ref", deserialize_with = "opt_string")]
    bom_ref: Option<String>,
    #[serde(rename = "type", deserialize_with = "opt_string")]
    component_type: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    group: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    name: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    version: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    purl: Option<String>,
    #[serde(deserialize_with = "lenient_vec")]
    hashes: Vec<JHash>,
    licenses: Value,
    #[serde(deserialize_with = "lenient_vec")]
    components: Vec<Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JHash {
    #[serde(deserialize_with = "opt_string")]
    alg: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    content: Option<String>,
}

/// Adds a component and its nested `components`, parents first, without recursion.
fn add_tree(
    first: JComponent,
    place: String,
    is_root: bool,
    builder: &mut BomBuilder,
    emitter: &mut Emitter<'_>,
) {
    let mut stack = vec![(first, place, is_root)];
    while let Some((mut c, place, root)) = stack.pop() {
        let children = std::mem::take(&mut c.components);
        let raw = component_raw(c, &place, emitter);
        if root {
            builder.set_root(raw, &place, emitter);
        } else {
            builder.add_component(raw, &place, emitter);
        }
        for (i, child) in children.into_iter().enumerate().rev() {
            let at = format!("{place}/components/{i}");
            match serde_json::from_value::<JComponent>(child) {
                Ok(cc) => stack.push((cc, at, false)),
                Err(e) => emitter.diagnose(at, format!("unusable component: {e}")),
            }
        }
    }
}

fn component_raw(c: JComponent, place: &str, emitter: &mut Emitter<'_>) -> RawComponent {
    let hashes = c
        .hashes
        .into_iter()
        .filter_map(|h| Some((clean(h.alg)?, h.content.unwrap_or_default())))
        .collect();
    RawComponent {
        bom_ref: c.bom_ref,
        component_type: c.component_type,
        group: c.group,
        name: c.name,
        version: c.version,
        purl: c.purl,
        licenses: licenses(&c.licenses, place, emitter),
        hashes,
    }
}

/// `licenses`: a list of `{license: {id | name}}` and `{expression}` choices.
fn licenses(v: &Value, place: &str, emitter: &mut Emitter<'_>) -> Vec<String> {
    let items: &[Value] = match v {
        Value::Array(a) => a,
        Value::Null => &[],
        other => std::slice::from_ref(other),
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let text = |o: &Value, k: &str| {
            o.get(k)
                .and_then(lenient_string)
                .and_then(|s| clean(Some(s)))
        };
        let mut found = false;
        if let Some(s) = item
            .get("license")
            .and_then(|l| text(l, "id").or_else(|| text(l, "name")))
        {
            out.push(s);
            found = true;
        }
        if let Some(e) = text(item, "expression") {
            out.push(e);
            found = true;
        }
        if !found {
            emitter.diagnose(
                format!("{place}/licenses/{i}"),
                "license without id, name or expression: skipped",
            );
        }
    }
    out
}

/// A service: only its `bom-ref` matters (edges to services are not inventory edges).
#[derive(Deserialize, Default)]
#[serde(default)]
struct JService {
    #[serde(rename = "bom-ref", deserialize_with = "opt_string")]
    bom_ref: Option<String>,
    #[serde(deserialize_with = "lenient_vec")]
    services: Vec<Value>,
}

/// Records the refs of a service and its nested services, without recursion.
fn read_services(first: JService, builder: &mut BomBuilder) {
    let mut stack = vec![first];
    while let Some(s) = stack.pop() {
        builder.add_service_ref(s.bom_ref);
        stack.extend(
            s.services
                .into_iter()
                .filter_map(|v| serde_json::from_value::<JService>(v).ok()),
        );
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JDependency {
    #[serde(rename = "ref", deserialize_with = "opt_string")]
    reference: Option<String>,
    #[serde(rename = "dependsOn")]
    depends_on: Value,
}

/// One `dependencies[]` entry: `dependsOn` holds refs, or (old producers) nested dependency
/// objects with their own `ref` and `dependsOn`.
fn read_dependency(
    d: JDependency,
    place: &str,
    builder: &mut BomBuilder,
    emitter: &mut Emitter<'_>,
) {
    let Some(from) = clean(d.reference) else {
        emitter.diagnose(place, "dependency without a ref: skipped (expected `ref`)");
        return;
    };
    let mut stack = vec![(from, d.depends_on, format!("{place}/dependsOn"))];
    while let Some((from, depends_on, at)) = stack.pop() {
        let items = match depends_on {
            Value::Array(a) => a,
            Value::Null => Vec::new(),
            other => vec![other],
        };
        for (i, item) in items.into_iter().enumerate() {
            match item {
                Value::String(to) if !to.trim().is_empty() => builder.add_edge(&from, &to),
                Value::Object(mut o) => {
                    let to = o
                        .get("ref")
                        .and_then(lenient_string)
                        .and_then(|s| clean(Some(s)));
                    match to {
                        Some(to) => {
                            builder.add_edge(&from, &to);
                            let next = o.remove("dependsOn").unwrap_or(Value::Null);
                            stack.push((to, next, format!("{at}/{i}/dependsOn")));
                        }
                        None => emitter.diagnose(
                            format!("{at}/{i}"),
                            "nested dependency without a ref: skipped",
                        ),
                    }
                }
                other => emitter.diagnose(
                    format!("{at}/{i}"),
                    format!("`{}` is not a ref: skipped", short(&other.to_string())),
                ),
            }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JVulnerability {
    #[serde(rename = "bom-ref", deserialize_with = "opt_string")]
    bom_ref: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    id: Option<String>,
    #[serde(deserialize_with = "lenient_opt")]
    source: Option<JSource>,
    #[serde(deserialize_with = "lenient_vec")]
    references: Vec<JReference>,
    #[serde(deserialize_with = "lenient_vec")]
    ratings: Vec<JRating>,
    #[serde(deserialize_with = "string_list")]
    cwes: Vec<String>,
    #[serde(deserialize_with = "opt_string")]
    description: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    detail: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    recommendation: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    workaround: Option<String>,
    #[serde(deserialize_with = "lenient_vec")]
    advisories: Vec<JAdvisory>,
    #[serde(deserialize_with = "lenient_opt")]
    analysis: Option<JAnalysis>,
    #[serde(deserialize_with = "lenient_vec")]
    affects: Vec<JAffect>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JSource {
    #[serde(deserialize_with = "opt_string")]
    name: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    url: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JReference {
    #[serde(deserialize_with = "opt_string")]
    id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JRating {
    #[serde(deserialize_with = "lenient_opt")]
    source: Option<JSource>,
    #[serde(deserialize_with = "opt_string")]
    score: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    severity: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    method: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    vector: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JAdvisory {
    #[serde(deserialize_with = "opt_string")]
    url: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JAnalysis {
    #[serde(deserialize_with = "opt_string")]
    state: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    justification: Option<String>,
    #[serde(deserialize_with = "string_list")]
    response: Vec<String>,
    #[serde(deserialize_with = "opt_string")]
    detail: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JAffect {
    #[serde(rename = "ref", deserialize_with = "opt_string")]
    reference: Option<String>,
    #[serde(deserialize_with = "lenient_vec")]
    versions: Vec<JAffectedVersion>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JAffectedVersion {
    #[serde(deserialize_with = "opt_string")]
    version: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    range: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    status: Option<String>,
}

impl JVulnerability {
    fn into_raw(self) -> RawVulnerability {
        let (source_name, source_url) = match self.source {
            Some(s) => (s.name, s.url),
            None => (None, None),
        };
        let analysis = self.analysis.unwrap_or_default();
        RawVulnerability {
            bom_ref: self.bom_ref,
            id: self.id,
            source_name,
            source_url,
            aliases: self.references.into_iter().filter_map(|r| r.id).collect(),
            ratings: self
                .ratings
                .into_iter()
                .map(|r| RawRating {
                    source: r.source.and_then(|s| s.name),
                    score: r.score,
                    severity: r.severity,
                    method: r.method,
                    vector: r.vector,
                })
                .collect(),
            cwes: self.cwes,
            description: self.description,
            detail: self.detail,
            recommendation: self.recommendation,
            workaround: self.workaround,
            advisories: self.advisories.into_iter().filter_map(|a| a.url).collect(),
            analysis: RawAnalysis {
                state: analysis.state,
                justification: analysis.justification,
                responses: analysis.response,
                detail: analysis.detail,
            },
            affects: self
                .affects
                .into_iter()
                .map(|a| RawAffect {
                    reference: a.reference,
                    versions: a
                        .versions
                        .into_iter()
                        .map(|v| RawAffectedVersion {
                            version: v.version,
                            range: v.range,
                            status: v.status,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// Keeps `Deserialize` derives honest: every record type can be read from `{}`.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_default_from_empty_objects() {
        let v: JVulnerability = serde_json::from_str("{}").unwrap();
        assert!(v.id.is_none() && v.affects.is_empty());
        let c: JComponent =
            serde_json::from_str(r#"{"name": 5, "hashes": "x", "components": {"name": "n"}}"#)
                .unwrap();
        assert_eq!(c.name.as_deref(), Some("5"));
        assert!(c.hashes.is_empty());
        assert_eq!(c.components.len(), 1);
        let a: JAnalysis = serde_json::from_str(r#"{"response": "update"}"#).unwrap();
        assert_eq!(a.response, vec!["update"]);
    }
}
