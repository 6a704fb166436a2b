//! Exploitation facts about a vulnerability, found through its alias group: the EPSS score
//! (FIRST's probability of exploitation in the next 30 days) and CISA's Known Exploited
//! Vulnerabilities catalog entry. Both are keyed by CVE; a GHSA-only advisory gets them from
//! the CVE of its alias group.

use serde::{Deserialize, Serialize};

/// One CVE's EPSS score on one day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpssScore {
    /// The CVE the score is for.
    pub cve: String,
    /// Probability of exploitation activity in the next 30 days, 0–1.
    pub probability: f64,
    /// The score's percentile among all scored CVEs, 0–1.
    pub percentile: f64,
    /// The day the scores were computed (`score_date` of the feed's header line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_date: Option<String>,
    /// The EPSS model version (`model_version` of the header line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_version: Option<String>,
}

/// A CVE's entry in CISA's Known Exploited Vulnerabilities catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KevFacts {
    /// The CVE.
    pub cve: String,
    /// Vendor or project.
    pub vendor_project: String,
    /// Product.
    pub product: String,
    /// CISA's name for the vulnerability.
    pub name: String,
    /// When CISA added it (`YYYY-MM-DD`).
    pub date_added: String,
    /// When US federal agencies must have remediated it (`YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    /// Whether it is known to be used in ransomware campaigns (`knownRansomwareCampaignUse`
    /// is `Known`).
    pub known_ransomware_campaign_use: bool,
    /// The action CISA requires.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub required_action: String,
}

/// What is known about the exploitation of a vulnerability (of its whole alias group).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VulnIntel {
    /// The highest EPSS score among the group's CVEs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epss: Option<EpssScore>,
    /// The group's KEV entry (the earliest added, when several CVEs are listed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kev: Option<KevFacts>,
}

impl VulnIntel {
    /// Whether nothing is known.
    pub fn is_empty(&self) -> bool {
        self.epss.is_none() && self.kev.is_none()
    }

    /// Folds in the facts of another CVE of the same group: the higher EPSS probability, the
    /// earlier KEV entry.
    pub fn merge(&mut self, other: VulnIntel) {
        if let Some(e) = other.epss
            && self
                .epss
                .as_ref()
                .is_none_or(|s| e.probability > s.probability)
        {
            self.epss = Some(e);
        }
        if let Some(k) = other.kev
            && self
                .kev
                .as_ref()
                .is_none_or(|s| k.date_added < s.date_added)
        {
            self.kev = Some(k);
        }
    }
}
