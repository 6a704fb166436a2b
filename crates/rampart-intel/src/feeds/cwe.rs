//! MITRE's CWE catalog (`cwec_vX.Y.xml`): every weakness, category and view with its id, name
//! and, for weaknesses, abstraction, status and primary parent in the research view (1000).
//! Streamed with quick-xml; only the element attributes and `Related_Weakness` are read.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::FeedError;

/// What a catalog entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CweKind {
    /// A weakness (`<Weakness>`).
    Weakness,
    /// A category grouping weaknesses (`<Category>`).
    Category,
    /// A view (`<View>`).
    View,
}

impl CweKind {
    /// Lower-case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            CweKind::Weakness => "weakness",
            CweKind::Category => "category",
            CweKind::View => "view",
        }
    }
}

/// One catalog entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CweEntry {
    /// The number (`79` for CWE-79).
    pub id: u32,
    /// Its name.
    pub name: String,
    /// Weakness, category or view.
    pub kind: CweKind,
    /// `Pillar`, `Class`, `Base`, `Variant` (weaknesses only).
    pub abstraction: Option<String>,
    /// `Stable`, `Draft`, `Incomplete`, `Deprecated` ...
    pub status: Option<String>,
    /// The primary `ChildOf` parent in the research view 1000 (weaknesses only).
    pub parent: Option<u32>,
}

/// The catalog as read.
#[derive(Debug, Clone, Default)]
pub struct CweCatalog {
    /// The catalog's `Version` attribute.
    pub version: Option<String>,
    /// Entries in file order.
    pub entries: Vec<CweEntry>,
}

fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

/// Reads the catalog XML.
pub fn parse(bytes: &[u8]) -> Result<CweCatalog, FeedError> {
    let mut reader = Reader::from_reader(bytes);
    let mut buf = Vec::new();
    let mut out = CweCatalog::default();
    let mut saw_root = false;
    // Position in `out.entries` of the weakness being read.
    let mut open_weakness: Option<usize> = None;
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| FeedError::Xml {
                position: reader.buffer_position(),
                message: e.to_string(),
            })?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let is_start = matches!(event, Event::Start(_));
                let local = e.local_name();
                match local.as_ref() {
                    b"Weakness_Catalog" => {
                        saw_root = true;
                        out.version = attr(e, b"Version");
                    }
                    tag @ (b"Weakness" | b"Category" | b"View") => {
                        let kind = match tag {
                            b"Weakness" => CweKind::Weakness,
                            b"Category" => CweKind::Category,
                            _ => CweKind::View,
                        };
                        let id = attr(e, b"ID").and_then(|v| v.trim().parse::<u32>().ok());
                        if let Some(id) = id {
                            out.entries.push(CweEntry {
                                id,
                                name: attr(e, b"Name").unwrap_or_default(),
                                kind,
                                abstraction: attr(e, b"Abstraction"),
                                status: attr(e, b"Status"),
                                parent: None,
                            });
                            if kind == CweKind::Weakness && is_start {
                                open_weakness = Some(out.entries.len() - 1);
                            }
                        }
                    }
                    b"Related_Weakness" => {
                        if let Some(i) = open_weakness {
                            let primary = attr(e, b"Nature").as_deref() == Some("ChildOf")
                                && attr(e, b"View_ID").as_deref() == Some("1000")
                                && attr(e, b"Ordinal").as_deref() == Some("Primary");
                            if primary {
                                let parent = attr(e, b"CWE_ID").and_then(|v| v.parse().ok());
                                if let Some(entry) = out.entries.get_mut(i) {
                                    entry.parent = parent;
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            Event::End(ref e) if e.local_name().as_ref() == b"Weakness" => open_weakness = None,
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !saw_root {
        return Err(FeedError::Xml {
            position: 0,
            message: "expected a <Weakness_Catalog> root element".into(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_entries() {
        let c = parse(br#"<Weakness_Catalog Version="4.14"><Weaknesses><Weakness ID="79" Name="XSS" Abstraction="Base" Status="Stable"><Related_Weaknesses><Related_Weakness Nature="ChildOf" CWE_ID="74" View_ID="1000" Ordinal="Primary"/></Related_Weaknesses></Weakness></Weaknesses><Categories><Category ID="2" Name="C"/></Categories></Weakness_Catalog>"#).unwrap();
        assert_eq!(c.version.as_deref(), Some("4.14"));
        assert_eq!(c.entries.len(), 2);
        assert_eq!(c.entries[0].parent, Some(74));
        assert!(parse(b"<a><b></a>").is_err());
        assert!(parse(b"<root/>").is_err());
    }
}
