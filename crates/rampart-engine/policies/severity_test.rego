package rampart.severity_test

import data.rampart.severity

fixable_critical := {
	"active": true,
	"secret": false,
	"severity": "critical",
	"severity_level": 4,
	"title": "CVE-2022-42889 in commons-text",
	"vulnerability_ids": ["CVE-2022-42889"],
	"location": {"display": "pkg:maven/org.apache.commons/commons-text@1.9"},
	"fix_versions": ["1.10.0"],
}

low_risk := {"score": 30, "decision": "Track", "factors": []}

test_fixable_critical_is_denied if {
	some r in severity.deny with input as {"issue": fixable_critical, "risk": low_risk}
	r.policy == "no-fixable-critical"
	contains(r.msg, "1.10.0")
}

test_critical_without_fix_only_warns if {
	issue := object.union(fixable_critical, {"fix_versions": []})
	count(severity.deny) == 0 with input as {"issue": issue, "risk": low_risk}
	count(severity.warn) == 1 with input as {"issue": issue, "risk": low_risk}
}

test_act_now_risk_is_denied if {
	issue := object.union(fixable_critical, {"severity": "medium", "severity_level": 2, "fix_versions": []})
	risk := {"score": 91, "decision": "Act", "factors": [{"name": "kev", "evidence": "CISA KEV", "contribution": 25}]}
	some r in severity.deny with input as {"issue": issue, "risk": risk}
	r.policy == "no-act-now-risk"
	contains(r.msg, "kev")
}

test_medium_is_quiet if {
	issue := object.union(fixable_critical, {"severity": "medium", "severity_level": 2, "fix_versions": []})
	count(severity.deny) == 0 with input as {"issue": issue, "risk": low_risk}
	count(severity.warn) == 0 with input as {"issue": issue, "risk": low_risk}
}
