# No copyleft license in a distributed application; no network copyleft (AGPL, SSPL) in an
# internet-facing one.
package rampart.licenses

import data.rampart.lib

deny contains result if {
	lib.active
	input.application.distributed
	license := input.issue.license
	lib.strong_copyleft(license)
	result := {
		"msg": sprintf("%s is licensed %s (copyleft) and %s is distributed", [
			component_name,
			license,
			input.application.name,
		]),
		"policy": "no-copyleft-in-distributed-apps",
	}
}

deny contains result if {
	lib.active
	not input.application.distributed
	input.application.exposure == "internet"
	license := input.issue.license
	lib.network_copyleft(license)
	result := {
		"msg": sprintf("%s is licensed %s (network copyleft) and %s is internet-facing", [
			component_name,
			license,
			input.application.name,
		]),
		"policy": "no-network-copyleft-on-the-internet",
	}
}

warn contains result if {
	lib.active
	input.application.distributed
	license := input.issue.license
	lib.weak_copyleft(license)
	result := {
		"msg": sprintf("%s is licensed %s (weak copyleft): keep its files' sources available", [
			component_name,
			license,
		]),
		"policy": "weak-copyleft-in-distributed-apps",
	}
}

component_name := input.issue.component.name

component_name := input.issue.location.display if not input.issue.component
