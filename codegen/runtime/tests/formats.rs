//! `validation::Format`: the string formats a server asserts, checked
//! against the RFCs' examples and against `jsonschema`'s format validators,
//! an implementation written apart from ours.

use codegen_runtime::validation::{Checker, Format};
use proptest::prelude::*;

const ALL: [Format; 7] = [
    Format::Date,
    Format::DateTime,
    Format::Time,
    Format::Uuid,
    Format::Ipv4,
    Format::Ipv6,
    Format::Uri,
];

#[test]
fn the_rfcs_examples() {
    let yes = [
        (Format::Date, "2026-12-04"),
        (Format::Date, "2024-02-29"),
        (Format::Date, "2000-02-29"),
        (Format::DateTime, "1985-04-12T23:20:50.52Z"),
        (Format::DateTime, "1996-12-19T16:39:57-08:00"),
        (Format::DateTime, "1990-12-31T23:59:60Z"),
        (Format::DateTime, "1937-01-01T12:00:27.87+00:20"),
        (Format::DateTime, "2026-12-04t10:00:00z"),
        (Format::Time, "23:20:50.52Z"),
        (Format::Time, "16:39:57-08:00"),
        (Format::Uuid, "123e4567-e89b-12d3-a456-426614174000"),
        (Format::Uuid, "00000000-0000-0000-0000-000000000000"),
        (Format::Ipv4, "192.0.2.1"),
        (Format::Ipv6, "2001:db8::1"),
        (Format::Ipv6, "::ffff:192.0.2.1"),
        // RFC 3986, section 1.1.2.
        (Format::Uri, "ftp://ftp.is.co.za/rfc/rfc1808.txt"),
        (Format::Uri, "http://www.ietf.org/rfc/rfc2396.txt"),
        (Format::Uri, "ldap://[2001:db8::7]/c=GB?objectClass?one"),
        (Format::Uri, "mailto:John.Doe@example.com"),
        (Format::Uri, "news:comp.infosystems.www.servers.unix"),
        (Format::Uri, "tel:+1-816-555-1212"),
        (Format::Uri, "telnet://192.0.2.16:80/"),
        (
            Format::Uri,
            "urn:oasis:names:specification:docbook:dtd:xml:4.1.2",
        ),
        (
            Format::Uri,
            "https://user:pw@example.com:8443/a%20b?q=1&r=2#frag/x?y",
        ),
        (Format::Uri, "http://[v7.fe80::a+en1]/"),
    ];
    let no = [
        (Format::Date, "2026-13-01"),
        (Format::Date, "2023-02-29"),
        (Format::Date, "1900-02-29"),
        (Format::Date, "2026-1-01"),
        (Format::Date, "20261204"),
        (Format::DateTime, "2023-07-20 02:17:01"),
        (Format::DateTime, "2025-12-12T04:03:46+0000"),
        (Format::DateTime, "1719215116000"),
        (Format::DateTime, "2026-12-04T24:00:00Z"),
        (Format::DateTime, "2026-12-04T10:00:00"),
        (Format::DateTime, "2026-12-04T10:00:00.Z"),
        (Format::Time, "10:00Z"),
        (Format::Uuid, "123e4567e89b12d3a456426614174000"),
        (Format::Uuid, "{123e4567-e89b-12d3-a456-426614174000}"),
        (Format::Uuid, "123e4567-e89b-12d3-a456-42661417400g"),
        (Format::Ipv4, "192.0.2.01"),
        (Format::Ipv4, "256.0.0.1"),
        (Format::Ipv6, "2001:db8::1%eth0"),
        (Format::Ipv6, "192.0.2.1"),
        (Format::Uri, "//example.com/relative"),
        (Format::Uri, "/just/a/path"),
        (Format::Uri, "1http://example.com"),
        (Format::Uri, "http://exa mple.com/"),
        (Format::Uri, "http://example.com/%zz"),
        (Format::Uri, "http://example.com:80a/"),
        (Format::Uri, "http://[::1/"),
        (Format::Uri, "http://[not-ipv6]/"),
        (Format::Uri, "https://例え.jp/"),
        (Format::Uri, "http://example.com/a#b#c"),
        (Format::Uri, "http://example.com/?r[]=2"),
    ];
    for (format, value) in yes {
        assert!(format.matches(value), "{value} is a {}", format.name());
    }
    for (format, value) in no {
        assert!(!format.matches(value), "{value} is no {}", format.name());
    }
}

#[test]
fn only_a_server_asserts_formats() {
    let mut sending = Checker::new();
    sending.format("when", "2023-07-20 02:17:01", Format::DateTime);
    assert!(sending.finish().is_ok());
    let mut received = Checker::incoming();
    received.format("when", "2023-07-20 02:17:01", Format::DateTime);
    let error = received.finish().unwrap_err();
    assert_eq!(error.first().rule, "format");
    assert_eq!(
        error.to_string(),
        "invalid request: when: must be a `date-time` string"
    );
    for format in ALL {
        assert_eq!(Format::parse(format.name()), Some(format));
    }
    assert_eq!(Format::parse("email"), None);
}

/// `jsonschema`'s verdict on `value` as a string of `format`.
fn oracle(format: Format, value: &str) -> bool {
    let schema = serde_json::json!({"type": "string", "format": format.name()});
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("a format schema")
        .is_valid(&serde_json::Value::from(value))
}

/// Strings near each format: well-formed ones with digits and separators
/// varied (out-of-range fields included), and mutations of them.
fn candidates() -> impl Strategy<Value = String> {
    let date =
        (0u32..10000, 0u32..14, 0u32..33).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"));
    let offset = prop_oneof![
        Just("Z".to_owned()),
        Just("z".to_owned()),
        (prop_oneof![Just('+'), Just('-')], 0u32..26, 0u32..62)
            .prop_map(|(s, h, m)| format!("{s}{h:02}:{m:02}")),
        Just(String::new()),
    ];
    let time = (
        0u32..26,
        0u32..62,
        0u32..62,
        proptest::option::of("[0-9]{0,4}"),
        offset,
    )
        .prop_map(|(h, m, s, frac, off)| match frac {
            Some(f) => format!("{h:02}:{m:02}:{s:02}.{f}{off}"),
            None => format!("{h:02}:{m:02}:{s:02}{off}"),
        });
    let date_time = (
        date.clone(),
        prop_oneof![Just('T'), Just('t'), Just(' ')],
        time.clone(),
    )
        .prop_map(|(d, t, tm)| format!("{d}{t}{tm}"));
    let uuid = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-gA-G]{4}-[0-9a-fA-F]{11,13}";
    let ipv4 = (0u32..300, 0u32..256, 0u32..256, 0u32..256, any::<bool>()).prop_map(
        |(a, b, c, d, zero)| {
            if zero {
                format!("0{a}.{b}.{c}.{d}")
            } else {
                format!("{a}.{b}.{c}.{d}")
            }
        },
    );
    let ipv6 = "[0-9a-f:]{2,20}";
    // URIs: a scheme (or not), an authority with userinfo, an IP literal
    // and a port (or not), then path, query and fragment characters, stray
    // and percent-encoded ones among them.
    let uri = (
        "[a-zA-Z0-9+.-]{0,6}",
        proptest::option::of((
            "([a-z0-9%:]{0,5}@)?",
            prop_oneof![
                "[a-z0-9.%-]{0,10}",
                "\\[[0-9a-fv.:]{0,12}\\]",
                Just("[v1.x:y]".to_owned()),
            ],
            "(:[0-9a]{0,4})?",
        )),
        "[a-zA-Z0-9/%:@!$&'()*+,;=._~ \\[\\]{}^|\"<>\\\\-]{0,16}",
        "(\\?[a-z0-9/?%:@=&\\[\\]#-]{0,8})?",
        "(#[a-z0-9/?%:@#\\[\\]-]{0,8})?",
    )
        .prop_map(|(scheme, authority, path, query, fragment)| {
            let authority = authority
                .map(|(user, host, port)| format!("//{user}{host}{port}"))
                .unwrap_or_default();
            format!("{scheme}:{authority}{path}{query}{fragment}")
        });
    prop_oneof![
        date,
        time,
        date_time,
        uuid.prop_map(|s| s),
        ipv4,
        ipv6.prop_map(|s| s),
        uri,
        "\\PC{0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]
    #[test]
    fn agrees_with_jsonschema(value in candidates()) {
        for format in ALL {
            // jsonschema checks a leap second's time of day (23:59:60 in
            // UTC); the RFC's grammar, which we follow, allows `60` in any
            // minute and leaves the rest to the leap-second table.
            let leap = matches!(format, Format::DateTime | Format::Time)
                && value.get(value.find(':').map_or(0, |i| i + 4)..).is_some_and(|s| s.starts_with("60"));
            if leap {
                continue;
            }
            prop_assert_eq!(
                format.matches(&value),
                oracle(format, &value),
                "{} as {}", value, format.name()
            );
        }
    }
}

#[test]
fn the_oracle_asserts_formats() {
    // Else agreeing with it would prove nothing.
    assert!(oracle(Format::Date, "2024-02-29"));
    assert!(!oracle(Format::Date, "2023-02-29"));
    assert!(!oracle(Format::DateTime, "2023-07-20 02:17:01"));
    assert!(!oracle(
        Format::Uuid,
        "123e4567-e89b-12d3-a456-42661417400g"
    ));
    assert!(oracle(Format::Uri, "https://example.com/a"));
    assert!(!oracle(Format::Uri, "/just/a/path"));
}
