//! The four services' generated `Api` traits over one [`Store`]: each
//! operation runs its rules and turns a [`Failure`] into the reply variant
//! for its status, with an error body in the service's own style.

use std::sync::Arc;

use super::store::{Failure, Store};
use huaweicloud_batch_delete::runtime::server::RequestContext;
use huaweicloud_batch_delete::{csms, dbss, roma, workspace};

/// Implements every service's `server::Api` over shared state. Cheap to
/// clone; clones share the state.
#[derive(Clone, Debug)]
pub struct Reference {
    pub(super) store: Arc<Store>,
}

/// The error code of a service for a status, e.g. `WKS.0404`.
fn code(prefix: &str, width: usize, status: u16) -> String {
    format!("{prefix}.{status:0width$}")
}

/// At most `max` characters of `text`.
fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// Workspace `BaseResponse`: `error_code` at most 12 characters (`WKS.0404`).
fn workspace_error(f: &Failure) -> workspace::types::BaseResponse {
    workspace::types::BaseResponse {
        error_code: Some(code("WKS", 4, f.status)),
        error_msg: Some(cut(&f.message, 1000)),
        error_detail: f.field.clone(),
        encoded_authorization_message: None,
    }
}

/// ROMA `ErrorResp` (`ROMA.00000404`), with the request id; every string at
/// most 128 characters.
fn roma_error(f: &Failure, cx: &RequestContext) -> roma::types::ErrorResp {
    roma::types::ErrorResp {
        error_code: Some(code("ROMA", 8, f.status)),
        error_msg: Some(cut(&f.message, 128)),
        error_details: f.field.as_deref().map(|d| cut(d, 128)),
        request_id: Some(cut(&cx.request_id, 128)),
    }
}

/// CSMS `CsmsError` (`CSMS.0404`); the field at fault, if any, ends the message.
fn csms_error(f: &Failure) -> csms::types::CsmsError {
    let message = match &f.field {
        Some(field) => format!("{} (field `{field}`)", f.message),
        None => f.message.clone(),
    };
    csms::types::CsmsError {
        error_code: Some(code("CSMS", 4, f.status)),
        error_msg: Some(message),
    }
}

/// DBSS `DbssError` (`DBSS.0404`) with `details`: the precondition details
/// of a refusal, or one entry naming the field at fault.
fn dbss_error(f: &Failure) -> dbss::types::DbssError {
    let code = code("DBSS", 4, f.status);
    let details = if f.details.is_empty() {
        vec![dbss::types::DbssErrorDetail {
            error_code: Some(code.clone()),
            error_msg: Some(match &f.field {
                Some(field) => format!("{field}: {}", f.message),
                None => f.message.clone(),
            }),
        }]
    } else {
        f.details
            .iter()
            .map(|(c, m)| dbss::types::DbssErrorDetail {
                error_code: Some(cut(c, 32)),
                error_msg: Some(m.clone()),
            })
            .collect()
    };
    dbss::types::DbssError {
        details: Some(details),
        encoded_authorization_message: None,
        error_code: Some(code),
        error_msg: Some(f.message.clone()),
    }
}

impl workspace::server::Api for Reference {
    async fn batch_delete_desktops(
        &self,
        context: RequestContext,
        project_id: String,
        body: workspace::types::DeleteDesktopsReq,
    ) -> workspace::server::BatchDeleteDesktopsReply {
        use workspace::server::BatchDeleteDesktopsReply as R;
        match self
            .store
            .batch_delete_desktops(&context, &project_id, &body)
        {
            Ok(job) => {
                R::Accepted(workspace::types::BatchDeleteDesktopsResponse { job_id: Some(job) })
            }
            Err(f) => {
                let body = workspace_error(&f);
                match f.status {
                    400 => R::BadRequest(body),
                    401 => R::Unauthorized(body),
                    403 => R::Forbidden(body),
                    404 => R::NotFound(body),
                    409 => R::Conflict(body),
                    _ => R::InternalServerError(body),
                }
            }
        }
    }

    async fn delete_desktop_volumes(
        &self,
        context: RequestContext,
        project_id: String,
        desktop_id: String,
        body: workspace::types::DeleteVolumesReq,
    ) -> workspace::server::DeleteDesktopVolumesReply {
        use workspace::server::DeleteDesktopVolumesReply as R;
        match self
            .store
            .delete_desktop_volumes(&context, &project_id, &desktop_id, &body)
        {
            Ok(job) => R::Ok(workspace::types::DeleteDesktopVolumesResponse { job_id: Some(job) }),
            Err(f) => {
                let body = workspace_error(&f);
                match f.status {
                    400 => R::BadRequest(body),
                    401 => R::Unauthorized(body),
                    403 => R::Forbidden(body),
                    404 => R::NotFound(body),
                    409 => R::Conflict(body),
                    _ => R::InternalServerError(body),
                }
            }
        }
    }
}

impl roma::server::Api for Reference {
    async fn delete_asset(
        &self,
        context: RequestContext,
        project_id: String,
        instance_id: String,
        body: roma::types::AssetOperateRequest,
    ) -> roma::server::DeleteAssetReply {
        use roma::server::DeleteAssetReply as R;
        match self
            .store
            .delete_asset(&context, &project_id, &instance_id, &body)
        {
            Ok(job) => R::Ok(roma::types::DeleteAssetResponse { job_id: Some(job) }),
            Err(f) => {
                let body = roma_error(&f, &context);
                match f.status {
                    401 => R::Unauthorized(body),
                    403 => R::Forbidden(body),
                    404 => R::NotFound(body),
                    409 => R::Conflict(body),
                    // DeleteAsset documents no 5xx: 400 stands for the rest.
                    _ => R::BadRequest(body),
                }
            }
        }
    }
}

impl csms::server::Api for Reference {
    async fn batch_delete_secrets(
        &self,
        context: RequestContext,
        project_id: String,
        body: csms::types::BatchDeleteSecretsRequest,
    ) -> csms::server::BatchDeleteSecretsReply {
        use csms::server::BatchDeleteSecretsReply as R;
        match self
            .store
            .batch_delete_secrets(&context, &project_id, &body)
        {
            Ok(result) => R::Ok(result),
            Err(f) => {
                let body = csms_error(&f);
                match f.status {
                    400 => R::BadRequest(body),
                    401 => R::Unauthorized(body),
                    403 => R::Forbidden(body),
                    404 => R::NotFound(body),
                    502 => R::BadGateway(body),
                    504 => R::GatewayTimeout(body),
                    _ => R::InternalServerError(body),
                }
            }
        }
    }
}

impl dbss::server::Api for Reference {
    async fn delete_instances_new(
        &self,
        context: RequestContext,
        project_id: String,
        body: dbss::types::DeleteInstanceDemandRequest,
    ) -> dbss::server::DeleteInstancesNewReply {
        use dbss::server::DeleteInstancesNewReply as R;
        match self
            .store
            .delete_instances_new(&context, &project_id, &body)
        {
            Ok(()) => R::Ok(dbss::types::DeleteInstancesNewResponse {
                result: Some("success".to_owned()),
            }),
            Err(f) => {
                let body = dbss_error(&f);
                match f.status {
                    400 => R::BadRequest(body),
                    401 => R::Unauthorized(body),
                    403 => R::Forbidden(body),
                    404 => R::NotFound(body),
                    _ => R::InternalServerError(body),
                }
            }
        }
    }
}
