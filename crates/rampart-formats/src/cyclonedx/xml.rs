//! CycloneDX XML (namespaces 1.0–1.7, plus the 1.x vulnerability and dependency-graph
//! extensions) read with quick-xml's streaming namespace-aware reader: one event at a time,
//! no DOM and no recursion. Open elements live on a heap stack bounded by [`MAX_DEPTH`], so
//! a pathologically nested document fails cleanly instead of overflowing the stack.
//!
//! Each record (component, tool, vulnerability) is a `Frame` opened at its start tag and
//! finished at its end tag; fields are matched by their path relative to the frame, so the
//! `name` of a pedigree ancestor or of a vulnerability's tool never lands in the wrong record.

use super::builder::BomBuilder;
use super::raw::{RawAffect, RawAffectedVersion, RawComponent, RawRating, RawVulnerability, clean};
use crate::emit::{Emitter, ParseContext, ParseOutcome};
use crate::error::ParseError;
use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use std::io::BufRead;

/// Deepest element nesting accepted. Real BOMs stay below 40 levels.
pub const MAX_DEPTH: usize = 512;

/// Longest text kept for one element; longer text is cut (with a diagnostic).
const MAX_TEXT: usize = 1 << 20;

/// The namespace prefix of every CycloneDX BOM namespace (`.../bom/1.0` to `.../bom/1.7`).
const BOM_NS_PREFIX: &str = "http://cyclonedx.org/schema/bom/";
/// The 1.x vulnerability extension (vulnerabilities nested in components).
const VULN_EXT_NS: &[u8] = b"http://cyclonedx.org/schema/ext/vulnerability/1.0";
/// The 1.1 dependency-graph extension.
const DG_EXT_NS_PREFIX: &[u8] = b"http://cyclonedx.org/schema/ext/dependency-graph/";

/// Parses a CycloneDX XML document.
pub fn parse<R: BufRead>(
    reader: R,
    ctx: &ParseContext,
    emitter: &mut Emitter<'_>,
) -> Result<ParseOutcome, ParseError> {
    let mut p = XmlBom {
        reader: NsReader::from_reader(reader),
        file: &ctx.file_name,
        bom_ns: None,
        path: Vec::new(),
        root_done: false,
        line: 1,
        text: None,
        text_cut: false,
        frames: Vec::new(),
        deps: Vec::new(),
        builder: BomBuilder::new(),
        top_children: Vec::new(),
    };
    p.run(emitter)?;
    let XmlBom { builder, .. } = p;
    builder.finish(emitter).map_err(|e| ParseError::Sink {
        file: ctx.file_name.clone(),
        message: e,
    })
}

/// One open element.
struct Elem {
    /// Local name; prefixed `v:` (vulnerability extension), `dg:` (dependency graph) or `?:`
    /// (any other namespace) when not in the BOM's namespace.
    name: String,
    /// 1-based index among same-named siblings.
    index: usize,
    /// How many children of each name were seen so far.
    children: Vec<(String, usize)>,
}

/// A record being read.
enum Frame {
    Component {
        depth: usize,
        root: bool,
        raw: Box<RawComponent>,
        place: String,
        hash_alg: Option<String>,
        license: Option<(Option<String>, Option<String>, String)>,
        vulns: Vec<(RawVulnerability, String)>,
    },
    Tool {
        depth: usize,
        name: Option<String>,
        version: Option<String>,
    },
    Vuln {
        depth: usize,
        ext: bool,
        raw: Box<RawVulnerability>,
        place: String,
        affect_places: Vec<String>,
    },
}

/// What kind of record a frame reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FrameKind {
    Component,
    Tool,
    Vuln { ext: bool },
}

impl Frame {
    fn kind(&self) -> FrameKind {
        match self {
            Frame::Component { .. } => FrameKind::Component,
            Frame::Tool { .. } => FrameKind::Tool,
            Frame::Vuln { ext, .. } => FrameKind::Vuln { ext: *ext },
        }
    }

    fn depth(&self) -> usize {
        match self {
            Frame::Component { depth, .. }
            | Frame::Tool { depth, .. }
            | Frame::Vuln { depth, .. } => *depth,
        }
    }
}

struct XmlBom<'f, R> {
    reader: NsReader<R>,
    file: &'f str,
    /// The BOM's namespace, once the root element was read.
    bom_ns: Option<Vec<u8>>,
    path: Vec<Elem>,
    root_done: bool,
    line: u64,
    /// `(depth, text)` of the element whose text is being collected.
    text: Option<(usize, String)>,
    text_cut: bool,
    frames: Vec<Frame>,
    /// `(depth, ref)` of the open `dependency` elements.
    deps: Vec<(usize, Option<String>)>,
    builder: BomBuilder,
    /// Names of the root's children seen so far (to know when `metadata` can no longer come).
    top_children: Vec<String>,
}

/// Counts line breaks in raw event bytes.
fn newlines(b: &[u8]) -> u64 {
    b.iter().filter(|c| **c == b'\n').count() as u64
}

impl<R: BufRead> XmlBom<'_, R> {
    fn run(&mut self, emitter: &mut Emitter<'_>) -> Result<(), ParseError> {
        let mut buf = Vec::new();
        let mut decl_seen = false;
        loop {
            buf.clear();
            let (resolved, event) = match self.reader.read_resolved_event_into(&mut buf) {
                Ok(x) => x,
                Err(e) => {
                    let pos = self.reader.error_position();
                    return Err(self.error_at(pos, format!("not well-formed XML: {e}")));
                }
            };
            let ns = classify(&resolved, self.bom_ns.as_deref());
            match event {
                Event::Start(e) => {
                    self.start(&e, ns, emitter)?;
                    self.line += newlines(&e);
                }
                Event::Empty(e) => {
                    self.start(&e, ns, emitter)?;
                    self.line += newlines(&e);
                    self.end(emitter)?;
                }
                Event::End(e) => {
                    self.line += newlines(&e);
                    self.end(emitter)?;
                }
                Event::Text(t) => {
                    self.line += newlines(&t);
                    let s = t
                        .decode()
                        .map_err(|e| self.error(format!("text is not valid UTF-8: {e}")))?;
                    self.text_outside_root(&s)?;
                    self.push_text(&s, emitter);
                }
                Event::CData(t) => {
                    self.line += newlines(&t);
                    let s = t
                        .decode()
                        .map_err(|e| self.error(format!("CDATA is not valid UTF-8: {e}")))?;
                    self.text_outside_root(&s)?;
                    self.push_text(&s, emitter);
                }
                Event::GeneralRef(r) => {
                    let name = r
                        .decode()
                        .map_err(|e| self.error(format!("entity name is not valid UTF-8: {e}")))?
                        .into_owned();
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        Ok(None) => quick_xml::escape::resolve_predefined_entity(&name)
                            .map(str::to_string)
                            .unwrap_or_else(|| format!("&{name};")),
                        Err(e) => return Err(self.error(format!("bad character reference: {e}"))),
                    };
                    self.text_outside_root(&resolved)?;
                    self.push_text(&resolved, emitter);
                }
                Event::Decl(d) => {
                    self.line += newlines(&d);
                    // White space before the declaration is tolerated; a second one is not.
                    if decl_seen || self.root_done {
                        return Err(self.error(
                            "an XML declaration (`<?xml ...?>`) after the start of the document: expected one at most, first",
                        ));
                    }
                    decl_seen = true;
                }
                Event::PI(p) => {
                    self.line += newlines(&p);
                    if p.target().eq_ignore_ascii_case(b"xml") {
                        return Err(self.error(
                            "an XML declaration (`<?xml ...?>`) after the start of the document: expected one at most, first",
                        ));
                    }
                }
                Event::Comment(c) | Event::DocType(c) => self.line += newlines(&c),
                Event::Eof => break,
            }
        }
        if !self.path.is_empty() {
            return Err(
                self.error("the document ends before its elements are closed (truncated file?)")
            );
        }
        if !self.root_done {
            return Err(self.error("no root element: expected <bom> in a CycloneDX namespace"));
        }
        Ok(())
    }

    /// A `ParseError` at the reader's current position.
    fn error(&self, message: impl Into<String>) -> ParseError {
        self.error_at(self.reader.buffer_position(), message)
    }

    /// A `ParseError` naming the line, the byte offset and the element path.
    fn error_at(&self, pos: u64, message: impl Into<String>) -> ParseError {
        let place = if self.path.is_empty() {
            format!("line {}, byte {pos}", self.line)
        } else {
            format!(
                "line {}, byte {pos}, in {}",
                self.line,
                shorten(&self.place())
            )
        };
        ParseError::invalid(self.file, place, message)
    }

    /// The XPath-like place of the open element: `/bom/components/component[3]/name`.
    fn place(&self) -> String {
        place_of(&self.path)
    }

    fn text_outside_root(&self, s: &str) -> Result<(), ParseError> {
        if self.path.is_empty() && !s.trim().is_empty() {
            return Err(self.error(format!(
                "text outside the root element (`{}`): expected only <bom>",
                s.trim().chars().take(40).collect::<String>()
            )));
        }
        Ok(())
    }

    fn push_text(&mut self, s: &str, emitter: &mut Emitter<'_>) {
        let depth = self.path.len();
        let Some((d, buf)) = self.text.as_mut() else {
            return;
        };
        if *d + 1 != depth {
            return;
        }
        if buf.len() + s.len() > MAX_TEXT {
            if !self.text_cut {
                self.text_cut = true;
                emitter.diagnose(
                    self.place(),
                    format!("text longer than {MAX_TEXT} bytes: cut"),
                );
            }
            return;
        }
        buf.push_str(s);
    }

    /// Handles a start tag (and the start half of an empty element).
    fn start(
        &mut self,
        e: &BytesStart<'_>,
        ns: Ns,
        emitter: &mut Emitter<'_>,
    ) -> Result<(), ParseError> {
        let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
        let ns = if self.path.is_empty() {
            self.open_root(&local, ns, emitter)?;
            Ns::Bom
        } else {
            ns
        };
        if self.path.len() >= MAX_DEPTH {
            return Err(self.error(format!(
                "elements nested more than {MAX_DEPTH} levels deep: expected a CycloneDX BOM"
            )));
        }
        let name = match ns {
            Ns::Bom => local,
            Ns::VulnExt => format!("v:{local}"),
            Ns::DependencyGraph => format!("dg:{local}"),
            Ns::Other(_) => format!("?:{local}"),
        };
        let index = match self.path.last_mut() {
            Some(parent) => bump(&mut parent.children, &name),
            None => 1,
        };
        if self.path.len() == 1 {
            self.top_child(&name);
        }
        self.path.push(Elem {
            name,
            index,
            children: Vec::new(),
        });
        // Attribute syntax is checked for every element, values are read on demand.
        for a in e.attributes() {
            a.map_err(|err| self.error(format!("malformed attribute: {err}")))?;
        }
        self.text = None;
        self.open(e, emitter)
    }

    fn open_root(
        &mut self,
        local: &str,
        ns: Ns,
        emitter: &mut Emitter<'_>,
    ) -> Result<(), ParseError> {
        if self.root_done {
            return Err(self.error(format!(
                "a second root element <{local}>: expected a single <bom>"
            )));
        }
        let uri = match &ns {
            Ns::Other(u) => u.clone(),
            _ => String::new(),
        };
        if local != "bom" {
            return Err(self.error(format!(
                "root element <{local}>: expected <bom> in a CycloneDX namespace"
            )));
        }
        let Some(version) = uri.strip_prefix(BOM_NS_PREFIX) else {
            return Err(self.error(format!(
                "<bom> in namespace `{uri}`: expected `{BOM_NS_PREFIX}1.x` (1.0 to 1.7)"
            )));
        };
        let minor = version
            .strip_prefix("1.")
            .and_then(|m| m.parse::<u32>().ok());
        match minor {
            Some(m) if m <= 7 => {}
            Some(_) => emitter.diagnose(
                "/bom",
                format!("CycloneDX namespace version {version} is newer than 1.7: read as 1.7"),
            ),
            None => {
                return Err(self.error(format!(
                    "<bom> in namespace `{uri}`: `{version}` is no CycloneDX version: expected 1.0 to 1.7"
                )));
            }
        }
        self.bom_ns = Some(uri.into_bytes());
        self.root_done = true;
        Ok(())
    }

    /// Notes a child of `<bom>`: anything after `metadata` means metadata can no longer come.
    fn top_child(&mut self, name: &str) {
        if name != "metadata" {
            self.builder.metadata_seen = true;
        }
        self.top_children.push(name.to_string());
    }

    /// The value of attribute `key` (local name), unescaped.
    fn attribute(&self, e: &BytesStart<'_>, key: &str) -> Result<Option<String>, ParseError> {
        for a in e.attributes() {
            let a = a.map_err(|err| self.error(format!("malformed attribute: {err}")))?;
            if a.key.local_name().as_ref() == key.as_bytes() {
                let value = a
                    .decode_and_unescape_value(self.reader.decoder())
                    .map_err(|err| self.error(format!("malformed attribute `{key}`: {err}")))?;
                return Ok(Some(value.into_owned()));
            }
        }
        Ok(None)
    }

    /// Starts collecting the text of the element just opened.
    fn capture(&mut self) {
        self.text = Some((self.path.len() - 1, String::new()));
        self.text_cut = false;
    }

    /// Acts on the element just opened, as [`decide`] says.
    fn open(&mut self, e: &BytesStart<'_>, emitter: &mut Emitter<'_>) -> Result<(), ParseError> {
        let depth = self.path.len() - 1;
        let decision = {
            let names: Vec<&str> = self.path.iter().map(|e| e.name.as_str()).collect();
            decide(&names, self.frames.last().map(|f| (f.depth(), f.kind())))
        };
        match decision {
            Open::Nothing => {}
            Open::Capture => self.capture(),
            Open::Component { root } => {
                let raw = RawComponent {
                    bom_ref: self.attribute(e, "bom-ref")?,
                    component_type: self.attribute(e, "type")?,
                    ..RawComponent::default()
                };
                self.frames.push(Frame::Component {
                    depth,
                    root,
                    raw: Box::new(raw),
                    place: self.place(),
                    hash_alg: None,
                    license: None,
                    vulns: Vec::new(),
                });
            }
            Open::Hash => {
                let alg = self.attribute(e, "alg")?;
                if let Some(Frame::Component { hash_alg, .. }) = self.frames.last_mut() {
                    *hash_alg = alg;
                }
                self.capture();
            }
            Open::License => {
                let place = self.place();
                if let Some(Frame::Component { license, .. }) = self.frames.last_mut() {
                    *license = Some((None, None, place));
                }
            }
            Open::Tool => self.frames.push(Frame::Tool {
                depth,
                name: None,
                version: None,
            }),
            Open::Vulnerability { ext, top_level } => {
                let place = self.place();
                let mut raw = RawVulnerability::default();
                let mut affect_places = Vec::new();
                if !ext {
                    raw.bom_ref = self.attribute(e, "bom-ref")?;
                } else if top_level {
                    // The 1.x extension at the top level: `ref` names the affected component.
                    raw.affects.push(RawAffect {
                        reference: self.attribute(e, "ref")?,
                        versions: Vec::new(),
                    });
                    affect_places.push(place.clone());
                }
                self.frames.push(Frame::Vuln {
                    depth,
                    ext,
                    raw: Box::new(raw),
                    place,
                    affect_places,
                });
            }
            Open::Rating | Open::Target | Open::AffectedVersion | Open::ExtSource => {
                let place = self.place();
                let source = match decision {
                    Open::ExtSource => self.attribute(e, "name")?,
                    _ => None,
                };
                if let Some(Frame::Vuln {
                    raw, affect_places, ..
                }) = self.frames.last_mut()
                {
                    match decision {
                        Open::Rating => raw.ratings.push(RawRating::default()),
                        Open::Target => {
                            raw.affects.push(RawAffect::default());
                            affect_places.push(place);
                        }
                        Open::AffectedVersion => {
                            if let Some(a) = raw.affects.last_mut() {
                                a.versions.push(RawAffectedVersion::default());
                            }
                        }
                        _ => {
                            if source.is_some() {
                                raw.source_name = source;
                            }
                        }
                    }
                }
            }
            Open::Service => {
                let r = self.attribute(e, "bom-ref")?;
                self.builder.add_service_ref(r);
            }
            Open::Dependency => {
                let r = self.attribute(e, "ref")?;
                self.open_dependency(depth, r, emitter);
            }
        }
        Ok(())
    }

    fn open_dependency(&mut self, depth: usize, r: Option<String>, emitter: &mut Emitter<'_>) {
        let r = clean(r);
        let parent = self
            .deps
            .last()
            .filter(|(d, _)| *d + 1 == depth)
            .map(|(_, p)| p.clone());
        match (&parent, &r) {
            (Some(Some(from)), Some(to)) => self.builder.add_edge(from, to),
            (_, None) => emitter.diagnose(
                self.place(),
                "dependency without a ref: skipped (expected `ref`)",
            ),
            _ => {}
        }
        self.deps.push((depth, r));
    }

    /// Handles an end tag (and the end half of an empty element).
    fn end(&mut self, emitter: &mut Emitter<'_>) -> Result<(), ParseError> {
        let Some(depth) = self.path.len().checked_sub(1) else {
            return Err(self.error("an end tag without a start tag"));
        };
        let text = match self.text.take() {
            Some((d, t)) if d == depth => Some(t),
            other => {
                self.text = other;
                None
            }
        };
        if let Some(t) = text {
            self.close_leaf(depth, t, emitter);
        }
        if self.frames.last().is_some_and(|f| f.depth() == depth) {
            self.close_frame(emitter)?;
        } else if let Some(Frame::Component {
            depth: cd,
            license,
            raw,
            ..
        }) = self.frames.last_mut()
        {
            // `licenses/license` closes: keep its id, else its name.
            if depth == *cd + 2
                && self.path.get(depth).is_some_and(|e| e.name == "license")
                && let Some((id, name, place)) = license.take()
            {
                match id.or(name) {
                    Some(l) => raw.licenses.push(l),
                    None => emitter.diagnose(place, "license without id or name: skipped"),
                }
            }
        }
        if self.deps.last().is_some_and(|(d, _)| *d == depth) {
            self.deps.pop();
        }
        if depth == 1 {
            match self.path.get(1).map(|e| e.name.as_str()) {
                Some("metadata") => self.builder.metadata_seen = true,
                Some("components") => self.builder.components_seen = true,
                _ => {}
            }
        }
        self.path.pop();
        Ok(())
    }

    /// Stores the text of a leaf element into the open frame.
    fn close_leaf(&mut self, depth: usize, text: String, emitter: &mut Emitter<'_>) {
        let path = &self.path;
        let Some(frame) = self.frames.last_mut() else {
            return;
        };
        let fd = frame.depth();
        if depth <= fd {
            return;
        }
        let value = clean(Some(text));
        match frame {
            Frame::Component {
                raw,
                hash_alg,
                license,
                ..
            } => {
                let rel: Vec<&str> = path[fd + 1..].iter().map(|e| e.name.as_str()).collect();
                match rel.as_slice() {
                    ["name"] => raw.name = value,
                    ["group"] => raw.group = value,
                    ["version"] => raw.version = value,
                    ["purl"] => raw.purl = value,
                    ["licenses", "expression"] => raw.licenses.extend(value),
                    ["licenses", "license", "id"] => {
                        if let Some(l) = license.as_mut() {
                            l.0 = l.0.take().or(value);
                        }
                    }
                    ["licenses", "license", "name"] => {
                        if let Some(l) = license.as_mut() {
                            l.1 = l.1.take().or(value);
                        }
                    }
                    ["hashes", "hash"] => match clean(hash_alg.take()) {
                        Some(alg) => raw.hashes.push((alg, value.unwrap_or_default())),
                        None => emitter.diagnose(
                            place_of(&path[..=depth]),
                            "hash without an alg attribute: skipped",
                        ),
                    },
                    _ => {}
                }
            }
            Frame::Tool { name, version, .. } => match path.get(fd + 1).map(|e| e.name.as_str()) {
                Some("name") => *name = value,
                Some("version") => *version = value,
                _ => {}
            },
            Frame::Vuln { ext, raw, .. } => {
                let ext = *ext;
                let rel: Vec<&str> = path[fd + 1..]
                    .iter()
                    .map(|e| {
                        if ext {
                            e.name.strip_prefix("v:").unwrap_or(&e.name)
                        } else {
                            e.name.as_str()
                        }
                    })
                    .collect();
                vuln_leaf(raw, &rel, value);
            }
        }
    }

    /// Finishes the record whose element just closed.
    fn close_frame(&mut self, emitter: &mut Emitter<'_>) -> Result<(), ParseError> {
        let Some(frame) = self.frames.pop() else {
            return Ok(());
        };
        match frame {
            Frame::Component {
                root,
                raw,
                place,
                vulns,
                ..
            } => {
                let r = if root {
                    self.builder.set_root(*raw, &place, emitter)
                } else {
                    self.builder.add_component(*raw, &place, emitter)
                };
                for (mut v, vplace) in vulns {
                    match &r {
                        Some(r) => {
                            v.affects = vec![RawAffect {
                                reference: Some(r.clone()),
                                versions: Vec::new(),
                            }];
                            let places = vec![vplace.clone()];
                            let r = self.builder_add(v, vplace, places, emitter);
                            self.sink(r)?;
                        }
                        None => emitter.diagnose(
                            vplace,
                            "vulnerability of a component that could not be read: skipped",
                        ),
                    }
                }
            }
            Frame::Tool { name, version, .. } => self.builder.add_tool(name, version),
            Frame::Vuln {
                ext,
                raw,
                place,
                affect_places,
                ..
            } => {
                // Inside a component, the extension's vulnerability is about that component
                // (its `ref` is often a random id); it is resolved when the component ends.
                if let (true, Some(Frame::Component { vulns, .. })) = (ext, self.frames.last_mut())
                {
                    vulns.push((*raw, place));
                } else {
                    let r = self.builder_add(*raw, place, affect_places, emitter);
                    self.sink(r)?;
                }
            }
        }
        Ok(())
    }

    fn builder_add(
        &mut self,
        v: RawVulnerability,
        place: String,
        places: Vec<String>,
        emitter: &mut Emitter<'_>,
    ) -> Result<(), String> {
        self.builder.add_vulnerability(v, place, places, emitter)
    }

    fn sink(&self, r: Result<(), String>) -> Result<(), ParseError> {
        r.map_err(|message| ParseError::Sink {
            file: self.file.to_string(),
            message,
        })
    }
}

/// What an element that just opened starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    Nothing,
    /// A leaf whose text the open frame keeps.
    Capture,
    Component {
        root: bool,
    },
    Hash,
    License,
    Tool,
    Vulnerability {
        ext: bool,
        top_level: bool,
    },
    Rating,
    Target,
    AffectedVersion,
    /// `v:source` of the 1.0 extension (its name is an attribute).
    ExtSource,
    Service,
    Dependency,
}

/// Decides what the element at the end of `names` (the open path) starts, given the
/// innermost open frame `(depth, kind)`. Paths are matched relative to the frame, so the
/// fields of nested records never mix.
fn decide(names: &[&str], frame: Option<(usize, FrameKind)>) -> Open {
    if let Some((fd, kind)) = frame {
        let rel = names.get(fd + 1..).unwrap_or_default();
        return match kind {
            FrameKind::Component => decide_in_component(rel),
            FrameKind::Tool => match rel {
                ["name" | "version"] => Open::Capture,
                _ => Open::Nothing,
            },
            FrameKind::Vuln { ext } => {
                let rel: Vec<&str> = rel
                    .iter()
                    .map(|n| {
                        if ext {
                            n.strip_prefix("v:").unwrap_or(n)
                        } else {
                            n
                        }
                    })
                    .collect();
                decide_in_vulnerability(&rel)
            }
        };
    }
    match names {
        ["bom", "metadata", "component"] => Open::Component { root: true },
        ["bom", "components", "component"] => Open::Component { root: false },
        ["bom", "metadata", "tools", "tool"]
        | ["bom", "metadata", "tools", "components", "component"]
        | ["bom", "metadata", "tools", "services", "service"] => Open::Tool,
        ["bom", "vulnerabilities", "vulnerability"] => Open::Vulnerability {
            ext: false,
            top_level: true,
        },
        ["bom", "v:vulnerabilities", "v:vulnerability"] => Open::Vulnerability {
            ext: true,
            top_level: true,
        },
        ["bom", "services", .., "service"] => Open::Service,
        ["bom", "dependencies" | "dg:dependencies", rest @ ..]
            if !rest.is_empty()
                && rest
                    .iter()
                    .all(|n| *n == "dependency" || *n == "dg:dependency") =>
        {
            Open::Dependency
        }
        _ => Open::Nothing,
    }
}

fn decide_in_component(rel: &[&str]) -> Open {
    match rel {
        ["components", "component"] => Open::Component { root: false },
        ["v:vulnerabilities", "v:vulnerability"] => Open::Vulnerability {
            ext: true,
            top_level: false,
        },
        ["name" | "group" | "version" | "purl"]
        | ["licenses", "expression"]
        | ["licenses", "license", "id" | "name"] => Open::Capture,
        ["hashes", "hash"] => Open::Hash,
        ["licenses", "license"] => Open::License,
        _ => Open::Nothing,
    }
}

fn decide_in_vulnerability(rel: &[&str]) -> Open {
    match rel {
        ["ratings", "rating"] => Open::Rating,
        ["affects", "target"] => Open::Target,
        ["affects", "target", "versions", "version"] => Open::AffectedVersion,
        ["source"] => Open::ExtSource,
        ["id"]
        | ["source", "name" | "url"]
        | ["references", "reference", "id"]
        | [
            "ratings",
            "rating",
            "score" | "severity" | "method" | "vector",
        ]
        | ["ratings", "rating", "score", "base"]
        | ["ratings", "rating", "source", "name"]
        | ["cwes", "cwe"]
        | ["description" | "detail" | "recommendation" | "workaround"]
        | ["recommendations", "recommendation"]
        | ["advisories", "advisory"]
        | ["advisories", "advisory", "url"]
        | ["analysis", "state" | "justification" | "detail"]
        | ["analysis", "responses", "response"]
        | ["affects", "target", "ref"]
        | [
            "affects",
            "target",
            "versions",
            "version",
            "version" | "range" | "status",
        ] => Open::Capture,
        _ => Open::Nothing,
    }
}

/// Stores one leaf of a vulnerability (1.4+ or the 1.0 extension, prefixes stripped).
fn vuln_leaf(raw: &mut RawVulnerability, rel: &[&str], value: Option<String>) {
    match rel {
        ["id"] => raw.id = value,
        ["source", "name"] => raw.source_name = value,
        ["source", "url"] => raw.source_url = value,
        ["references", "reference", "id"] => raw.aliases.extend(value),
        ["ratings", "rating", field @ ..] => {
            let Some(r) = raw.ratings.last_mut() else {
                return;
            };
            match field {
                ["score"] | ["score", "base"] => r.score = r.score.take().or(value),
                ["severity"] => r.severity = value,
                ["method"] => r.method = value,
                ["vector"] => r.vector = value,
                ["source", "name"] => r.source = value,
                _ => {}
            }
        }
        ["cwes", "cwe"] => raw.cwes.extend(value),
        ["description"] => raw.description = value,
        ["detail"] => raw.detail = value,
        ["recommendation"] => raw.recommendation = value,
        ["recommendations", "recommendation"] => {
            raw.recommendation = match (raw.recommendation.take(), value) {
                (Some(a), Some(b)) => Some(format!("{a}\n{b}")),
                (a, b) => a.or(b),
            }
        }
        ["workaround"] => raw.workaround = value,
        ["advisories", "advisory"] | ["advisories", "advisory", "url"] => {
            raw.advisories.extend(value)
        }
        ["analysis", "state"] => raw.analysis.state = value,
        ["analysis", "justification"] => raw.analysis.justification = value,
        ["analysis", "detail"] => raw.analysis.detail = value,
        ["analysis", "responses", "response"] => raw.analysis.responses.extend(value),
        ["affects", "target", "ref"] => {
            if let Some(a) = raw.affects.last_mut() {
                a.reference = value;
            }
        }
        ["affects", "target", "versions", "version", field] => {
            let Some(v) = raw.affects.last_mut().and_then(|a| a.versions.last_mut()) else {
                return;
            };
            match *field {
                "version" => v.version = value,
                "range" => v.range = value,
                "status" => v.status = value,
                _ => {}
            }
        }
        _ => {}
    }
}

/// The XPath-like place of the last element of `path`: `/bom/components/component[3]/name`.
fn place_of(path: &[Elem]) -> String {
    let mut s = String::new();
    for e in path {
        s.push('/');
        s.push_str(&e.name);
        if e.index > 1 || is_list_item(&e.name) {
            s.push('[');
            s.push_str(&e.index.to_string());
            s.push(']');
        }
    }
    s
}

/// Cuts the middle out of a very deep path so that an error message stays readable.
fn shorten(place: &str) -> String {
    let parts: Vec<&str> = place.split('/').collect();
    if parts.len() <= 16 {
        return place.to_string();
    }
    let head = parts[..8].join("/");
    let tail = parts[parts.len() - 6..].join("/");
    format!("{head}/...({} more)/{tail}", parts.len() - 14)
}

/// Element names shown with their index in places even when first.
fn is_list_item(name: &str) -> bool {
    matches!(
        name,
        "component"
            | "vulnerability"
            | "v:vulnerability"
            | "target"
            | "dependency"
            | "tool"
            | "service"
    )
}

/// Increments the count of `name` among `children` and returns it.
fn bump(children: &mut Vec<(String, usize)>, name: &str) -> usize {
    match children.iter_mut().find(|(n, _)| n == name) {
        Some((_, c)) => {
            *c += 1;
            *c
        }
        None => {
            children.push((name.to_string(), 1));
            1
        }
    }
}

/// The namespace of an element, relative to the BOM's.
enum Ns {
    Bom,
    VulnExt,
    DependencyGraph,
    Other(String),
}

fn classify(r: &ResolveResult<'_>, bom_ns: Option<&[u8]>) -> Ns {
    match r {
        ResolveResult::Bound(ns) => {
            let uri = ns.as_ref();
            if Some(uri) == bom_ns {
                Ns::Bom
            } else if uri == VULN_EXT_NS {
                Ns::VulnExt
            } else if uri.starts_with(DG_EXT_NS_PREFIX) {
                Ns::DependencyGraph
            } else {
                Ns::Other(String::from_utf8_lossy(uri).into_owned())
            }
        }
        ResolveResult::Unbound | ResolveResult::Unknown(_) => Ns::Other(String::new()),
    }
}
