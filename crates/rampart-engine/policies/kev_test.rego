package rampart.kev_test

import data.rampart.kev

kev_issue := {
	"active": true,
	"kev": true,
	"vulnerability_ids": ["CVE-2021-44228", "GHSA-jfh8-c2jp-5v3q"],
	"location": {"display": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
	"fix_versions": ["2.15.0"],
}

test_kev_in_production_is_denied if {
	count(kev.deny) == 1 with input as {"issue": kev_issue, "application": {"production": true}}
}

test_kev_outside_production_warns if {
	count(kev.deny) == 0 with input as {"issue": kev_issue, "application": {"production": false}}
	count(kev.warn) == 1 with input as {"issue": kev_issue, "application": {"production": false}}
}

test_triaged_kev_is_not_denied if {
	issue := object.union(kev_issue, {"active": false})
	count(kev.deny) == 0 with input as {"issue": issue, "application": {"production": true}}
}

test_deny_message_names_the_vulnerability if {
	some r in kev.deny with input as {"issue": kev_issue, "application": {"production": true}}
	contains(r.msg, "CVE-2021-44228")
	r.policy == "no-kev-in-production"
}
