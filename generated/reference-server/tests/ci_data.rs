//! The data the Schemathesis step of `.ci/run` serves and the dictionaries
//! it draws ids from (`.ci/schemathesis.toml`), generated here so they stay
//! in step with [`Data::default()`] and with each other:
//!
//! - `.ci/reference-data.json`: the default data set, unchanged, plus extra
//!   resources that can be deleted (deletions are permanent, and a run
//!   deletes many), and short jobs so the one-job-per-user rule (409) and
//!   success both show up.
//! - `.ci/dictionaries/*.dict` (libFuzzer format, one quoted id a line):
//!   ids of resources in that data. Only ids whose deletion is allowed, or
//!   refused with a status a valid request may get (404, 409); never the
//!   DBSS instances whose preconditions fail (400) nor fault ids.
//!
//! The test fails when a file is stale; `UPDATE_CI_DATA=1 cargo test -p
//! reference-server --test ci_data` rewrites them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use huaweicloud_batch_delete::csms::types::BatchDeleteSecretsRequestInstanceType as Ty;
use reference_server::data::{self as d};
use reference_server::{AuditInstance, ChargingMode, Data, Desktop, RomaInstance, Secret};

/// Desktops for `BatchDeleteDesktops` (each success deletes one or more).
const DESKTOPS: usize = 300;
/// Desktops for `DeleteDesktopVolumes`, each with [`VOLUMES_EACH`] data disks.
const VOLUME_DESKTOPS: usize = 20;
const VOLUMES_EACH: usize = 3;
/// Applications and tasks of the extra ROMA instance.
const ROMA_ASSETS: usize = 100;
/// Audit instances that can be deleted.
const AUDIT_INSTANCES: usize = 150;
/// How long ROMA jobs and desktop deletions run, in milliseconds.
const JOB_MS: u64 = 100;

const ROMA_INSTANCE: &str = "ci-roma-instance";
/// A CSMS instance of each type whose one secret always fails to delete, so
/// selecting it succeeds (200) however often it is selected; each also has
/// deletable secrets.
const CSMS_INSTANCES: [(&str, Ty); 4] = [
    ("ci-rds-instance", Ty::Rds),
    ("ci-taurusdb-instance", Ty::TaurusDb),
    ("ci-gaussdb-instance", Ty::GaussDb),
    ("ci-apig-instance", Ty::Apig),
];

fn workspace() -> PathBuf {
    // generated/reference-server: two levels below the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("reference-server lives in the workspace")
        .to_path_buf()
}

fn ids(prefix: &str, n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("{prefix}{i:03}")).collect()
}

/// The default data set plus the extra resources.
fn ci_data() -> Data {
    let mut data = Data {
        roma_job_ms: JOB_MS,
        desktop_job_ms: JOB_MS,
        ..Data::default()
    };
    let project = data
        .projects
        .get_mut(d::PROJECT_ID)
        .expect("the default data has the default project");
    for id in ids("ci-desktop-", DESKTOPS) {
        project.desktops.push(Desktop {
            id,
            volumes: Vec::new(),
            deleting: false,
        });
    }
    for (i, id) in ids("ci-volume-desktop-", VOLUME_DESKTOPS)
        .into_iter()
        .enumerate()
    {
        project.desktops.push(Desktop {
            id,
            volumes: ids(&format!("ci-volume-{:03}-", i + 1), VOLUMES_EACH),
            deleting: false,
        });
    }
    project.roma_instances.push(RomaInstance {
        id: ROMA_INSTANCE.to_owned(),
        apps: ids("ci-app-", ROMA_ASSETS),
        tasks: ids("ci-task-", ROMA_ASSETS),
    });
    for (instance, ty) in CSMS_INSTANCES {
        let secret = |name: String, fail: Option<&str>| Secret {
            name,
            instance_id: Some(instance.to_owned()),
            instance_type: Some(ty),
            fail_reason: fail.map(str::to_owned),
        };
        project.secrets.push(secret(
            format!("{instance}-pending"),
            Some(d::PENDING_DELETION),
        ));
        for name in ids(&format!("{instance}-secret-"), 3) {
            project.secrets.push(secret(name, None));
        }
    }
    for (i, id) in ids("ci-audit-instance-00000000000000", AUDIT_INSTANCES)
        .into_iter()
        .enumerate()
    {
        // Half pay-per-use without tasks, half yearly/monthly and faulty:
        // both deletable.
        let yearly = i % 2 == 1;
        project.audit_instances.push(AuditInstance {
            id,
            charging_mode: if yearly {
                ChargingMode::YearlyMonthly
            } else {
                ChargingMode::PayPerUse
            },
            has_tasks: false,
            faulty: yearly,
        });
    }
    data
}

/// The dictionaries, by file name: every id is in [`ci_data`].
fn dictionaries(data: &Data) -> BTreeMap<&'static str, Vec<String>> {
    let project = &data.projects[d::PROJECT_ID];
    let desktops = project
        .desktops
        .iter()
        .filter(|dt| dt.id.starts_with("ci-desktop-") || dt.id == d::DESKTOP_DELETING)
        .map(|dt| dt.id.clone())
        .collect();
    let volume_desktops: Vec<&Desktop> = project
        .desktops
        .iter()
        .filter(|dt| dt.id.starts_with("ci-volume-desktop-"))
        .collect();
    let roma = project
        .roma_instances
        .iter()
        .find(|i| i.id == ROMA_INSTANCE)
        .expect("the extra ROMA instance");
    let mut csms_instances: Vec<String> = CSMS_INSTANCES
        .iter()
        .map(|(i, _)| (*i).to_owned())
        .collect();
    csms_instances.extend([
        d::CSMS_RDS_INSTANCE.to_owned(),
        d::CSMS_APIG_INSTANCE.to_owned(),
    ]);
    let audit = project
        .audit_instances
        .iter()
        .filter(|i| deletable(i))
        .map(|i| i.id.clone())
        .collect();
    BTreeMap::from([
        ("desktops.dict", desktops),
        (
            "volume-desktops.dict",
            volume_desktops.iter().map(|dt| dt.id.clone()).collect(),
        ),
        (
            "volumes.dict",
            volume_desktops
                .iter()
                .flat_map(|dt| dt.volumes.iter().cloned())
                .collect(),
        ),
        (
            "roma-instances.dict",
            vec![d::ROMA_INSTANCE.to_owned(), ROMA_INSTANCE.to_owned()],
        ),
        ("roma-apps.dict", roma.apps.clone()),
        ("roma-tasks.dict", roma.tasks.clone()),
        ("csms-instances.dict", csms_instances),
        ("audit-instances.dict", audit),
    ])
}

/// Whether the DBSS preconditions allow deleting the instance.
fn deletable(i: &AuditInstance) -> bool {
    match i.charging_mode {
        ChargingMode::PayPerUse => !i.has_tasks,
        ChargingMode::YearlyMonthly => i.faulty,
    }
}

fn dictionary_text(name: &str, ids: &[String]) -> String {
    let mut text = format!(
        "# Schemathesis dictionary `{}` for .ci/schemathesis.toml: ids in\n\
         # .ci/reference-data.json. Generated by generated/reference-server/tests/ci_data.rs\n\
         # (UPDATE_CI_DATA=1 cargo test -p reference-server --test ci_data); do not edit.\n",
        name.trim_end_matches(".dict")
    );
    for id in ids {
        assert!(
            id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "{id:?} would need escaping"
        );
        text.push_str(&format!("\"{id}\"\n"));
    }
    text
}

/// Every file, by path relative to the workspace.
fn files() -> BTreeMap<String, String> {
    let data = ci_data();
    let mut files = BTreeMap::from([(".ci/reference-data.json".to_owned(), data.to_json() + "\n")]);
    for (name, ids) in dictionaries(&data) {
        files.insert(
            format!(".ci/dictionaries/{name}"),
            dictionary_text(name, &ids),
        );
    }
    files
}

#[test]
fn ci_files_are_fresh() {
    let root = workspace();
    let update = std::env::var_os("UPDATE_CI_DATA").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for (path, text) in files() {
        let full = root.join(&path);
        if std::fs::read_to_string(&full).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        if update {
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(&full, text).unwrap();
        } else {
            stale.push(path);
        }
    }
    assert!(
        stale.is_empty(),
        "stale: {stale:?}; run `UPDATE_CI_DATA=1 cargo test -p reference-server --test ci_data`"
    );
}

#[test]
fn the_ci_data_extends_the_default_data() {
    let data = ci_data();
    data.check().unwrap();
    assert_eq!(Data::from_json(&data.to_json()).unwrap(), data);
    let default = Data::default();
    assert_eq!(data.tokens, default.tokens);
    assert_eq!(data.faults, default.faults);
    let (p, q) = (
        &default.projects[d::PROJECT_ID],
        &data.projects[d::PROJECT_ID],
    );
    assert_eq!(q.desktops[..p.desktops.len()], p.desktops[..]);
    assert_eq!(
        q.roma_instances[..p.roma_instances.len()],
        p.roma_instances[..]
    );
    assert_eq!(q.secrets[..p.secrets.len()], p.secrets[..]);
    assert_eq!(
        q.audit_instances[..p.audit_instances.len()],
        p.audit_instances[..]
    );
}

#[test]
fn dictionaries_name_only_resources_a_valid_request_may_delete() {
    let data = ci_data();
    let project = &data.projects[d::PROJECT_ID];
    let dicts = dictionaries(&data);
    for (name, ids) in &dicts {
        assert!(!ids.is_empty(), "{name}");
        for id in ids {
            assert!(!data.faults.contains_key(id), "{name}: fault id {id}");
        }
    }
    for id in &dicts["audit-instances.dict"] {
        let i = project
            .audit_instances
            .iter()
            .find(|i| &i.id == id)
            .unwrap();
        assert!(deletable(i), "{id} is refused with 400");
        assert!((32..=64).contains(&id.len()), "{id}: DBSS ids are 32 to 64");
    }
    assert!(!dicts["audit-instances.dict"]
        .iter()
        .any(|id| id == d::DBSS_PAY_PER_USE_BUSY || id == d::DBSS_YEARLY_HEALTHY));
    for id in &dicts["roma-tasks.dict"] {
        assert!(
            (1..=32).contains(&id.len()),
            "{id}: ROMA task ids are 1 to 32"
        );
    }
    // Every dictionary is used by the config, and every file it names exists.
    let config = std::fs::read_to_string(workspace().join(".ci/schemathesis.toml")).unwrap();
    for name in dicts.keys() {
        assert!(
            config.contains(&format!("\"dictionaries/{name}\"")),
            "{name} is not used by .ci/schemathesis.toml"
        );
    }
    for line in config.lines().filter(|l| l.contains("from-file")) {
        let name = line.split('"').nth(1).unwrap();
        let name = name.strip_prefix("dictionaries/").unwrap_or(name);
        assert!(dicts.contains_key(name), "{line}: no such dictionary");
    }
}

/// `.ci/schemathesis.toml` has one `[[project]]` per spec, matched by
/// `info.title`; a title that no longer matches would silently drop the
/// project's parameters (and the run would only find 404s).
#[test]
fn the_config_has_a_project_for_every_spec() {
    let root = workspace();
    let config = std::fs::read_to_string(root.join(".ci/schemathesis.toml")).unwrap();
    let titles: Vec<&str> = config
        .lines()
        .filter_map(|l| l.strip_prefix("title = \""))
        .map(|t| t.trim_end_matches('"'))
        .collect();
    let mut specs = Vec::new();
    for entry in std::fs::read_dir(root.join("specs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            specs.push(path);
        }
    }
    assert_eq!(titles.len(), specs.len(), "{titles:?}");
    for spec in specs {
        let text = std::fs::read_to_string(&spec).unwrap();
        let title = text
            .lines()
            .find_map(|l| l.strip_prefix("  title: "))
            .unwrap_or_else(|| panic!("{}: no info.title", spec.display()));
        assert!(
            titles.contains(&title),
            "no [[project]] for {} ({title:?})",
            spec.display()
        );
    }
    let projects = config.matches("[[project]]").count();
    let pinned = format!("project_id = \"{}\"", d::PROJECT_ID);
    assert_eq!(config.matches(pinned.as_str()).count(), projects);
}
