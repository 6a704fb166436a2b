//! Assembles an [`Inventory`] from the records both readers produce, resolves dependency and
//! `affects` references, and turns vulnerabilities into observations as soon as their
//! references can be resolved.

use super::purl;
use super::raw::{RawComponent, RawVulnerability, clean};
use super::vex;
use crate::emit::{Emitter, ParseOutcome};
use rampart_model::{
    Component, DependencyEdge, Inventory, Location, PackageLocation, ToolInfo, ToolKind,
};
use std::collections::{HashMap, HashSet};

/// Where a `bom-ref` points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// `metadata.component`.
    Root,
    /// `components[i]` of the flattened list.
    Component(usize),
}

/// A vulnerability held back until the references it names can be resolved.
struct Pending {
    vuln: RawVulnerability,
    place: String,
    affect_places: Vec<String>,
}

/// Collects one BOM's components, edges, tools and vulnerabilities.
pub(crate) struct BomBuilder {
    root: Option<Component>,
    components: Vec<Component>,
    by_ref: HashMap<String, Slot>,
    by_purl: HashMap<String, Slot>,
    raw_edges: Vec<(String, String)>,
    service_refs: HashSet<String>,
    ref_suffixes: HashMap<String, u64>,
    tools: Vec<ToolInfo>,
    pending: Vec<Pending>,
    /// Set when `metadata` was read (or can no longer come): tools are known.
    pub metadata_seen: bool,
    /// Set when the top-level `components` were read: every `bom-ref` is known.
    pub components_seen: bool,
}

impl BomBuilder {
    /// An empty builder.
    pub fn new() -> BomBuilder {
        BomBuilder {
            root: None,
            components: Vec::new(),
            by_ref: HashMap::new(),
            by_purl: HashMap::new(),
            raw_edges: Vec::new(),
            service_refs: HashSet::new(),
            ref_suffixes: HashMap::new(),
            tools: Vec::new(),
            pending: Vec::new(),
            metadata_seen: false,
            components_seen: false,
        }
    }

    /// Records a tool from `metadata.tools` (both the 1.4 and the 1.5+ shapes).
    pub fn add_tool(&mut self, name: Option<String>, version: Option<String>) {
        let Some(name) = clean(name) else { return };
        let name = name.to_ascii_lowercase();
        if !self.tools.iter().any(|t| t.name == name) {
            self.tools.push(ToolInfo {
                name,
                version: clean(version),
            });
        }
    }

    /// The tool observations are attributed to: the first one `metadata.tools` names, else
    /// `cyclonedx`.
    fn tool(&self) -> ToolInfo {
        self.tools.first().cloned().unwrap_or_else(|| ToolInfo {
            name: "cyclonedx".into(),
            version: None,
        })
    }

    /// Adds `metadata.component`. Returns its `bom-ref`.
    pub fn set_root(
        &mut self,
        raw: RawComponent,
        place: &str,
        emitter: &mut Emitter<'_>,
    ) -> Option<String> {
        let c = self.component(raw, place, emitter)?;
        let r = c.bom_ref.clone();
        self.index(&c, Slot::Root, place, emitter);
        self.root = Some(c);
        Some(r)
    }

    /// Adds one inventory component (nested ones are added one by one by the readers).
    /// Returns its `bom-ref`, or `None` when the record was unusable (diagnosed).
    pub fn add_component(
        &mut self,
        raw: RawComponent,
        place: &str,
        emitter: &mut Emitter<'_>,
    ) -> Option<String> {
        let c = self.component(raw, place, emitter)?;
        let r = c.bom_ref.clone();
        self.index(&c, Slot::Component(self.components.len()), place, emitter);
        self.components.push(c);
        Some(r)
    }

    fn index(&mut self, c: &Component, slot: Slot, place: &str, emitter: &mut Emitter<'_>) {
        if self.by_ref.contains_key(&c.bom_ref) {
            emitter.diagnose(
                place,
                format!(
                    "duplicate bom-ref `{}`: the component is kept, references resolve to the first one",
                    c.bom_ref
                ),
            );
        } else {
            self.by_ref.insert(c.bom_ref.clone(), slot);
        }
        if let Some(p) = &c.purl {
            self.by_purl.entry(p.clone()).or_insert(slot);
        }
    }

    /// Builds a model component: joins the group into the name, generates a `bom-ref` when
    /// there is none, formats hashes as `ALG:hex`.
    fn component(
        &mut self,
        raw: RawComponent,
        place: &str,
        emitter: &mut Emitter<'_>,
    ) -> Option<Component> {
        let purl_text = clean(raw.purl);
        let parsed = purl_text.as_deref().and_then(purl::parse);
        let Some(name) = clean(raw.name) else {
            emitter.diagnose(
                place,
                "component without a name: skipped (expected `name`)".to_string(),
            );
            return None;
        };
        let name = match (&parsed, clean(raw.group)) {
            // No group, but the purl has the namespace (Syft and Grype write Maven so).
            (Some(p), None) if p.namespace.is_some() && p.name.eq_ignore_ascii_case(&name) => {
                p.display_name()
            }
            (p, group) => {
                purl::join_group(p.as_ref().map(|p| p.ty.as_str()), group.as_deref(), &name)
            }
        };
        let version = clean(raw.version);
        let bom_ref = match clean(raw.bom_ref.clone()) {
            Some(r) => r,
            None => {
                if raw.bom_ref.is_some() {
                    emitter.diagnose(place, "empty bom-ref: a reference was generated");
                }
                self.generate_ref(purl_text.as_deref(), &name, version.as_deref())
            }
        };
        let mut licenses: Vec<String> = Vec::new();
        for l in raw.licenses {
            let l = l.trim().to_string();
            if !l.is_empty() && !licenses.contains(&l) {
                licenses.push(l);
            }
        }
        let mut hashes = Vec::new();
        for (alg, content) in raw.hashes {
            let content = content.trim();
            if content.is_empty() || !content.bytes().all(|b| b.is_ascii_hexdigit()) {
                emitter.diagnose(
                    place,
                    format!("hash {alg} `{content}` is not hexadecimal: dropped"),
                );
                continue;
            }
            hashes.push(format!(
                "{}:{}",
                alg.trim().to_ascii_uppercase(),
                content.to_ascii_lowercase()
            ));
        }
        Some(Component {
            bom_ref,
            name,
            version,
            purl: purl_text,
            component_type: clean(raw.component_type),
            licenses,
            hashes,
        })
    }

    /// A stable reference for a component without one: its purl, else `name@version`, made
    /// unique with `#2`, `#3` ... when two components would share it.
    fn generate_ref(&mut self, purl: Option<&str>, name: &str, version: Option<&str>) -> String {
        let base = match (purl, version) {
            (Some(p), _) => p.to_string(),
            (None, Some(v)) => format!("{name}@{v}"),
            (None, None) => name.to_string(),
        };
        if !self.by_ref.contains_key(&base) {
            return base;
        }
        // Remember where the suffixes of `base` stopped, so that many equal components do
        // not make this quadratic.
        let next = self.ref_suffixes.entry(base.clone()).or_insert(1);
        loop {
            *next += 1;
            let candidate = format!("{base}#{next}");
            if !self.by_ref.contains_key(&candidate) {
                return candidate;
            }
        }
    }

    /// Records the `bom-ref` of a service: edges to services are not part of the component
    /// inventory and are left out without a diagnostic.
    pub fn add_service_ref(&mut self, r: Option<String>) {
        if let Some(r) = clean(r) {
            self.service_refs.insert(r);
        }
    }

    /// Records `from` depends on `to`; resolved when the document ends.
    pub fn add_edge(&mut self, from: &str, to: &str) {
        self.raw_edges
            .push((from.trim().to_string(), to.trim().to_string()));
    }

    /// The slot a reference names: a `bom-ref`, a component's purl, or the fragment of a
    /// BOM-Link (`urn:cdx:serial/version#bom-ref`).
    fn resolve(&self, r: &str) -> Option<Slot> {
        if let Some(s) = self.by_ref.get(r).or_else(|| self.by_purl.get(r)) {
            return Some(*s);
        }
        let frag = bom_link_fragment(r)?;
        self.by_ref
            .get(&frag)
            .or_else(|| self.by_purl.get(&frag))
            .copied()
    }

    fn slot_component(&self, s: Slot) -> Option<&Component> {
        match s {
            Slot::Root => self.root.as_ref(),
            Slot::Component(i) => self.components.get(i),
        }
    }

    /// Whether `r` can be given a location now that will not change when more components
    /// arrive: it resolves, or it is a purl (possibly inside a BOM-Link).
    fn settled(&self, r: &str) -> bool {
        if self.resolve(r).is_some() {
            return true;
        }
        let target = bom_link_fragment(r).unwrap_or_else(|| r.to_string());
        purl::parse(&target).is_some()
    }

    /// Takes one vulnerability: emits its observations now when its references are settled
    /// (the usual order: metadata, components, then vulnerabilities), else holds it until
    /// [`BomBuilder::finish`]. `affect_places[j]` is the place of `affects[j]`.
    pub fn add_vulnerability(
        &mut self,
        vuln: RawVulnerability,
        place: String,
        affect_places: Vec<String>,
        emitter: &mut Emitter<'_>,
    ) -> Result<(), String> {
        let ready = self.metadata_seen
            && (self.components_seen
                || vuln
                    .affects
                    .iter()
                    .all(|a| a.reference.as_deref().is_some_and(|r| self.settled(r))));
        if ready {
            self.emit_vulnerability(&vuln, &place, &affect_places, emitter)
        } else {
            self.pending.push(Pending {
                vuln,
                place,
                affect_places,
            });
            Ok(())
        }
    }

    fn emit_vulnerability(
        &self,
        vuln: &RawVulnerability,
        place: &str,
        affect_places: &[String],
        emitter: &mut Emitter<'_>,
    ) -> Result<(), String> {
        if clean(vuln.id.clone()).is_none() {
            emitter.diagnose(
                place,
                "vulnerability without an id: skipped (expected `id`)",
            );
            return Ok(());
        }
        let tool = self.tool();
        if vuln.affects.is_empty() {
            let location = self.unattached_location(vuln);
            let obs = vex::observation(vuln, None, location, &tool, place.to_string());
            return emitter.emit(obs);
        }
        for (j, affect) in vuln.affects.iter().enumerate() {
            let at = affect_places
                .get(j)
                .cloned()
                .unwrap_or_else(|| format!("{place}/affects/{j}"));
            let Some(r) = clean(affect.reference.clone()) else {
                emitter.diagnose(&at, "affects entry without a ref: skipped (expected `ref`)");
                continue;
            };
            let location = self.locate(&r, &at, emitter);
            let obs = vex::observation(vuln, Some(affect), location, &tool, at);
            emitter.emit(obs)?;
        }
        Ok(())
    }

    /// The location of a vulnerability that names no affected component: its own `bom-ref`
    /// when that is a purl (JFrog Xray writes it so), else the BOM's subject
    /// (`metadata.component`), else none.
    fn unattached_location(&self, vuln: &RawVulnerability) -> Location {
        if let Some(p) = vuln.bom_ref.as_deref().and_then(purl_location) {
            return p;
        }
        match &self.root {
            Some(c) => component_location(c),
            None => Location::None,
        }
    }

    /// The package an `affects` reference names.
    fn locate(&self, r: &str, place: &str, emitter: &mut Emitter<'_>) -> Location {
        if let Some(c) = self.resolve(r).and_then(|s| self.slot_component(s)) {
            return component_location(c);
        }
        let fragment = bom_link_fragment(r);
        let target = fragment.clone().unwrap_or_else(|| r.to_string());
        if let Some(loc) = purl_location(&target) {
            return loc;
        }
        if fragment.is_none() {
            emitter.diagnose(
                place,
                format!("affects ref `{r}` names no component of this BOM: kept as a package name"),
            );
        }
        Location::Package(PackageLocation {
            name: target,
            ..PackageLocation::default()
        })
    }

    /// Resolves the held vulnerabilities and the dependency edges, and returns the outcome.
    pub fn finish(mut self, emitter: &mut Emitter<'_>) -> Result<ParseOutcome, String> {
        self.metadata_seen = true;
        self.components_seen = true;
        for p in std::mem::take(&mut self.pending) {
            self.emit_vulnerability(&p.vuln, &p.place, &p.affect_places, emitter)?;
        }
        let edges = self.resolve_edges(emitter);
        let tools = if self.tools.is_empty() {
            vec![self.tool()]
        } else {
            std::mem::take(&mut self.tools)
        };
        Ok(ParseOutcome {
            tools,
            tool_kind: Some(ToolKind::Sbom),
            inventory: Some(Inventory {
                root: self.root,
                components: self.components,
                edges,
            }),
            ..ParseOutcome::default()
        })
    }

    /// Keeps the edges whose both ends are components (or the root), once each.
    fn resolve_edges(&mut self, emitter: &mut Emitter<'_>) -> Vec<DependencyEdge> {
        let mut seen = HashSet::new();
        let mut edges = Vec::new();
        let mut dropped = 0usize;
        let mut example = None;
        for (from, to) in std::mem::take(&mut self.raw_edges) {
            let f = self.resolve(&from).and_then(|s| self.slot_component(s));
            let t = self.resolve(&to).and_then(|s| self.slot_component(s));
            match (f, t) {
                (Some(f), Some(t)) => {
                    let key = (f.bom_ref.clone(), t.bom_ref.clone());
                    if seen.insert(key.clone()) {
                        edges.push(DependencyEdge {
                            from: key.0,
                            to: key.1,
                        });
                    }
                }
                _ if self.service_refs.contains(&from) || self.service_refs.contains(&to) => {}
                _ => {
                    dropped += 1;
                    example.get_or_insert((from, to));
                }
            }
        }
        if let Some((from, to)) = example {
            emitter.diagnose(
                "/dependencies",
                format!(
                    "{dropped} dependency edge(s) name a ref that is no component of this BOM: \
                     dropped, e.g. `{from}` -> `{to}`"
                ),
            );
        }
        edges
    }
}

/// The fragment of a BOM-Link (`urn:cdx:<serial>/<version>#<bom-ref>`, also written with
/// `urn:uuid:`), percent-decoded.
fn bom_link_fragment(r: &str) -> Option<String> {
    if !r.starts_with("urn:") {
        return None;
    }
    let (_, frag) = r.split_once('#')?;
    let frag = purl::decode(frag.trim());
    (!frag.is_empty()).then_some(frag)
}

/// A package location from a purl (with version when it has one).
fn purl_location(s: &str) -> Option<Location> {
    let p = purl::parse(s)?;
    Some(Location::Package(PackageLocation {
        purl: Some(s.trim().to_string()),
        ecosystem: Some(p.ty.clone()),
        name: p.display_name(),
        version: p.version,
        ..PackageLocation::default()
    }))
}

/// A package location from an inventory component.
fn component_location(c: &Component) -> Location {
    let ecosystem = c.purl.as_deref().and_then(purl::parse).map(|p| p.ty);
    Location::Package(PackageLocation {
        purl: c.purl.clone(),
        ecosystem,
        name: c.name.clone(),
        version: c.version.clone(),
        ..PackageLocation::default()
    })
}
