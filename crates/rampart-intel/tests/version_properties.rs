//! Property tests of every version scheme:
//!
//! * parsing never panics, whatever the input (an unparsable string is an error value);
//! * the order is total on versions of the scheme's grammar: reflexive, antisymmetric and
//!   transitive, and consistent with equality;
//! * parse → format → parse is the identity (the formatted string is the input).
//!
//! Generators produce strings of each ecosystem's grammar, mixing the qualifiers and separators
//! that make ordering hard (pre-releases, epochs, `~`, `^`, leading zeros, huge numbers).

use std::cmp::Ordering;

use proptest::prelude::*;
use proptest::sample::select;
use rampart_intel::version::{Scheme, Version};

fn num() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (0u32..20).prop_map(|n| n.to_string()),
        2 => (0u64..100_000).prop_map(|n| n.to_string()),
        1 => select(vec!["0", "00", "01", "007", "999999999999999999999999999991"]).prop_map(str::to_owned),
    ]
}

fn nums(min: usize, max: usize, sep: &'static str) -> impl Strategy<Value = String> {
    prop::collection::vec(num(), min..=max).prop_map(move |v| v.join(sep))
}

fn word() -> impl Strategy<Value = String> {
    select(vec![
        "alpha",
        "beta",
        "rc",
        "pre",
        "dev",
        "a",
        "b",
        "c",
        "m",
        "x",
        "final",
        "ga",
        "sp",
        "snapshot",
        "SNAPSHOT",
        "RC",
        "Beta",
        "milestone",
        "cr",
        "release",
        "p",
        "pl",
        "post",
    ])
    .prop_map(str::to_owned)
}

fn semver_like() -> impl Strategy<Value = String> {
    let ident = prop_oneof![num(), word(), "[a-z0-9-]{1,4}"];
    (
        prop::bool::ANY,
        nums(1, 4, "."),
        prop::option::of(prop::collection::vec(ident, 1..4)),
        prop::option::of("[a-zA-Z0-9]{1,4}(\\.[a-z0-9]{1,3})?"),
    )
        .prop_map(|(v, core, pre, build)| {
            let mut s = String::new();
            if v {
                s.push('v');
            }
            s.push_str(&core);
            if let Some(pre) = pre {
                s.push('-');
                s.push_str(&pre.join("."));
            }
            if let Some(b) = build {
                s.push('+');
                s.push_str(&b);
            }
            s
        })
}

fn pep440() -> impl Strategy<Value = String> {
    let modern = (
        prop::option::of(0u32..3),
        nums(1, 4, "."),
        prop::option::of((
            select(vec!["a", "b", "rc", "alpha", "beta", "c", "pre"]),
            0u32..5,
        )),
        prop::option::of(0u32..4),
        prop::option::of(0u32..4),
        prop::option::of("[a-z0-9]{1,3}(\\.[a-z0-9]{1,3})?"),
    )
        .prop_map(|(epoch, rel, pre, post, dev, local)| {
            let mut s = String::new();
            if let Some(e) = epoch {
                s.push_str(&format!("{e}!"));
            }
            s.push_str(&rel);
            if let Some((l, n)) = pre {
                s.push_str(&format!("{l}{n}"));
            }
            if let Some(p) = post {
                s.push_str(&format!(".post{p}"));
            }
            if let Some(d) = dev {
                s.push_str(&format!(".dev{d}"));
            }
            if let Some(l) = local {
                s.push_str(&format!("+{l}"));
            }
            s
        });
    prop_oneof![9 => modern, 1 => "[0-9][a-z0-9.-]{0,8}"]
}

fn maven() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        num(),
        word(),
        (word(), num()).prop_map(|(w, n)| format!("{w}{n}"))
    ];
    (
        nums(1, 3, "."),
        prop::collection::vec((select(vec![".", "-"]), token), 0..4),
    )
        .prop_map(|(head, rest)| {
            let mut s = head;
            for (sep, t) in rest {
                s.push_str(sep);
                s.push_str(&t);
            }
            s
        })
}

fn debian() -> impl Strategy<Value = String> {
    (
        prop::option::of(0u32..3),
        "[0-9][0-9a-z.+~]{0,8}",
        prop::option::of("[0-9a-z.+~]{1,6}"),
    )
        .prop_map(|(e, up, rev)| {
            let mut s = e.map(|e| format!("{e}:")).unwrap_or_default();
            s.push_str(&up);
            if let Some(r) = rev {
                s.push('-');
                s.push_str(&r);
            }
            s
        })
}

fn rpm() -> impl Strategy<Value = String> {
    (
        prop::option::of(0u32..3),
        "[0-9a-z][0-9a-zA-Z._+~^]{0,8}",
        prop::option::of("[0-9a-z._~^]{1,6}"),
    )
        .prop_map(|(e, v, r)| {
            let mut s = e.map(|e| format!("{e}:")).unwrap_or_default();
            s.push_str(&v);
            if let Some(r) = r {
                s.push('-');
                s.push_str(&r);
            }
            s
        })
}

fn alpine() -> impl Strategy<Value = String> {
    (
        nums(1, 4, "."),
        prop::option::of("[a-z]"),
        prop::collection::vec(
            (
                select(vec![
                    "alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p",
                ]),
                prop::option::of(0u32..10),
            ),
            0..3,
        ),
        prop::option::of("[0-9a-f]{1,6}"),
        prop::option::of(0u32..20),
    )
        .prop_map(|(n, letter, suffixes, hash, rev)| {
            let mut s = n;
            if let Some(l) = letter {
                s.push_str(&l);
            }
            for (name, number) in suffixes {
                s.push('_');
                s.push_str(name);
                if let Some(n) = number {
                    s.push_str(&n.to_string());
                }
            }
            if let Some(h) = hash {
                s.push('~');
                s.push_str(&h);
            }
            if let Some(r) = rev {
                s.push_str(&format!("-r{r}"));
            }
            s
        })
}

fn rubygems() -> impl Strategy<Value = String> {
    let seg = prop_oneof![num(), word(), "[a-z]{1,3}[0-9]{0,2}"];
    (
        num(),
        prop::collection::vec(seg, 0..4),
        prop::option::of("[a-z0-9]{1,4}"),
    )
        .prop_map(|(first, rest, pre)| {
            let mut s = first;
            for r in rest {
                s.push('.');
                s.push_str(&r);
            }
            if let Some(p) = pre {
                s.push('-');
                s.push_str(&p);
            }
            s
        })
}

fn packagist() -> impl Strategy<Value = String> {
    (
        prop::bool::ANY,
        nums(1, 4, "."),
        prop::option::of((
            select(vec![
                "-dev", "-alpha", "-beta", "-RC", "-rc", "-pl", "p", "a", "b", "RC", "-patch",
            ]),
            prop::option::of(0u32..10),
        )),
    )
        .prop_map(|(v, n, suffix)| {
            let mut s = if v { format!("v{n}") } else { n };
            if let Some((x, num)) = suffix {
                s.push_str(x);
                if let Some(num) = num {
                    s.push_str(&num.to_string());
                }
            }
            s
        })
}

fn cran() -> impl Strategy<Value = String> {
    (
        num(),
        prop::collection::vec((select(vec![".", "-"]), num()), 1..4),
    )
        .prop_map(|(h, rest)| {
            let mut s = h;
            for (sep, n) in rest {
                s.push_str(sep);
                s.push_str(&n);
            }
            s
        })
}

fn generic() -> impl Strategy<Value = String> {
    "[0-9a-zA-Z][0-9a-zA-Z._+~-]{0,10}"
}

fn strategy(scheme: Scheme) -> BoxedStrategy<String> {
    match scheme {
        Scheme::SemVer | Scheme::Go | Scheme::Pub | Scheme::NuGet => semver_like().boxed(),
        Scheme::Hackage => nums(1, 5, ".").boxed(),
        Scheme::Pep440 => pep440().boxed(),
        Scheme::Maven => maven().boxed(),
        Scheme::Debian => debian().boxed(),
        Scheme::Rpm => rpm().boxed(),
        Scheme::Alpine => alpine().boxed(),
        Scheme::RubyGems => rubygems().boxed(),
        Scheme::Packagist => packagist().boxed(),
        Scheme::Cran => cran().boxed(),
        Scheme::Generic => generic().boxed(),
    }
}

fn parse(scheme: Scheme, s: &str) -> Version {
    scheme
        .parse(s)
        .unwrap_or_else(|e| panic!("generated {} version {s:?} must parse: {e}", scheme.name()))
}

fn check_order(scheme: Scheme, a: &str, b: &str, c: &str) -> Result<(), TestCaseError> {
    let (x, y, z) = (parse(scheme, a), parse(scheme, b), parse(scheme, c));
    prop_assert_eq!(
        x.cmp(&x),
        Ordering::Equal,
        "{} reflexive: {}",
        scheme.name(),
        a
    );
    prop_assert_eq!(
        x.cmp(&y),
        y.cmp(&x).reverse(),
        "{} antisymmetric: {} vs {}",
        scheme.name(),
        a,
        b
    );
    prop_assert_eq!(x == y, x.cmp(&y) == Ordering::Equal);
    let mut sorted = [&x, &y, &z];
    sorted.sort();
    prop_assert!(
        sorted[0] <= sorted[2],
        "{} transitive: {} <= {} <= {} but not {} <= {}",
        scheme.name(),
        sorted[0],
        sorted[1],
        sorted[2],
        sorted[0],
        sorted[2]
    );
    for (p, q) in [(&x, &y), (&y, &z), (&x, &z)] {
        for r in [&x, &y, &z] {
            if p <= q && q <= r {
                prop_assert!(
                    p <= r,
                    "{} transitive: {} <= {} <= {}",
                    scheme.name(),
                    p,
                    q,
                    r
                );
            }
        }
    }
    Ok(())
}

fn check_round_trip(scheme: Scheme, s: &str) -> Result<(), TestCaseError> {
    let v = parse(scheme, s);
    let formatted = v.to_string();
    prop_assert_eq!(&formatted, s);
    let again = parse(scheme, &formatted);
    prop_assert_eq!(again.cmp(&v), Ordering::Equal);
    prop_assert_eq!(again.scheme(), scheme);
    Ok(())
}

macro_rules! scheme_properties {
    ($($name:ident => $scheme:expr),* $(,)?) => {
        $(
            mod $name {
                use super::*;

                proptest! {
                    #![proptest_config(ProptestConfig::with_cases(400))]

                    #[test]
                    fn total_order(a in strategy($scheme), b in strategy($scheme), c in strategy($scheme)) {
                        check_order($scheme, &a, &b, &c)?;
                    }

                    #[test]
                    fn round_trip(a in strategy($scheme)) {
                        check_round_trip($scheme, &a)?;
                    }

                    #[test]
                    fn never_panics(s in "\\PC{0,24}", t in "[0-9a-zA-Z.+~^_:!-]{0,16}") {
                        let _ = $scheme.parse(&s);
                        if let (Ok(x), Ok(y)) = ($scheme.parse(&t), $scheme.parse(&s)) {
                            let _ = x.cmp(&y);
                        }
                    }
                }
            }
        )*
    };
}

scheme_properties! {
    semver => Scheme::SemVer,
    go => Scheme::Go,
    pub_dart => Scheme::Pub,
    nuget => Scheme::NuGet,
    hackage => Scheme::Hackage,
    pep440 => Scheme::Pep440,
    maven => Scheme::Maven,
    debian => Scheme::Debian,
    rpm => Scheme::Rpm,
    alpine => Scheme::Alpine,
    rubygems => Scheme::RubyGems,
    packagist => Scheme::Packagist,
    cran => Scheme::Cran,
    generic => Scheme::Generic,
}

#[test]
fn every_scheme_has_properties() {
    // The macro above lists each scheme once; this keeps the list complete when schemes are added.
    assert_eq!(Scheme::ALL.len(), 14);
}

proptest! {
    #[test]
    fn vers_parsing_never_panics(
        scheme in select(vec!["npm", "pypi", "maven", "deb", "rpm", "apk", "gem", "datetime", "x"]),
        body in "[<>=!|*%0-9a-zA-Z.:~+-]{0,20}",
        version in "[0-9a-z.+~-]{0,8}",
    ) {
        let s = format!("vers:{scheme}/{body}");
        if let Ok(r) = rampart_intel::version::vers::VersRange::parse(&s) {
            let _ = r.contains(&version);
            let again = rampart_intel::version::vers::VersRange::parse(&r.to_string());
            prop_assert!(again.is_ok(), "{} re-parses: {:?}", r, again);
        }
    }
}
