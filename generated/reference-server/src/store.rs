//! The shared state and the business rules of the five operations, free of
//! HTTP: each operation returns its success value or a [`Failure`] that the
//! service adapters in `api.rs` turn into the operation's reply.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::data::{
    AuditInstance, ChargingMode, Data, Desktop, Project, RomaInstance, Secret, TokenInfo,
};
use huaweicloud_batch_delete::csms::types::{
    BatchDeleteSecretsRequest, BatchDeleteSecretsResponse, FailedDeletedSecrets,
};
use huaweicloud_batch_delete::dbss::types::DeleteInstanceDemandRequest;
use huaweicloud_batch_delete::roma::types::AssetOperateRequest;
use huaweicloud_batch_delete::runtime::server::RequestContext;
use huaweicloud_batch_delete::workspace::types::{DeleteDesktopsReq, DeleteVolumesReq};

/// Why an operation did not succeed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The HTTP status to answer with.
    pub status: u16,
    pub message: String,
    /// The request field at fault, when there is one (`desktop_ids[2]`).
    pub field: Option<String>,
    /// Service-specific precondition details (DBSS `details`).
    pub details: Vec<(String, String)>,
}

impl Failure {
    fn new(status: u16, message: impl Into<String>) -> Self {
        Failure {
            status,
            message: message.into(),
            field: None,
            details: Vec::new(),
        }
    }

    fn at(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    fn detail(mut self, code: &str, message: impl Into<String>) -> Self {
        self.details.push((code.to_owned(), message.into()));
        self
    }
}

type Outcome<T> = Result<T, Failure>;

/// When a desktop deleted through the API leaves the deleting state.
#[derive(Clone, Copy, Debug)]
enum Deleting {
    No,
    /// Marked deleting in the data: stays so.
    Forever,
    Until(Instant),
}

#[derive(Clone, Debug)]
struct DesktopState {
    id: String,
    volumes: Vec<String>,
    deleting: Deleting,
}

#[derive(Clone, Debug, Default)]
struct ProjectState {
    desktops: Vec<DesktopState>,
    roma_instances: Vec<RomaInstance>,
    secrets: Vec<Secret>,
    audit_instances: Vec<AuditInstance>,
}

#[derive(Clone, Debug)]
struct RomaJob {
    id: String,
    until: Instant,
}

#[derive(Debug)]
struct State {
    tokens: BTreeMap<String, TokenInfo>,
    access_keys: BTreeMap<String, TokenInfo>,
    projects: BTreeMap<String, ProjectState>,
    faults: BTreeMap<String, u16>,
    roma_job: Duration,
    desktop_job: Duration,
    /// The last asset-deletion job of each user.
    roma_jobs: HashMap<String, RomaJob>,
    ids: u64,
}

/// All resources behind one mutex; every operation takes it once and
/// finishes its whole check-then-change under it, so concurrent requests
/// see each other's effects atomically.
#[derive(Debug)]
pub struct Store {
    state: Mutex<State>,
}

/// Who is calling, as far as the rules care.
struct Caller {
    user: String,
}

impl Store {
    pub fn new(data: Data) -> Self {
        let projects = data
            .projects
            .into_iter()
            .map(|(id, p)| {
                let desktops = p
                    .desktops
                    .into_iter()
                    .map(|d| DesktopState {
                        id: d.id,
                        volumes: d.volumes,
                        deleting: if d.deleting {
                            Deleting::Forever
                        } else {
                            Deleting::No
                        },
                    })
                    .collect();
                let state = ProjectState {
                    desktops,
                    roma_instances: p.roma_instances,
                    secrets: p.secrets,
                    audit_instances: p.audit_instances,
                };
                (id, state)
            })
            .collect();
        Store {
            state: Mutex::new(State {
                tokens: data.tokens,
                access_keys: data.access_keys,
                projects,
                faults: data.faults,
                roma_job: Duration::from_millis(data.roma_job_ms),
                desktop_job: Duration::from_millis(data.desktop_job_ms),
                roma_jobs: HashMap::new(),
                ids: 0,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic under the lock leaves consistent data behind (every change
        // is made after all checks), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every token the data set knows.
    pub fn tokens(&self) -> Vec<String> {
        self.lock().tokens.keys().cloned().collect()
    }

    /// The current state as [`Data`] (desktops being deleted show
    /// `deleting: true`; finished deletions are gone).
    pub fn snapshot(&self) -> Data {
        let mut state = self.lock();
        let now = Instant::now();
        state.purge(now);
        Data {
            tokens: state.tokens.clone(),
            access_keys: state.access_keys.clone(),
            projects: state
                .projects
                .iter()
                .map(|(id, p)| {
                    let project = Project {
                        desktops: p
                            .desktops
                            .iter()
                            .map(|d| Desktop {
                                id: d.id.clone(),
                                volumes: d.volumes.clone(),
                                deleting: !matches!(d.deleting, Deleting::No),
                            })
                            .collect(),
                        roma_instances: p.roma_instances.clone(),
                        secrets: p.secrets.clone(),
                        audit_instances: p.audit_instances.clone(),
                    };
                    (id.clone(), project)
                })
                .collect(),
            faults: state.faults.clone(),
            roma_job_ms: state.roma_job.as_millis() as u64,
            desktop_job_ms: state.desktop_job.as_millis() as u64,
        }
    }

    /// Workspace `BatchDeleteDesktops`: the task id of the deletion job.
    pub fn batch_delete_desktops(
        &self,
        cx: &RequestContext,
        project_id: &str,
        body: &DeleteDesktopsReq,
    ) -> Outcome<String> {
        let mut state = self.lock();
        let named = [project_id]
            .into_iter()
            .chain(body.desktop_ids.iter().map(String::as_str));
        state.admit(cx, "BatchDeleteDesktops", named)?;
        let now = Instant::now();
        state.purge(now);
        let job = state.desktop_job;
        let project = state.project(project_id)?;
        let mut wanted: Vec<(usize, usize)> = Vec::new();
        let mut seen = BTreeSet::new();
        for (i, id) in body.desktop_ids.iter().enumerate() {
            let field = format!("desktop_ids[{i}]");
            if id.is_empty() {
                return Err(Failure::new(404, "no desktop has an empty id").at(field));
            }
            if !seen.insert(id.as_str()) {
                continue;
            }
            let Some(at) = project.desktops.iter().position(|d| d.id == *id) else {
                return Err(Failure::new(404, format!("desktop `{id}` does not exist")).at(field));
            };
            wanted.push((i, at));
        }
        for &(i, at) in &wanted {
            let d = &project.desktops[at];
            if !matches!(d.deleting, Deleting::No) {
                return Err(Failure::new(
                    409,
                    format!("desktop `{}` is already being deleted", d.id),
                )
                .at(format!("desktop_ids[{i}]")));
            }
        }
        for &(_, at) in &wanted {
            project.desktops[at].deleting = Deleting::Until(now + job);
        }
        if job.is_zero() {
            project
                .desktops
                .retain(|d| !matches!(d.deleting, Deleting::Until(_)));
        }
        Ok(state.uuid())
    }

    /// Workspace `DeleteDesktopVolumes`: the task id of the deletion job.
    /// Without `volume_ids`, every data disk of the desktop is deleted.
    pub fn delete_desktop_volumes(
        &self,
        cx: &RequestContext,
        project_id: &str,
        desktop_id: &str,
        body: &DeleteVolumesReq,
    ) -> Outcome<String> {
        let mut state = self.lock();
        let volumes = body.volume_ids.as_deref().unwrap_or_default();
        let named = [project_id, desktop_id]
            .into_iter()
            .chain(volumes.iter().map(String::as_str));
        state.admit(cx, "DeleteDesktopVolumes", named)?;
        state.purge(Instant::now());
        let project = state.project(project_id)?;
        let Some(desktop) = project.desktops.iter_mut().find(|d| d.id == desktop_id) else {
            return Err(
                Failure::new(404, format!("desktop `{desktop_id}` does not exist"))
                    .at("desktop_id"),
            );
        };
        if !matches!(desktop.deleting, Deleting::No) {
            return Err(
                Failure::new(409, format!("desktop `{desktop_id}` is being deleted"))
                    .at("desktop_id"),
            );
        }
        match &body.volume_ids {
            None => desktop.volumes.clear(),
            Some(ids) => {
                for (i, id) in ids.iter().enumerate() {
                    let field = format!("volume_ids[{i}]");
                    if id.is_empty() {
                        return Err(Failure::new(404, "no data disk has an empty id").at(field));
                    }
                    if !desktop.volumes.contains(id) {
                        return Err(Failure::new(
                            404,
                            format!("desktop `{desktop_id}` has no data disk `{id}`"),
                        )
                        .at(field));
                    }
                }
                desktop.volumes.retain(|v| !ids.contains(v));
            }
        }
        Ok(state.uuid())
    }

    /// ROMA `DeleteAsset`: the id of the asset-deletion job.
    pub fn delete_asset(
        &self,
        cx: &RequestContext,
        project_id: &str,
        instance_id: &str,
        body: &AssetOperateRequest,
    ) -> Outcome<String> {
        let mut state = self.lock();
        let named = [project_id, instance_id]
            .into_iter()
            .chain(body.apps.iter().filter_map(|a| a.id.as_deref()))
            .chain(body.tasks.iter().filter_map(|t| t.id.as_deref()));
        let caller = state.admit(cx, "DeleteAsset", named)?;
        let now = Instant::now();
        let apps = entries(body.apps.iter().map(|a| a.id.as_deref()), "apps");
        let tasks = entries(body.tasks.iter().map(|t| t.id.as_deref()), "tasks");
        let running = state
            .roma_jobs
            .get(&caller.user)
            .filter(|job| job.until > now)
            .map(|job| job.id.clone());
        let project = state.project(project_id)?;
        let Some(instance) = project
            .roma_instances
            .iter_mut()
            .find(|i| i.id == instance_id)
        else {
            return Err(
                Failure::new(404, format!("instance `{instance_id}` does not exist"))
                    .at("instance_id"),
            );
        };
        if let Some(job) = running {
            return Err(Failure::new(
                409,
                format!(
                    "asset deletion job {job} of this user is still running; \
                     only one may run at a time"
                ),
            ));
        }
        all_exist(&apps, &instance.apps, "integration application")?;
        all_exist(&tasks, &instance.tasks, "data integration task")?;
        let listed = |list: &[(String, Option<&str>)], asset: &String| {
            list.iter().any(|(_, id)| *id == Some(asset.as_str()))
        };
        instance.apps.retain(|a| !listed(&apps, a));
        instance.tasks.retain(|t| !listed(&tasks, t));
        let id = state.hex32();
        let until = now + state.roma_job;
        state.roma_jobs.insert(
            caller.user,
            RomaJob {
                id: id.clone(),
                until,
            },
        );
        Ok(id)
    }

    /// CSMS `BatchDeleteSecrets`: deletes every secret bound to the instance
    /// (of the type, when given) and reports each outcome.
    pub fn batch_delete_secrets(
        &self,
        cx: &RequestContext,
        project_id: &str,
        body: &BatchDeleteSecretsRequest,
    ) -> Outcome<BatchDeleteSecretsResponse> {
        let mut state = self.lock();
        let named = [project_id].into_iter().chain(body.instance_id.as_deref());
        state.admit(cx, "BatchDeleteSecrets", named)?;
        let project = state.project(project_id)?;
        let instance_id = match body.instance_id.as_deref() {
            Some(id) if !id.is_empty() => id,
            _ => {
                return Err(
                    Failure::new(404, "no instance_id was given, so no secret is selected")
                        .at("instance_id"),
                )
            }
        };
        let bound = |s: &Secret| s.instance_id.as_deref() == Some(instance_id);
        if !project.secrets.iter().any(bound) {
            return Err(Failure::new(
                404,
                format!("no secret is associated with instance `{instance_id}`"),
            )
            .at("instance_id"));
        }
        let selected = |s: &Secret| {
            bound(s)
                && body
                    .instance_type
                    .is_none_or(|t| s.instance_type == Some(t))
        };
        if !project.secrets.iter().any(selected) {
            let ty = body.instance_type.map(|t| t.as_str()).unwrap_or_default();
            return Err(Failure::new(
                404,
                format!("no secret is associated with {ty} instance `{instance_id}`"),
            )
            .at("instance_type"));
        }
        let mut success = Vec::new();
        let mut failed = Vec::new();
        project.secrets.retain(|s| {
            if !selected(s) {
                return true;
            }
            match &s.fail_reason {
                Some(why) => {
                    failed.push(FailedDeletedSecrets {
                        secret_name: Some(s.name.clone()),
                        error_msg: Some(why.clone()),
                    });
                    true
                }
                None => {
                    success.push(s.name.clone());
                    false
                }
            }
        });
        Ok(BatchDeleteSecretsResponse {
            total: Some((success.len() + failed.len()) as i64),
            success_secrets: Some(success),
            failed_secrets: Some(failed),
        })
    }

    /// DBSS `DeleteInstancesNew`: deletes an audit instance whose billing
    /// allows it.
    pub fn delete_instances_new(
        &self,
        cx: &RequestContext,
        project_id: &str,
        body: &DeleteInstanceDemandRequest,
    ) -> Outcome<()> {
        let mut state = self.lock();
        state.admit(
            cx,
            "DeleteInstancesNew",
            [project_id, body.id.as_str()].into_iter(),
        )?;
        let project = state.project(project_id)?;
        let Some(at) = project.audit_instances.iter().position(|i| i.id == body.id) else {
            return Err(
                Failure::new(404, format!("audit instance `{}` does not exist", body.id)).at("id"),
            );
        };
        let instance = &project.audit_instances[at];
        match instance.charging_mode {
            ChargingMode::PayPerUse if instance.has_tasks => {
                return Err(Failure::new(
                    400,
                    format!("audit instance `{}` cannot be deleted", body.id),
                )
                .at("id")
                .detail(
                    "DBSS.PAY_PER_USE_HAS_TASKS",
                    "a pay-per-use instance can be deleted only when it has no tasks",
                ));
            }
            ChargingMode::YearlyMonthly if !instance.faulty => {
                return Err(Failure::new(
                    400,
                    format!("audit instance `{}` cannot be deleted", body.id),
                )
                .at("id")
                .detail(
                    "DBSS.YEARLY_MONTHLY_NOT_FAULTY",
                    "a yearly/monthly instance can be deleted only when it is faulty",
                ));
            }
            _ => {}
        }
        project.audit_instances.remove(at);
        Ok(())
    }
}

/// The ids of `apps`/`tasks` entries, each with its field (`apps[0].id`).
fn entries<'a>(
    ids: impl Iterator<Item = Option<&'a str>>,
    list: &str,
) -> Vec<(String, Option<&'a str>)> {
    ids.enumerate()
        .map(|(i, id)| (format!("{list}[{i}].id"), id))
        .collect()
}

/// Every entry must name an asset of `existing`; the first that does not
/// is a 404 naming its field. An entry without an id (or with an empty
/// one; the schema allows both for applications) names no asset.
fn all_exist(entries: &[(String, Option<&str>)], existing: &[String], what: &str) -> Outcome<()> {
    for (field, id) in entries {
        match id {
            Some(id) if !id.is_empty() => {
                if !existing.iter().any(|e| e == id) {
                    return Err(Failure::new(404, format!("{what} `{id}` does not exist"))
                        .at(field.clone()));
                }
            }
            _ => {
                return Err(
                    Failure::new(404, format!("an entry without an id names no {what}"))
                        .at(field.clone()),
                );
            }
        }
    }
    Ok(())
}

impl State {
    /// The checks every operation starts with: a read-only caller gets 403,
    /// then a fault on any named id (or the operation id) wins.
    fn admit<'a>(
        &self,
        cx: &RequestContext,
        operation: &str,
        mut named: impl Iterator<Item = &'a str>,
    ) -> Outcome<Caller> {
        let Some(identity) = &cx.identity else {
            return Err(Failure::new(401, "no credentials were sent"));
        };
        // A signed request's principal is its access key; any other, a token.
        let users = if identity.scheme == "aksk" {
            &self.access_keys
        } else {
            &self.tokens
        };
        let caller = match users.get(&identity.principal) {
            Some(info) if info.read_only => {
                return Err(Failure::new(
                    403,
                    format!(
                        "user `{}` has read-only access and may not delete",
                        info.user
                    ),
                ));
            }
            Some(info) => Caller {
                user: info.user.clone(),
            },
            // A token or access key accepted by the server but not in the
            // data (given on the command line): a full-access user of its own.
            None => Caller {
                user: identity.principal.clone(),
            },
        };
        if let Some(status) = self.faults.get(operation) {
            return Err(fault(*status, operation));
        }
        if let Some((id, status)) = named.find_map(|id| self.faults.get(id).map(|s| (id, *s))) {
            return Err(fault(status, id));
        }
        Ok(caller)
    }

    fn project(&mut self, project_id: &str) -> Outcome<&mut ProjectState> {
        self.projects.get_mut(project_id).ok_or_else(|| {
            Failure::new(404, format!("project `{project_id}` does not exist")).at("project_id")
        })
    }

    /// Ends finished desktop deletions.
    fn purge(&mut self, now: Instant) {
        for p in self.projects.values_mut() {
            p.desktops
                .retain(|d| !matches!(d.deleting, Deleting::Until(t) if t <= now));
        }
    }

    /// A fresh pseudo-random 128-bit value.
    fn next_id(&mut self) -> u128 {
        self.ids += 1;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or_default();
        let hi = mix(now ^ self.ids.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let lo = mix(hi ^ self.ids);
        (u128::from(hi) << 64) | u128::from(lo)
    }

    /// A job id like Workspace's: `abc85365-0b2e-4b4f-a091-f7db72072d4b`.
    fn uuid(&mut self) -> String {
        let h = format!("{:032x}", self.next_id());
        format!(
            "{}-{}-4{}-a{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..32]
        )
    }

    /// A job id like ROMA's: 32 hex digits.
    fn hex32(&mut self) -> String {
        format!("{:032x}", self.next_id())
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn fault(status: u16, id: &str) -> Failure {
    Failure::new(status, format!("injected fault {status} for `{id}`"))
}

#[cfg(test)]
mod tests {
    use super::super::data::*;
    use super::*;
    use huaweicloud_batch_delete::csms::types::BatchDeleteSecretsRequestInstanceType as Ty;
    use huaweicloud_batch_delete::roma::types::{AssetExportRequestApps, AssetExportRequestTasks};
    use huaweicloud_batch_delete::runtime::server::Identity;

    fn cx(token: &str) -> RequestContext {
        RequestContext {
            request_id: "r".into(),
            identity: Some(Identity {
                scheme: "token".into(),
                principal: token.into(),
            }),
        }
    }

    fn desktops(ids: &[&str]) -> DeleteDesktopsReq {
        DeleteDesktopsReq {
            desktop_ids: ids.iter().map(|s| (*s).to_owned()).collect(),
            delete_users: false,
            email_notification: true,
            is_force_delete: false,
        }
    }

    fn status<T: std::fmt::Debug>(r: Outcome<T>) -> u16 {
        r.unwrap_err().status
    }

    #[test]
    fn desktops_are_deleting_then_gone() {
        let data = Data {
            desktop_job_ms: 0,
            ..Data::default()
        };
        let store = Store::new(data);
        let t = cx(DEFAULT_TOKEN);
        let job = store
            .batch_delete_desktops(&t, PROJECT_ID, &desktops(&[DESKTOP_1, DESKTOP_1]))
            .unwrap();
        assert_eq!(job.len(), 36);
        assert_eq!(
            status(store.batch_delete_desktops(&t, PROJECT_ID, &desktops(&[DESKTOP_1]))),
            404
        );
        assert_eq!(
            status(store.batch_delete_desktops(&t, PROJECT_ID, &desktops(&[DESKTOP_DELETING]))),
            409
        );
        // All or nothing: DESKTOP_2 survives a batch with an unknown id.
        let e = store
            .batch_delete_desktops(&t, PROJECT_ID, &desktops(&[DESKTOP_2, "nope"]))
            .unwrap_err();
        assert_eq!(
            (e.status, e.field.as_deref()),
            (404, Some("desktop_ids[1]"))
        );
        assert!(store.snapshot().projects[PROJECT_ID]
            .desktops
            .iter()
            .any(|d| d.id == DESKTOP_2));
        // An empty id (the schema allows it) names no desktop.
        let e = store
            .batch_delete_desktops(&t, PROJECT_ID, &desktops(&[DESKTOP_2, ""]))
            .unwrap_err();
        assert_eq!(
            (e.status, e.field.as_deref()),
            (404, Some("desktop_ids[1]"))
        );
        assert_eq!(
            status(store.batch_delete_desktops(&t, "other", &desktops(&[DESKTOP_2]))),
            404
        );
        assert_eq!(
            status(store.batch_delete_desktops(
                &cx(READ_ONLY_TOKEN),
                PROJECT_ID,
                &desktops(&[DESKTOP_2])
            )),
            403
        );
        assert_eq!(
            status(store.batch_delete_desktops(&t, PROJECT_ID, &desktops(&[&fault_id(500)]))),
            500
        );
    }

    #[test]
    fn a_deleting_desktop_conflicts_until_its_job_ends() {
        let data = Data {
            desktop_job_ms: 60_000,
            ..Data::default()
        };
        let store = Store::new(data);
        let t = cx(DEFAULT_TOKEN);
        store
            .batch_delete_desktops(&t, PROJECT_ID, &desktops(&[DESKTOP_3]))
            .unwrap();
        assert_eq!(
            status(store.batch_delete_desktops(&t, PROJECT_ID, &desktops(&[DESKTOP_3]))),
            409
        );
        let all = DeleteVolumesReq { volume_ids: None };
        assert_eq!(
            status(store.delete_desktop_volumes(&t, PROJECT_ID, DESKTOP_3, &all)),
            409
        );
        let d = store.snapshot().projects[PROJECT_ID].desktops.clone();
        assert!(d.iter().find(|d| d.id == DESKTOP_3).unwrap().deleting);
    }

    #[test]
    fn volumes() {
        let store = Store::new(Data::default());
        let t = cx(DEFAULT_TOKEN);
        let some = |ids: &[&str]| DeleteVolumesReq {
            volume_ids: Some(ids.iter().map(|s| (*s).to_owned()).collect()),
        };
        store
            .delete_desktop_volumes(&t, PROJECT_ID, DESKTOP_1, &some(&[VOLUME_1]))
            .unwrap();
        let e = store
            .delete_desktop_volumes(&t, PROJECT_ID, DESKTOP_1, &some(&[VOLUME_2, VOLUME_1]))
            .unwrap_err();
        assert_eq!((e.status, e.field.as_deref()), (404, Some("volume_ids[1]")));
        assert_eq!(
            status(store.delete_desktop_volumes(&t, PROJECT_ID, "nope", &some(&[VOLUME_2]))),
            404
        );
        let e = store
            .delete_desktop_volumes(&t, PROJECT_ID, DESKTOP_1, &some(&[VOLUME_2, ""]))
            .unwrap_err();
        assert_eq!((e.status, e.field.as_deref()), (404, Some("volume_ids[1]")));
        store
            .delete_desktop_volumes(
                &t,
                PROJECT_ID,
                DESKTOP_1,
                &DeleteVolumesReq { volume_ids: None },
            )
            .unwrap();
        let d = store.snapshot().projects[PROJECT_ID].desktops.clone();
        assert!(d[0].volumes.is_empty());
    }

    #[test]
    fn one_roma_job_per_user() {
        let data = Data {
            roma_job_ms: 60_000,
            ..Data::default()
        };
        let store = Store::new(data);
        let req = |apps: &[&str], tasks: &[&str]| AssetOperateRequest {
            apps: apps
                .iter()
                .map(|id| AssetExportRequestApps {
                    id: Some((*id).to_owned()),
                })
                .collect(),
            tasks: tasks
                .iter()
                .map(|id| AssetExportRequestTasks {
                    id: Some((*id).to_owned()),
                })
                .collect(),
        };
        let t = cx(DEFAULT_TOKEN);
        let job = store
            .delete_asset(&t, PROJECT_ID, ROMA_INSTANCE, &req(&[ROMA_APPS[0]], &[]))
            .unwrap();
        assert_eq!(job.len(), 32);
        assert_eq!(
            status(store.delete_asset(&t, PROJECT_ID, ROMA_INSTANCE, &req(&[], &[]))),
            409
        );
        // Another user is not blocked, but the deleted app is gone.
        let t2 = cx(SECOND_TOKEN);
        assert_eq!(
            status(store.delete_asset(&t2, PROJECT_ID, ROMA_INSTANCE, &req(&[ROMA_APPS[0]], &[]))),
            404
        );
        assert_eq!(
            status(store.delete_asset(&t2, PROJECT_ID, "nope", &req(&[], &[]))),
            404
        );
        store
            .delete_asset(&t2, PROJECT_ID, ROMA_INSTANCE, &req(&[], &[ROMA_TASKS[1]]))
            .unwrap();
        let missing = AssetOperateRequest {
            apps: vec![AssetExportRequestApps { id: None }],
            tasks: vec![],
        };
        let e = store
            .delete_asset(&cx("cli"), PROJECT_ID, ROMA_INSTANCE, &missing)
            .unwrap_err();
        assert_eq!((e.status, e.field.as_deref()), (404, Some("apps[0].id")));
        // An entry without an id or with an empty one names nothing, and
        // nothing of the request is deleted.
        let cli2 = cx("cli-2");
        let mut mixed = req(&[ROMA_APPS[1]], &[ROMA_TASKS[0]]);
        mixed.tasks.push(AssetExportRequestTasks { id: None });
        let e = store
            .delete_asset(&cli2, PROJECT_ID, ROMA_INSTANCE, &mixed)
            .unwrap_err();
        assert_eq!((e.status, e.field.as_deref()), (404, Some("tasks[1].id")));
        let e = store
            .delete_asset(&cli2, PROJECT_ID, ROMA_INSTANCE, &req(&[""], &[]))
            .unwrap_err();
        assert_eq!((e.status, e.field.as_deref()), (404, Some("apps[0].id")));
        let left = &store.snapshot().projects[PROJECT_ID].roma_instances[0];
        assert_eq!(left.apps, [ROMA_APPS[1]]);
        assert_eq!(left.tasks, [ROMA_TASKS[0]]);
    }

    #[test]
    fn secrets() {
        let store = Store::new(Data::default());
        let t = cx(DEFAULT_TOKEN);
        let req = |id: Option<&str>, ty: Option<Ty>| BatchDeleteSecretsRequest {
            instance_id: id.map(str::to_owned),
            instance_type: ty,
        };
        assert_eq!(
            status(store.batch_delete_secrets(
                &t,
                PROJECT_ID,
                &req(Some(CSMS_RDS_INSTANCE), Some(Ty::Apig))
            )),
            404
        );
        let r = store
            .batch_delete_secrets(&t, PROJECT_ID, &req(Some(CSMS_RDS_INSTANCE), Some(Ty::Rds)))
            .unwrap();
        assert_eq!(r.total, Some(3));
        assert_eq!(
            r.success_secrets.unwrap(),
            vec!["secretName1".to_owned(), "secretName2".to_owned()]
        );
        assert_eq!(
            r.failed_secrets.unwrap()[0].error_msg.as_deref(),
            Some(PENDING_DELETION)
        );
        let r = store
            .batch_delete_secrets(&t, PROJECT_ID, &req(Some(CSMS_RDS_INSTANCE), None))
            .unwrap();
        assert_eq!(r.total, Some(1));
        // No instance_id (optional in the schema) or an empty one selects
        // nothing.
        for id in [None, Some("")] {
            let e = store
                .batch_delete_secrets(&t, PROJECT_ID, &req(id, Some(Ty::Rds)))
                .unwrap_err();
            assert_eq!((e.status, e.field.as_deref()), (404, Some("instance_id")));
        }
        assert_eq!(
            status(store.batch_delete_secrets(&t, PROJECT_ID, &req(Some("x"), None))),
            404
        );
        assert_eq!(
            status(store.batch_delete_secrets(&t, PROJECT_ID, &req(Some(&fault_id(504)), None))),
            504
        );
    }

    #[test]
    fn audit_instances() {
        let store = Store::new(Data::default());
        let t = cx(DEFAULT_TOKEN);
        let req = |id: &str| DeleteInstanceDemandRequest {
            id: id.to_owned(),
            delete_publicip: None,
            delete_volume: Some(true),
        };
        store
            .delete_instances_new(&t, PROJECT_ID, &req(DBSS_PAY_PER_USE_IDLE))
            .unwrap();
        assert_eq!(
            status(store.delete_instances_new(&t, PROJECT_ID, &req(DBSS_PAY_PER_USE_IDLE))),
            404
        );
        store
            .delete_instances_new(&t, PROJECT_ID, &req(DBSS_YEARLY_FAULTY))
            .unwrap();
        for id in [DBSS_PAY_PER_USE_BUSY, DBSS_YEARLY_HEALTHY] {
            let e = store
                .delete_instances_new(&t, PROJECT_ID, &req(id))
                .unwrap_err();
            assert_eq!(e.status, 400);
            assert_eq!(e.details.len(), 1);
        }
    }

    #[test]
    fn operation_faults_and_unknown_callers() {
        let mut data = Data::default();
        data.faults.insert("DeleteInstancesNew".into(), 403);
        let store = Store::new(data);
        let req = DeleteInstanceDemandRequest {
            id: DBSS_PAY_PER_USE_IDLE.into(),
            delete_publicip: None,
            delete_volume: None,
        };
        assert_eq!(
            status(store.delete_instances_new(&cx(DEFAULT_TOKEN), PROJECT_ID, &req)),
            403
        );
        let anonymous = RequestContext {
            request_id: "r".into(),
            identity: None,
        };
        assert_eq!(
            status(store.delete_instances_new(&anonymous, PROJECT_ID, &req)),
            401
        );
    }
}
