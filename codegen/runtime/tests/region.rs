//! The region chain: an environment override, then the regions file, then
//! the document's own table; unknown IDs and malformed files. Every test
//! gives the chain its own environment and home directory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use codegen_runtime::auth::Environment;
use codegen_runtime::region::{env_variable, Builtin, RegionChain, RegionError};

const BUILTIN: Builtin<'static> = Builtin {
    template: "https://svc.{region}.example.com",
    variable: "region",
    regions: &["cn-north-4", "ap-southeast-1"],
};

struct Home(PathBuf);

impl Home {
    fn new() -> Home {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "codegen-runtime-region-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Home(dir)
    }

    /// Writes `~/.huaweicloud/regions.yaml`.
    fn with_regions(self, text: &str) -> Home {
        std::fs::create_dir_all(self.0.join(".huaweicloud")).unwrap();
        std::fs::write(self.regions(), text).unwrap();
        self
    }

    fn regions(&self) -> PathBuf {
        self.0.join(".huaweicloud").join("regions.yaml")
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn chain(vars: &[(&str, &str)], home: &Home) -> RegionChain {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    RegionChain::with_environment(Environment::new(
        move |name| {
            vars.get(name)
                .cloned()
                .ok_or(std::env::VarError::NotPresent)
        },
        Some(Path::to_owned(&home.0)),
    ))
}

#[test]
fn the_variable_name_follows_the_sdk() {
    assert_eq!(
        env_variable("csms", "cn-north-4"),
        "HUAWEICLOUD_SDK_REGION_CSMS_CN_NORTH_4"
    );
}

#[test]
fn the_builtin_table_puts_a_known_region_into_the_template() {
    let home = Home::new();
    assert_eq!(
        chain(&[], &home).endpoint("SVC", "ap-southeast-1", &BUILTIN),
        Ok("https://svc.ap-southeast-1.example.com".to_owned())
    );
}

#[test]
fn an_environment_override_wins_and_may_name_any_region() {
    let home = Home::new()
        .with_regions("SVC:\n  - id: cn-north-4\n    endpoint: https://from-file.example.com\n");
    let vars = [
        (
            "HUAWEICLOUD_SDK_REGION_SVC_CN_NORTH_4",
            " https://first.example.com , https://second.example.com",
        ),
        (
            "HUAWEICLOUD_SDK_REGION_SVC_XX_PRIVATE_7",
            "https://private.example.com",
        ),
    ];
    let chain = chain(&vars, &home);
    assert_eq!(
        chain.endpoint("svc", "cn-north-4", &BUILTIN),
        Ok("https://first.example.com".to_owned())
    );
    assert_eq!(
        chain.endpoint("svc", "xx-private-7", &BUILTIN),
        Ok("https://private.example.com".to_owned())
    );
}

#[test]
fn an_override_of_only_commas_is_refused() {
    let home = Home::new();
    let e = chain(&[("HUAWEICLOUD_SDK_REGION_SVC_CN_NORTH_4", " , ")], &home)
        .endpoint("SVC", "cn-north-4", &BUILTIN)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "the environment variable HUAWEICLOUD_SDK_REGION_SVC_CN_NORTH_4 names no endpoint"
    );
}

#[test]
fn the_regions_file_wins_over_the_builtin_table() {
    let home = Home::new().with_regions(
        "# overrides\nOTHER:\n  - id: cn-north-4\n    endpoint: https://other.example.com\nsvc:\n  - id: cn-north-4\n    endpoint: https://file.example.com\n  - id: yy-new-1\n    endpoints:\n      - https://new-a.example.com\n      - https://new-b.example.com\n",
    );
    let chain = chain(&[], &home);
    assert_eq!(
        chain.endpoint("SVC", "cn-north-4", &BUILTIN),
        Ok("https://file.example.com".to_owned())
    );
    assert_eq!(
        chain.endpoint("SVC", "yy-new-1", &BUILTIN),
        Ok("https://new-a.example.com".to_owned())
    );
    // Not in the file: the built-in table.
    assert_eq!(
        chain.endpoint("SVC", "ap-southeast-1", &BUILTIN),
        Ok("https://svc.ap-southeast-1.example.com".to_owned())
    );
}

#[test]
fn the_regions_file_variable_names_another_file() {
    let home = Home::new();
    let file = home.0.join("mine.yaml");
    std::fs::write(
        &file,
        "SVC: [{id: zz-1, endpoint: 'https://zz.example.com'}]\n",
    )
    .unwrap();
    let chain1 = chain(
        &[("HUAWEICLOUD_SDK_REGIONS_FILE", file.to_str().unwrap())],
        &home,
    );
    assert_eq!(
        chain1.endpoint("SVC", "zz-1", &BUILTIN),
        Ok("https://zz.example.com".to_owned())
    );
    let missing = home.0.join("missing.yaml");
    let e = chain(
        &[("HUAWEICLOUD_SDK_REGIONS_FILE", missing.to_str().unwrap())],
        &home,
    )
    .endpoint("SVC", "cn-north-4", &BUILTIN)
    .unwrap_err();
    assert!(
        matches!(&e, RegionError::Unreadable { path, .. } if *path == missing),
        "{e:?}"
    );
}

#[test]
fn an_unknown_region_is_refused_listing_the_known_ones() {
    let home =
        Home::new().with_regions("SVC:\n  - id: yy-new-1\n    endpoint: https://n.example.com\n");
    let e = chain(&[], &home)
        .endpoint("SVC", "mars-1", &BUILTIN)
        .unwrap_err();
    assert_eq!(
        e,
        RegionError::Unknown {
            service: "SVC".into(),
            region: "mars-1".into(),
            known: vec![
                "cn-north-4".into(),
                "ap-southeast-1".into(),
                "yy-new-1".into()
            ],
            variable: "HUAWEICLOUD_SDK_REGION_SVC_MARS_1".into(),
        }
    );
    assert_eq!(
        e.to_string(),
        "`mars-1` is not a known region of SVC (known: cn-north-4, ap-southeast-1, yy-new-1); \
         name its endpoint with HUAWEICLOUD_SDK_REGION_SVC_MARS_1 or in the regions file"
    );
}

#[test]
fn a_builtin_table_without_a_list_takes_any_region() {
    let open = Builtin {
        template: "https://svc.{region}.example.com",
        variable: "region",
        regions: &[],
    };
    let home = Home::new();
    assert_eq!(
        chain(&[], &home).endpoint("SVC", "any-1", &open),
        Ok("https://svc.any-1.example.com".to_owned())
    );
}

#[test]
fn a_malformed_regions_file_is_reported_with_line_and_column() {
    let cases: &[(&str, usize, usize, &str)] = &[
        ("SVC:\n  - id: [unclosed\n", 3, 1, ""),
        (
            "- a\n- b\n",
            1,
            1,
            "expected a mapping from service names to lists of regions",
        ),
        (
            "SVC:\n  id: x\n",
            2,
            3,
            "the regions of `SVC` must be a list",
        ),
        (
            "SVC:\n  - x\n",
            2,
            5,
            "a region of `SVC` must be a mapping with `id` and `endpoint` or `endpoints`",
        ),
        (
            "SVC:\n  - endpoint: https://e\n",
            2,
            5,
            "a region of `SVC` has no `id`",
        ),
        (
            "SVC:\n  - id: r-1\n",
            2,
            5,
            "region `r-1` of `SVC` has no `endpoint` or `endpoints`",
        ),
        (
            "SVC:\n  - id: r-1\n    endpoints: []\n",
            3,
            16,
            "`endpoints` is empty",
        ),
        (
            "SVC:\n  - id: r-1\n    endpoint: e\n    url: u\n",
            4,
            5,
            "unknown key `url` (expected `id`, `endpoint` or `endpoints`)",
        ),
        (
            "SVC:\n  - id: r-1\n    endpoint: [e]\n",
            3,
            15,
            "`endpoint` must be a string",
        ),
        ("SVC: []\nSVC: []\n", 2, 1, "key `SVC` is repeated"),
        ("a: &x [1]\nb: *x\n", 2, 4, "aliases are not supported here"),
    ];
    for (text, line, column, message) in cases {
        let home = Home::new().with_regions(text);
        let e = chain(&[], &home)
            .endpoint("SVC", "cn-north-4", &BUILTIN)
            .unwrap_err();
        let RegionError::Malformed {
            path,
            line: l,
            column: c,
            message: m,
        } = &e
        else {
            panic!("{text:?}: {e:?}");
        };
        assert_eq!(*path, home.regions(), "{text:?}");
        assert_eq!((*l, *c), (*line, *column), "{text:?}: {e}");
        if !message.is_empty() {
            assert_eq!(m, message, "{text:?}");
        } else {
            assert!(!m.is_empty());
        }
        assert!(
            e.to_string()
                .starts_with(&format!("{}:{line}:{column}: ", home.regions().display())),
            "{e}"
        );
    }
}

#[test]
fn an_empty_regions_file_is_no_override() {
    let home = Home::new().with_regions("# nothing yet\n");
    assert_eq!(
        chain(&[], &home).endpoint("SVC", "cn-north-4", &BUILTIN),
        Ok("https://svc.cn-north-4.example.com".to_owned())
    );
}
