# No critical issue past its remediation deadline (SLA) in production; outside production
# (staging, dev, or an environment the catalog does not give) the same only warns. Reads
# input.issue.sla, which is present only when an SLA policy gives the issue a due date;
# absent, neither fires.
package rampart.sla

import data.rampart.lib

deny contains result if {
	lib.active
	lib.production
	critical_past_sla
	result := {
		"msg": message,
		"policy": "no-critical-past-sla-in-production",
	}
}

warn contains result if {
	lib.active
	not lib.production
	critical_past_sla
	result := {
		"msg": message,
		"policy": "critical-past-sla-outside-production",
	}
}

critical_past_sla if {
	input.issue.severity == "critical"
	input.issue.sla.breached
}

message := sprintf("critical issue %q is %d days past its SLA (due %s)", [
	input.issue.title,
	0 - input.issue.sla.days_left,
	input.issue.sla.due,
])
