package rampart.lib_test

import data.rampart.lib

test_gpl_is_strong_copyleft if lib.strong_copyleft("GPL-3.0-only")

test_agpl_is_network_copyleft if lib.network_copyleft("AGPL-3.0-or-later")

test_lgpl_is_copyleft if lib.strong_copyleft("LGPL-2.1-only")

test_mit_is_not_copyleft if not lib.strong_copyleft("MIT")

test_a_permissive_choice_is_not_copyleft if not lib.strong_copyleft("MIT OR GPL-2.0-only")

test_and_carries_every_license if lib.strong_copyleft("(BSD-3-Clause AND GPL-2.0-only)")

test_mpl_is_weak_copyleft if {
	lib.weak_copyleft("MPL-2.0")
	not lib.strong_copyleft("MPL-2.0")
}

test_severity_order if {
	lib.severity_at_least("high") with input as {"issue": {"severity_level": 4}}
	not lib.severity_at_least("high") with input as {"issue": {"severity_level": 2}}
}
