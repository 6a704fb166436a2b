//! What a parser is given (context) and where it puts what it finds (the emitter).

use crate::detect::Format;
use rampart_model::{Inventory, Observation, ToolInfo, ToolKind};

/// What a parser needs to know besides the bytes.
#[derive(Debug, Clone)]
pub struct ParseContext {
    /// The file's name as the user gave it; every error names it.
    pub file_name: String,
    /// The installation's key for HMAC-ing secret values (see [`crate::secret`]).
    pub secret_key: Vec<u8>,
}

impl ParseContext {
    /// A context for `file_name` with the given secret key.
    pub fn new(file_name: impl Into<String>, secret_key: impl Into<Vec<u8>>) -> Self {
        ParseContext {
            file_name: file_name.into(),
            secret_key: secret_key.into(),
        }
    }
}

/// A problem with one record that did not stop the parse (the record was skipped or
/// degraded, and this says which and why).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// Where in the report (JSON pointer or XML path).
    pub place: String,
    /// What was wrong.
    pub message: String,
}

/// What a parse produced besides the observations it emitted.
#[derive(Debug, Clone, Default)]
pub struct ParseOutcome {
    /// The format that was parsed.
    pub format: Option<Format>,
    /// The tools that wrote the report (SARIF may hold several runs), in report order.
    /// Present even when the report has no results, so that a clean rescan fixes issues.
    pub tools: Vec<ToolInfo>,
    /// The class of tool, when the format tells.
    pub tool_kind: Option<ToolKind>,
    /// Observations emitted.
    pub observations: u64,
    /// Records skipped or degraded, with the reason.
    pub diagnostics: Vec<Diagnostic>,
    /// The inventory, for SBOMs.
    pub inventory: Option<Inventory>,
}

impl ParseOutcome {
    /// Records `tool` unless a tool of that name is already listed.
    pub fn add_tool(&mut self, tool: ToolInfo) {
        if !self.tools.iter().any(|t| t.name == tool.name) {
            self.tools.push(tool);
        }
    }
}

/// Receives observations from a parser, one at a time, and counts them.
pub struct Emitter<'a> {
    sink: &'a mut dyn FnMut(Observation) -> Result<(), String>,
    count: u64,
    diagnostics: Vec<Diagnostic>,
    sink_error: Option<String>,
}

impl<'a> Emitter<'a> {
    /// An emitter that hands each observation to `sink`. A sink error stops the parse.
    pub fn new(sink: &'a mut dyn FnMut(Observation) -> Result<(), String>) -> Self {
        Emitter {
            sink,
            count: 0,
            diagnostics: Vec::new(),
            sink_error: None,
        }
    }

    /// Hands one observation on. On error, the parser must stop and return it.
    /// A credential that a code finding quotes in its message is scrubbed here, whatever the
    /// format ([`crate::secret::scrub_quoted_credential`]).
    pub fn emit(&mut self, mut obs: Observation) -> Result<(), String> {
        if let Some(e) = &self.sink_error {
            return Err(e.clone());
        }
        crate::secret::scrub_quoted_credential(&mut obs);
        match (self.sink)(obs) {
            Ok(()) => {
                self.count += 1;
                Ok(())
            }
            Err(e) => {
                self.sink_error = Some(e.clone());
                Err(e)
            }
        }
    }

    /// Records a problem with one record that did not stop the parse.
    pub fn diagnose(&mut self, place: impl Into<String>, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic {
            place: place.into(),
            message: message.into(),
        });
    }

    /// Observations emitted so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The sink's error, if it failed.
    pub fn sink_error(&self) -> Option<&str> {
        self.sink_error.as_deref()
    }

    /// Moves the count and diagnostics into `outcome`.
    pub fn finish_into(&mut self, outcome: &mut ParseOutcome) {
        outcome.observations = self.count;
        outcome.diagnostics.append(&mut self.diagnostics);
    }
}
