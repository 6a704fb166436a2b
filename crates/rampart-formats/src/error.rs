//! The one error type of this crate: every variant names the file, the place and what was expected.

use thiserror::Error;

/// Why a report could not be parsed. Every message names the file; `Invalid` also names the
/// place (a JSON pointer and/or line and column, or an XML path) and what was expected.
#[derive(Debug, Error)]
pub enum ParseError {
    /// The file holds no bytes (or only white space).
    #[error("{file}: the file is empty: expected a report")]
    Empty {
        /// File name.
        file: String,
    },
    /// The content is not a format Rampart knows.
    #[error("{file}: unknown report format: {hint}")]
    UnknownFormat {
        /// File name.
        file: String,
        /// What was seen and what was expected.
        hint: String,
    },
    /// The content is malformed or does not follow its format.
    #[error("{file}: {place}: {message}")]
    Invalid {
        /// File name.
        file: String,
        /// Where: JSON pointer and/or `line L, column C`, or an XML path.
        place: String,
        /// What was wrong, and what was expected.
        message: String,
    },
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// File name.
        file: String,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// The consumer of the observations failed (for example the database); parsing stopped.
    #[error("{file}: ingest stopped: {message}")]
    Sink {
        /// File name.
        file: String,
        /// The consumer's error.
        message: String,
    },
}

impl ParseError {
    /// A malformed-content error.
    pub fn invalid(file: &str, place: impl Into<String>, message: impl Into<String>) -> Self {
        ParseError::Invalid {
            file: file.to_string(),
            place: place.into(),
            message: message.into(),
        }
    }
}
