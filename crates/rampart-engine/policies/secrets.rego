# No secret anywhere: a leaked credential is a failure on every branch, in every environment.
package rampart.secrets

import data.rampart.lib

deny contains result if {
	lib.active
	input.issue.secret
	result := {
		"msg": sprintf("secret %q committed at %s: revoke it, then remove it from the history", [
			input.issue.rule,
			input.issue.location.display,
		]),
		"policy": "no-secrets",
	}
}
