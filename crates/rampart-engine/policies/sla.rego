# No critical issue past its remediation deadline (SLA) in production. Reads input.issue.sla,
# which is present only when an SLA policy gives the issue a due date; absent, it never fires.
package rampart.sla

import data.rampart.lib

deny contains result if {
	lib.active
	lib.production
	input.issue.severity == "critical"
	input.issue.sla.breached
	result := {
		"msg": sprintf("critical issue %q is %d days past its SLA (due %s)", [
			input.issue.title,
			0 - input.issue.sla.days_left,
			input.issue.sla.due,
		]),
		"policy": "no-critical-past-sla-in-production",
	}
}
