package rampart.sla_test

import data.rampart.sla

breached := {
	"active": true,
	"severity": "critical",
	"title": "SQL injection",
	"sla": {"due": "2026-11-01T00:00:00Z", "breached": true, "days_left": -26},
}

test_critical_past_sla_in_production_is_denied if {
	count(sla.deny) == 1 with input as {"issue": breached, "application": {"production": true}}
}

test_message_says_how_late if {
	some r in sla.deny with input as {"issue": breached, "application": {"production": true}}
	contains(r.msg, "26 days past")
}

test_without_sla_nothing_fires if {
	issue := object.remove(breached, ["sla"])
	count(sla.deny) == 0 with input as {"issue": issue, "application": {"production": true}}
}

test_within_sla_is_allowed if {
	issue := object.union(breached, {"sla": {"due": "2026-12-01T00:00:00Z", "breached": false, "days_left": 4}})
	count(sla.deny) == 0 with input as {"issue": issue, "application": {"production": true}}
}

test_high_past_sla_is_not_this_rule if {
	issue := object.union(breached, {"severity": "high"})
	count(sla.deny) == 0 with input as {"issue": issue, "application": {"production": true}}
}

test_not_in_production_only_warns if {
	count(sla.deny) == 0 with input as {"issue": breached, "application": {"production": false}}
	some r in sla.warn with input as {"issue": breached, "application": {"production": false}}
	r.policy == "critical-past-sla-outside-production"
	contains(r.msg, "26 days past")
}

test_in_production_it_does_not_also_warn if {
	count(sla.warn) == 0 with input as {"issue": breached, "application": {"production": true}}
}

test_within_sla_outside_production_says_nothing if {
	issue := object.union(breached, {"sla": {"due": "2026-12-01T00:00:00Z", "breached": false, "days_left": 4}})
	count(sla.warn) == 0 with input as {"issue": issue, "application": {"production": false}}
}
