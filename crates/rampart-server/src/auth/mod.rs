//! Authentication (API tokens, browser sessions) and the caller every handler receives.

use rampart_model::{Role, TeamScope};

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// User name, or `token:<id>` for an API token.
    pub subject: String,
    /// What the caller may do.
    pub role: Role,
    /// What the caller may see; passed to every store read.
    pub scope: TeamScope,
}
