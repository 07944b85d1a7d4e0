//! The data a reference server starts from: serde types, the default data
//! set and loading from JSON.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use huaweicloud_batch_delete::csms::types::BatchDeleteSecretsRequestInstanceType as InstanceType;

/// The default full-access token (user [`DEFAULT_USER`]).
pub const DEFAULT_TOKEN: &str = "reference-token";
/// The user behind [`DEFAULT_TOKEN`].
pub const DEFAULT_USER: &str = "reference-user";
/// A second full-access token, for a second user (user [`SECOND_USER`]).
pub const SECOND_TOKEN: &str = "reference-token-2";
/// The user behind [`SECOND_TOKEN`].
pub const SECOND_USER: &str = "reference-user-2";
/// A read-only token: every operation answers it with 403.
pub const READ_ONLY_TOKEN: &str = "reference-readonly-token";
/// The user behind [`READ_ONLY_TOKEN`].
pub const READ_ONLY_USER: &str = "reference-viewer";

/// The access key a reference server accepts by default (with
/// [`DEFAULT_SECRET_KEY`]) for `SDK-HMAC-SHA256` signed requests; see
/// [`Settings::access_keys`](crate::Settings::access_keys). Unless
/// [`Data::access_keys`] names it, it acts as a full-access user of its own
/// name.
pub const DEFAULT_ACCESS_KEY: &str = "REFERENCEAK0000000001";
/// The secret key of [`DEFAULT_ACCESS_KEY`]. Public: for local use only.
pub const DEFAULT_SECRET_KEY: &str = "reference-secret-key-0000000000000000001";

/// The one project of the default data set (32 characters, so every
/// service's path constraint accepts it).
pub const PROJECT_ID: &str = "29dfe82ada564ac2b927e1ff036d9a9b";

/// A desktop with two data disks ([`VOLUME_1`], [`VOLUME_2`]).
pub const DESKTOP_1: &str = "1d81c1dc-312b-4621-b778-bac3a1336442";
/// A desktop without data disks.
pub const DESKTOP_2: &str = "34e25501-fd50-42b5-97ca-f4c5bb7b09b0";
/// A desktop with one data disk ([`VOLUME_3`]).
pub const DESKTOP_3: &str = "3ec05f83-b8a3-4c72-857f-b33f55943320";
/// A desktop that is already being deleted (for ever): deleting it, or its
/// data disk [`VOLUME_DELETING`], answers 409.
pub const DESKTOP_DELETING: &str = "7c2b9e4a-6d1f-4a3b-9e8c-5f4d3c2b1a09";
/// A data disk of [`DESKTOP_1`].
pub const VOLUME_1: &str = "8a6c7a76-5476-4e13-827d-c331b829e245";
/// A data disk of [`DESKTOP_1`].
pub const VOLUME_2: &str = "2e49af66-7e7d-4c04-a6a6-0cc094b67009";
/// The data disk of [`DESKTOP_3`].
pub const VOLUME_3: &str = "5f0c3a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f";
/// The data disk of [`DESKTOP_DELETING`].
pub const VOLUME_DELETING: &str = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a";

/// The ROMA Connect instance of the default data set.
pub const ROMA_INSTANCE: &str = "ed07b2f0-b1bb-4d32-a5ab-01d4eb5c3b0e";
/// Integration applications of [`ROMA_INSTANCE`].
pub const ROMA_APPS: [&str; 2] = [
    "b1e6b1e6-4f3f-4a80-bb45-f4b9039f95a3",
    "b2e6b145-4f3f-4a80-aa45-f4b8029f95a4",
];
/// Data integration tasks of [`ROMA_INSTANCE`].
pub const ROMA_TASKS: [&str; 2] = [
    "b2e6a45612344a80aa45f4b8029f95a4",
    "1234566484f3f4a80aa45f4b00005a42",
];

/// An RDS instance with three secrets: `secretName1` and `secretName2`
/// are deleted, `secretName3` fails with [`PENDING_DELETION`] (the page's
/// own example).
pub const CSMS_RDS_INSTANCE: &str = "4f6e1c2d8a9b4c7d9e0f1a2b3c4d5e6fin01";
/// An APIG instance with one secret, `apig-app-secret`.
pub const CSMS_APIG_INSTANCE: &str = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
/// The failure cause of `secretName3`.
pub const PENDING_DELETION: &str =
    "CSMS.0107: Secret is already in the **Pending deletion** state.";

/// A pay-per-use audit instance without tasks: deletable.
pub const DBSS_PAY_PER_USE_IDLE: &str = "75abd6de-657b-444b-a867-c740ad2b66ec";
/// A pay-per-use audit instance with tasks: 400.
pub const DBSS_PAY_PER_USE_BUSY: &str = "86bce7ef-768c-455c-b978-d851be3c77fd";
/// A yearly/monthly audit instance that is not faulty: 400.
pub const DBSS_YEARLY_HEALTHY: &str = "97cdf8f0-879d-466d-ca89-e962cf4d88ae";
/// A yearly/monthly audit instance that is faulty: deletable.
pub const DBSS_YEARLY_FAULTY: &str = "a8de09a1-98ae-477e-8b9a-fa73d05e99bf";

/// How long a ROMA asset-deletion job and a desktop deletion run by
/// default, in milliseconds.
pub const DEFAULT_JOB_MS: u64 = 2000;

/// Every status a fault may name: the union of what the operations document.
pub const FAULT_STATUSES: [u16; 8] = [400, 401, 403, 404, 409, 500, 502, 504];

/// The id the default data set maps to fault `status`: `fault-` and the
/// status left-padded with zeros to 32 characters in all (so it satisfies
/// every id constraint of every operation, including DBSS's 32 to 64 and
/// CSMS's exactly-32 project id).
pub fn fault_id(status: u16) -> String {
    format!("fault-{status:0>26}")
}

/// Everything a reference server holds. Loadable from JSON (see
/// [`Data::from_json`]); unknown keys are refused so typos show.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Data {
    /// Accepted tokens (`X-Auth-Token`) and who they stand for.
    #[serde(default)]
    pub tokens: BTreeMap<String, TokenInfo>,
    /// Who the access keys of signed (AK/SK) requests stand for. The keys
    /// themselves, with their secrets, are the server's
    /// ([`Settings::access_keys`](crate::Settings::access_keys)); an
    /// accepted access key not named here is a full-access user of its own
    /// name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub access_keys: BTreeMap<String, TokenInfo>,
    /// The resources of each project, by project id.
    #[serde(default)]
    pub projects: BTreeMap<String, Project>,
    /// Injected failures: an operation whose path or body names one of these
    /// ids (or whose operation id, e.g. `DeleteAsset`, is a key) answers
    /// with the status (one of [`FAULT_STATUSES`]; a status the operation
    /// does not document becomes its 500, or its 400 if it has no 500).
    #[serde(default)]
    pub faults: BTreeMap<String, u16>,
    /// How long a ROMA asset-deletion job runs, in milliseconds; while one
    /// runs, the same user's next `DeleteAsset` answers 409. 0: jobs finish
    /// at once.
    #[serde(default = "default_job_ms")]
    pub roma_job_ms: u64,
    /// How long a deleted desktop stays in the deleting state, in
    /// milliseconds (deleting it again, or its data disks, answers 409);
    /// afterwards it is gone (404). 0: gone at once.
    #[serde(default = "default_job_ms")]
    pub desktop_job_ms: u64,
}

fn default_job_ms() -> u64 {
    DEFAULT_JOB_MS
}

/// Who a token stands for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenInfo {
    /// The user name (ROMA allows one running asset-deletion job per user).
    pub user: String,
    /// A read-only user gets 403 from every operation.
    #[serde(default)]
    pub read_only: bool,
}

/// The resources of one project.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// Workspace desktops.
    #[serde(default)]
    pub desktops: Vec<Desktop>,
    /// ROMA Connect instances.
    #[serde(default)]
    pub roma_instances: Vec<RomaInstance>,
    /// CSMS secrets.
    #[serde(default)]
    pub secrets: Vec<Secret>,
    /// DBSS audit instances.
    #[serde(default)]
    pub audit_instances: Vec<AuditInstance>,
}

/// A Workspace desktop.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Desktop {
    pub id: String,
    /// Its data disks.
    #[serde(default)]
    pub volumes: Vec<String>,
    /// Already being deleted. A desktop marked so in the data stays in that
    /// state; one deleted through the API leaves it after `desktop_job_ms`.
    #[serde(default)]
    pub deleting: bool,
}

/// A ROMA Connect instance and its assets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RomaInstance {
    pub id: String,
    /// Integration application ids.
    #[serde(default)]
    pub apps: Vec<String>,
    /// Data integration task ids.
    #[serde(default)]
    pub tasks: Vec<String>,
}

/// A CSMS secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Secret {
    pub name: String,
    /// The cloud service instance the secret is associated with.
    #[serde(default)]
    pub instance_id: Option<String>,
    /// That instance's type (`RDS`, `TaurusDB`, `GaussDB`, `APIG`).
    #[serde(default)]
    pub instance_type: Option<InstanceType>,
    /// When set, deleting the secret fails with this cause (it is reported
    /// in `failed_secrets` and kept).
    #[serde(default)]
    pub fail_reason: Option<String>,
}

/// How an audit instance is billed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChargingMode {
    /// `pay_per_use`: deletable only without tasks.
    PayPerUse,
    /// `yearly_monthly`: deletable only when faulty.
    YearlyMonthly,
}

/// A DBSS audit instance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditInstance {
    pub id: String,
    pub charging_mode: ChargingMode,
    /// Whether the instance has audit tasks.
    #[serde(default)]
    pub has_tasks: bool,
    /// Whether the instance is faulty.
    #[serde(default)]
    pub faulty: bool,
}

/// Why a data file could not be used.
#[derive(Debug)]
pub enum DataError {
    /// The file could not be read.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The JSON does not describe a [`Data`].
    Json(serde_json::Error),
    /// The JSON is well formed but inconsistent.
    Invalid(String),
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataError::Io { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            DataError::Json(e) => write!(f, "invalid data: {e}"),
            DataError::Invalid(why) => write!(f, "invalid data: {why}"),
        }
    }
}

impl std::error::Error for DataError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DataError::Io { source, .. } => Some(source),
            DataError::Json(e) => Some(e),
            DataError::Invalid(_) => None,
        }
    }
}

impl Data {
    /// Data with nothing in it: no tokens, projects or faults, default job
    /// durations.
    pub fn empty() -> Self {
        Data {
            tokens: BTreeMap::new(),
            access_keys: BTreeMap::new(),
            projects: BTreeMap::new(),
            faults: BTreeMap::new(),
            roma_job_ms: DEFAULT_JOB_MS,
            desktop_job_ms: DEFAULT_JOB_MS,
        }
    }

    /// Parses and checks JSON data.
    pub fn from_json(text: &str) -> Result<Self, DataError> {
        let data: Data = serde_json::from_str(text).map_err(DataError::Json)?;
        data.check().map_err(DataError::Invalid)?;
        Ok(data)
    }

    /// Reads, parses and checks a JSON data file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, DataError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| DataError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_json(&text)
    }

    /// The data as pretty JSON (what [`Data::from_json`] reads back).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Finds what would make the server misbehave: fault statuses no
    /// operation documents, and ids given twice within one collection.
    pub fn check(&self) -> Result<(), String> {
        for (id, status) in &self.faults {
            if !FAULT_STATUSES.contains(status) {
                return Err(format!(
                    "fault `{id}`: status {status} is none of {FAULT_STATUSES:?}"
                ));
            }
        }
        for (pid, p) in &self.projects {
            unique(pid, "desktop", p.desktops.iter().map(|d| d.id.as_str()))?;
            unique(
                pid,
                "data disk",
                p.desktops
                    .iter()
                    .flat_map(|d| d.volumes.iter().map(String::as_str)),
            )?;
            unique(
                pid,
                "ROMA instance",
                p.roma_instances.iter().map(|i| i.id.as_str()),
            )?;
            unique(pid, "secret", p.secrets.iter().map(|s| s.name.as_str()))?;
            unique(
                pid,
                "audit instance",
                p.audit_instances.iter().map(|i| i.id.as_str()),
            )?;
        }
        Ok(())
    }
}

fn unique<'a>(project: &str, what: &str, ids: impl Iterator<Item = &'a str>) -> Result<(), String> {
    let mut seen = std::collections::BTreeSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(format!(
                "project `{project}`: {what} `{id}` is listed twice"
            ));
        }
    }
    Ok(())
}

/// The documented default data set (see the module documentation of
/// [`crate`]).
impl Default for Data {
    fn default() -> Self {
        let tokens = [
            (DEFAULT_TOKEN, DEFAULT_USER, false),
            (SECOND_TOKEN, SECOND_USER, false),
            (READ_ONLY_TOKEN, READ_ONLY_USER, true),
        ]
        .into_iter()
        .map(|(token, user, read_only)| {
            (
                token.to_owned(),
                TokenInfo {
                    user: user.to_owned(),
                    read_only,
                },
            )
        })
        .collect();
        let desktop = |id: &str, volumes: &[&str], deleting: bool| Desktop {
            id: id.to_owned(),
            volumes: volumes.iter().map(|v| (*v).to_owned()).collect(),
            deleting,
        };
        let secret = |name: &str, instance: &str, ty: InstanceType, fail: Option<&str>| Secret {
            name: name.to_owned(),
            instance_id: Some(instance.to_owned()),
            instance_type: Some(ty),
            fail_reason: fail.map(str::to_owned),
        };
        let audit =
            |id: &str, charging_mode: ChargingMode, has_tasks: bool, faulty: bool| AuditInstance {
                id: id.to_owned(),
                charging_mode,
                has_tasks,
                faulty,
            };
        let project = Project {
            desktops: vec![
                desktop(DESKTOP_1, &[VOLUME_1, VOLUME_2], false),
                desktop(DESKTOP_2, &[], false),
                desktop(DESKTOP_3, &[VOLUME_3], false),
                desktop(DESKTOP_DELETING, &[VOLUME_DELETING], true),
            ],
            roma_instances: vec![RomaInstance {
                id: ROMA_INSTANCE.to_owned(),
                apps: ROMA_APPS.iter().map(|s| (*s).to_owned()).collect(),
                tasks: ROMA_TASKS.iter().map(|s| (*s).to_owned()).collect(),
            }],
            secrets: vec![
                secret("secretName1", CSMS_RDS_INSTANCE, InstanceType::Rds, None),
                secret("secretName2", CSMS_RDS_INSTANCE, InstanceType::Rds, None),
                secret(
                    "secretName3",
                    CSMS_RDS_INSTANCE,
                    InstanceType::Rds,
                    Some(PENDING_DELETION),
                ),
                secret(
                    "apig-app-secret",
                    CSMS_APIG_INSTANCE,
                    InstanceType::Apig,
                    None,
                ),
            ],
            audit_instances: vec![
                audit(DBSS_PAY_PER_USE_IDLE, ChargingMode::PayPerUse, false, false),
                audit(DBSS_PAY_PER_USE_BUSY, ChargingMode::PayPerUse, true, false),
                audit(
                    DBSS_YEARLY_HEALTHY,
                    ChargingMode::YearlyMonthly,
                    false,
                    false,
                ),
                audit(DBSS_YEARLY_FAULTY, ChargingMode::YearlyMonthly, false, true),
            ],
        };
        Data {
            tokens,
            access_keys: BTreeMap::new(),
            projects: [(PROJECT_ID.to_owned(), project)].into_iter().collect(),
            faults: FAULT_STATUSES.iter().map(|s| (fault_id(*s), *s)).collect(),
            roma_job_ms: DEFAULT_JOB_MS,
            desktop_job_ms: DEFAULT_JOB_MS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_data_round_trips_through_json() {
        let data = Data::default();
        data.check().unwrap();
        assert_eq!(Data::from_json(&data.to_json()).unwrap(), data);
        assert_eq!(fault_id(500), "fault-00000000000000000000000500");
        assert_eq!(fault_id(500).len(), 32);
    }

    #[test]
    fn minimal_json_gets_defaults_and_bad_json_is_refused() {
        let data = Data::from_json(r#"{"projects": {"p": {"desktops": [{"id": "d"}]}}}"#).unwrap();
        assert_eq!(data.roma_job_ms, DEFAULT_JOB_MS);
        assert!(data.tokens.is_empty());
        assert_eq!(data.projects["p"].desktops[0].volumes.len(), 0);
        assert!(matches!(
            Data::from_json(r#"{"projets": {}}"#),
            Err(DataError::Json(_))
        ));
        assert!(matches!(
            Data::from_json(r#"{"faults": {"x": 418}}"#),
            Err(DataError::Invalid(_))
        ));
        assert!(matches!(
            Data::from_json(r#"{"projects": {"p": {"secrets": [{"name": "a"}, {"name": "a"}]}}}"#),
            Err(DataError::Invalid(_))
        ));
        assert!(matches!(
            Data::from_file("/nonexistent/reference-data.json"),
            Err(DataError::Io { .. })
        ));
    }
}
