//! Lenient serde structures for the parts of a SARIF log the parser reads.
//!
//! Real producers are off-spec in every direction: numbers written as strings, strings as
//! numbers, `null` for absent, an object where a list belongs, a list where an object belongs.
//! Every field here is read with a helper that turns a value of the wrong type into "absent"
//! instead of failing, so one odd field never costs a result. (serde-sarif's generated types
//! are strict by design, which is why they are not used for reading.)

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// Free-form `properties` bags (small; kept as JSON values and searched by key).
pub(crate) type Props = serde_json::Map<String, serde_json::Value>;

/// Implements the visitor methods for every JSON scalar and container as "not what we want":
/// containers are skipped, and the visitor's `none()` value is returned.
macro_rules! ignore_other_types {
    () => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(self.none())
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(self.none())
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(self.none())
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(self.none())
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(self.none())
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(self.none())
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(self.none())
        }
    };
}

macro_rules! ignore_containers {
    () => {
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(self.none())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(self.none())
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Scalars

/// Reads a string leniently: strings as-is, numbers and booleans as their text, anything
/// else as `None`.
pub(crate) fn lstr<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(StrVisitor)
}

struct StrVisitor;

impl StrVisitor {
    fn none(&self) -> Option<String> {
        None
    }
}

impl<'de> Visitor<'de> for StrVisitor {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    ignore_containers!();
}

/// A seed form of [`lstr`], for map values and list elements.
pub(crate) struct StrSeed;

impl<'de> DeserializeSeed<'de> for StrSeed {
    type Value = Option<String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(StrVisitor)
    }
}

/// Reads a number leniently as `f64`: numbers, numeric strings; anything else is `None`.
pub(crate) fn lf64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(lstr(d)?
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|f| f.is_finite()))
}

/// Reads a non-negative integer leniently as `u32` (SARIF lines, columns and indexes):
/// numbers or numeric strings; negative numbers (SARIF's `-1` for "none") and anything else
/// are `None`.
pub(crate) fn lu32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    Ok(lstr(d)?.and_then(|s| parse_u32(&s)))
}

/// `"12"`, `12`, `12.0` → 12; negatives, fractions and junk → `None`.
pub(crate) fn parse_u32(s: &str) -> Option<u32> {
    let s = s.trim();
    if let Ok(v) = s.parse::<u32>() {
        return Some(v);
    }
    let f = s.parse::<f64>().ok()?;
    (f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f <= u32::MAX as f64).then_some(f as u32)
}

// ---------------------------------------------------------------------------------------------
// Containers

/// Reads an object into `T`; anything that is not an object gives `T::default()`.
pub(crate) fn lobj<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(d.deserialize_any(ObjVisitor::<T>(PhantomData))?
        .unwrap_or_default())
}

/// Deserializes an object into `Some(T)`, anything else into `None`.
struct ObjVisitor<T>(PhantomData<T>);

impl<T> ObjVisitor<T> {
    fn none(&self) -> Option<T> {
        None
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjVisitor<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(Some)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    ignore_other_types!();
}

/// A seed that reads an object into `Some(T)` and anything else into `None`.
pub(crate) struct ObjSeed<T>(PhantomData<T>);

impl<T> ObjSeed<T> {
    /// A new seed.
    pub(crate) fn new() -> Self {
        ObjSeed(PhantomData)
    }
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for ObjSeed<T> {
    type Value = Option<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(ObjVisitor::<T>(PhantomData))
    }
}

/// Reads a list of objects, dropping elements that are not objects. A single object where a
/// list belongs is read as a one-element list; anything else is an empty list.
pub(crate) fn lvec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    d.deserialize_any(VecVisitor::<T>(PhantomData))
}

struct VecVisitor<T>(PhantomData<T>);

impl<T> VecVisitor<T> {
    fn none(&self) -> Vec<T> {
        Vec::new()
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for VecVisitor<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of objects")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(item) = seq.next_element_seed(ObjSeed::<T>::new())? {
            out.extend(item);
        }
        Ok(out)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Ok(vec![T::deserialize(MapAccessDeserializer::new(map))?])
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    ignore_other_types!();
}

/// Reads a list of strings (tags, ids, arguments): a single string is a one-element list,
/// numbers become their text, other elements are dropped.
pub(crate) fn lstrs<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    d.deserialize_any(StrsVisitor)
}

struct StrsVisitor;

impl StrsVisitor {
    fn none(&self) -> Vec<String> {
        Vec::new()
    }
}

impl<'de> Visitor<'de> for StrsVisitor {
    type Value = Vec<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of strings")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(item) = seq.next_element_seed(StrSeed)? {
            out.extend(item);
        }
        Ok(out)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(vec![v.to_string()])
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(vec![v])
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Vec::new())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(vec![v.to_string()])
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(vec![v.to_string()])
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(vec![v.to_string()])
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.none())
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.none())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// Reads an object of string values (fingerprints) as key/value pairs in document order;
/// values that are not scalars are dropped; anything but an object is empty.
pub(crate) fn lpairs<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
    d.deserialize_any(PairsVisitor)
}

struct PairsVisitor;

impl PairsVisitor {
    fn none(&self) -> Vec<(String, String)> {
        Vec::new()
    }
}

impl<'de> Visitor<'de> for PairsVisitor {
    type Value = Vec<(String, String)>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of strings")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if let Some(v) = map.next_value_seed(StrSeed)? {
                out.push((key, v));
            }
        }
        Ok(out)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Vec::new())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    ignore_other_types!();
}

/// Reads an object whose values are objects (`messageStrings`, `originalUriBaseIds`) as
/// key/value pairs; values that are not objects are dropped.
pub(crate) fn lobjmap<'de, D, T>(d: D) -> Result<Vec<(String, T)>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    d.deserialize_any(ObjMapVisitor::<T>(PhantomData))
}

struct ObjMapVisitor<T>(PhantomData<T>);

impl<T> ObjMapVisitor<T> {
    fn none(&self) -> Vec<(String, T)> {
        Vec::new()
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjMapVisitor<T> {
    type Value = Vec<(String, T)>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of objects")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if let Some(v) = map.next_value_seed(ObjSeed::<T>::new())? {
                out.push((key, v));
            }
        }
        Ok(out)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Vec::new())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    ignore_other_types!();
}

// ---------------------------------------------------------------------------------------------
// SARIF objects (only the members the parser uses; everything else is skipped)

/// A `message` (also used for `multiformatMessageString`: `text` and `markdown`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Message {
    #[serde(deserialize_with = "lstr")]
    pub text: Option<String>,
    #[serde(deserialize_with = "lstr")]
    pub markdown: Option<String>,
    #[serde(deserialize_with = "lstr")]
    pub id: Option<String>,
    #[serde(deserialize_with = "lstrs")]
    pub arguments: Vec<String>,
}

impl Message {
    /// The plain text, else the markdown, when not blank.
    pub fn plain(&self) -> Option<&str> {
        [self.text.as_deref(), self.markdown.as_deref()]
            .into_iter()
            .flatten()
            .find(|s| !s.trim().is_empty())
    }
}

/// A reference to a tool component (`toolComponentReference`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ComponentRef {
    #[serde(deserialize_with = "lstr")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lu32")]
    pub index: Option<u32>,
    #[serde(deserialize_with = "lstr")]
    pub guid: Option<String>,
}

/// A `reportingDescriptorReference`: a result's `rule`, a relationship's `target`, a taxon.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct DescriptorRef {
    #[serde(deserialize_with = "lstr")]
    pub id: Option<String>,
    #[serde(deserialize_with = "lu32")]
    pub index: Option<u32>,
    #[serde(deserialize_with = "lstr")]
    pub guid: Option<String>,
    #[serde(deserialize_with = "lobj")]
    pub tool_component: ComponentRef,
}

/// An `artifactLocation` (SARIF 2.0 drafts called it `fileLocation`).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ArtifactLocation {
    #[serde(deserialize_with = "lstr")]
    pub uri: Option<String>,
    #[serde(deserialize_with = "lstr")]
    pub uri_base_id: Option<String>,
    #[serde(deserialize_with = "lu32")]
    pub index: Option<u32>,
}

/// An `artifactContent`: only the text is read.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Content {
    #[serde(deserialize_with = "lstr")]
    pub text: Option<String>,
}

/// A `region`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Region {
    #[serde(deserialize_with = "lu32")]
    pub start_line: Option<u32>,
    #[serde(deserialize_with = "lu32")]
    pub end_line: Option<u32>,
    #[serde(deserialize_with = "lu32")]
    pub start_column: Option<u32>,
    #[serde(deserialize_with = "lu32")]
    pub end_column: Option<u32>,
    #[serde(deserialize_with = "lobj")]
    pub snippet: Content,
}

/// A `physicalLocation`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Physical {
    #[serde(alias = "fileLocation", deserialize_with = "lobj")]
    pub artifact_location: ArtifactLocation,
    #[serde(deserialize_with = "lobj")]
    pub region: Region,
}

/// A `logicalLocation`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Logical {
    #[serde(deserialize_with = "lstr")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lstr")]
    pub fully_qualified_name: Option<String>,
    #[serde(deserialize_with = "lstr")]
    pub decorated_name: Option<String>,
    #[serde(deserialize_with = "lu32")]
    pub index: Option<u32>,
}

impl Logical {
    /// The most specific name given.
    pub fn best_name(&self) -> Option<&str> {
        [&self.fully_qualified_name, &self.name, &self.decorated_name]
            .into_iter()
            .filter_map(|s| s.as_deref())
            .find(|s| !s.trim().is_empty())
    }
}

/// A result `location`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Loc {
    #[serde(deserialize_with = "lobj")]
    pub physical_location: Physical,
    #[serde(deserialize_with = "lvec")]
    pub logical_locations: Vec<Logical>,
    #[serde(deserialize_with = "lobj")]
    pub message: Message,
}

/// A `suppression` (`state` is the name SARIF 2.1.0 drafts used for `status`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RawSuppression {
    #[serde(deserialize_with = "lstr")]
    pub kind: Option<String>,
    #[serde(deserialize_with = "lstr")]
    pub status: Option<String>,
    #[serde(deserialize_with = "lstr")]
    pub state: Option<String>,
    #[serde(deserialize_with = "lstr")]
    pub justification: Option<String>,
}

/// A `fix`: only the description is read.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Fix {
    #[serde(deserialize_with = "lobj")]
    pub description: Message,
}

/// A `result`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct RawResult {
    #[serde(deserialize_with = "lstr")]
    pub rule_id: Option<String>,
    #[serde(deserialize_with = "lu32")]
    pub rule_index: Option<u32>,
    #[serde(deserialize_with = "lobj")]
    pub rule: DescriptorRef,
    #[serde(deserialize_with = "lstr")]
    pub kind: Option<String>,
    #[serde(deserialize_with = "lstr")]
    pub level: Option<String>,
    #[serde(deserialize_with = "lobj")]
    pub message: Message,
    #[serde(deserialize_with = "lvec")]
    pub locations: Vec<Loc>,
    #[serde(deserialize_with = "lobj")]
    pub analysis_target: ArtifactLocation,
    #[serde(deserialize_with = "lpairs")]
    pub fingerprints: Vec<(String, String)>,
    #[serde(deserialize_with = "lpairs")]
    pub partial_fingerprints: Vec<(String, String)>,
    #[serde(deserialize_with = "lvec")]
    pub suppressions: Vec<RawSuppression>,
    #[serde(deserialize_with = "lf64")]
    pub rank: Option<f64>,
    #[serde(deserialize_with = "lobj")]
    pub properties: Props,
    #[serde(deserialize_with = "lvec")]
    pub fixes: Vec<Fix>,
    #[serde(deserialize_with = "lvec")]
    pub taxa: Vec<DescriptorRef>,
}

/// A rule's `defaultConfiguration`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RuleConfig {
    #[serde(deserialize_with = "lstr")]
    pub level: Option<String>,
}

/// A rule relationship (to a CWE taxon, a category ...).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Relationship {
    #[serde(deserialize_with = "lobj")]
    pub target: DescriptorRef,
}

/// A `reportingDescriptor` (rule).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct RawRule {
    #[serde(deserialize_with = "lstr")]
    pub id: Option<String>,
    #[serde(deserialize_with = "lstr")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lstrs")]
    pub deprecated_ids: Vec<String>,
    #[serde(deserialize_with = "lobj")]
    pub short_description: Message,
    #[serde(deserialize_with = "lobj")]
    pub full_description: Message,
    #[serde(deserialize_with = "lobj")]
    pub help: Message,
    #[serde(deserialize_with = "lstr")]
    pub help_uri: Option<String>,
    #[serde(deserialize_with = "lobjmap")]
    pub message_strings: Vec<(String, Message)>,
    #[serde(deserialize_with = "lobj")]
    pub default_configuration: RuleConfig,
    #[serde(deserialize_with = "lobj")]
    pub properties: Props,
    #[serde(deserialize_with = "lvec")]
    pub relationships: Vec<Relationship>,
}

/// A taxon of a taxonomy (only its id is needed, to resolve index-only references).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Taxon {
    #[serde(deserialize_with = "lstr")]
    pub id: Option<String>,
}

/// A `toolComponent`: the driver, an extension or a taxonomy.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Component {
    #[serde(deserialize_with = "lstr")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lstr")]
    pub full_name: Option<String>,
    #[serde(deserialize_with = "lstr")]
    pub version: Option<String>,
    #[serde(deserialize_with = "lstr")]
    pub semantic_version: Option<String>,
    #[serde(deserialize_with = "lvec")]
    pub rules: Vec<RawRule>,
    #[serde(deserialize_with = "lobjmap")]
    pub global_message_strings: Vec<(String, Message)>,
    #[serde(deserialize_with = "lvec")]
    pub taxa: Vec<Taxon>,
}

/// A run's `tool`. `name` and `version` directly on the tool are how SARIF 2.0 drafts wrote it.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct RawTool {
    #[serde(deserialize_with = "lobj")]
    pub driver: Component,
    #[serde(deserialize_with = "lvec")]
    pub extensions: Vec<Component>,
    #[serde(deserialize_with = "lstr")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lstr")]
    pub version: Option<String>,
    #[serde(deserialize_with = "lstr")]
    pub semantic_version: Option<String>,
}

/// An `artifact`: only its location is read.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Artifact {
    #[serde(deserialize_with = "lobj")]
    pub location: ArtifactLocation,
}

/// An `invocation`: only the working directory is read (to make absolute URIs relative).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Invocation {
    #[serde(deserialize_with = "lobj")]
    pub working_directory: ArtifactLocation,
}

/// A run's `automationDetails`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Automation {
    #[serde(deserialize_with = "lstr")]
    pub id: Option<String>,
}

/// A seed reading a list of objects leniently (see [`lvec`]), for run members.
pub(crate) struct VecSeed<T>(PhantomData<T>);

impl<T> VecSeed<T> {
    /// A new seed.
    pub(crate) fn new() -> Self {
        VecSeed(PhantomData)
    }
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for VecSeed<T> {
    type Value = Vec<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        lvec(d)
    }
}

/// A seed reading an object of objects leniently (see [`lobjmap`]), for run members.
pub(crate) struct ObjMapSeed<T>(PhantomData<T>);

impl<T> ObjMapSeed<T> {
    /// A new seed.
    pub(crate) fn new() -> Self {
        ObjMapSeed(PhantomData)
    }
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for ObjMapSeed<T> {
    type Value = Vec<(String, T)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        lobjmap(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_types_are_absent_not_errors() {
        let r: RawResult = serde_json::from_str(
            r#"{"ruleId": 42, "ruleIndex": "-1", "level": ["x"], "message": "plain string",
                "locations": {"physicalLocation": {"region": {"startLine": "12", "endLine": 3.0,
                "startColumn": -1}}}, "fingerprints": {"a": 1, "b": {"x": 1}, "c": null},
                "suppressions": [null, {"kind": "inSource"}], "rank": "95", "fixes": 3,
                "properties": [1, 2]}"#,
        )
        .unwrap();
        assert_eq!(r.rule_id.as_deref(), Some("42"));
        assert_eq!(r.rule_index, None);
        assert_eq!(r.level, None);
        assert!(r.message.text.is_none());
        assert_eq!(r.locations.len(), 1);
        let region = &r.locations[0].physical_location.region;
        assert_eq!(
            (region.start_line, region.end_line, region.start_column),
            (Some(12), Some(3), None)
        );
        assert_eq!(r.fingerprints, vec![("a".to_string(), "1".to_string())]);
        assert_eq!(r.suppressions.len(), 1);
        assert_eq!(r.rank, Some(95.0));
        assert!(r.fixes.is_empty() && r.properties.is_empty());
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_u32(" 7 "), Some(7));
        assert_eq!(parse_u32("7.0"), Some(7));
        assert_eq!(parse_u32("7.5"), None);
        assert_eq!(parse_u32("-1"), None);
        assert_eq!(parse_u32("1e20"), None);
    }
}
