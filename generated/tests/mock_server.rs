//! The generated server as a mock for client tests: `server::serve` on a
//! free local port, `Api` methods left to their defaults (the documented
//! 500 in the spec's error body, saying the operation is not implemented),
//! one method implemented, and the generated client calling both over the
//! wire with the project ID taken from the AK/SK credentials.

use std::time::Duration;

use huaweicloud_batch_delete::runtime::client::{ClientConfig, Error};
use huaweicloud_batch_delete::runtime::server::RequestContext;
use huaweicloud_batch_delete::workspace::{self, server, types};

/// Implements only `DeleteDesktopVolumes`; `BatchDeleteDesktops` keeps its default.
struct Mock;

impl server::Api for Mock {
    async fn delete_desktop_volumes(
        &self,
        _context: RequestContext,
        project_id: String,
        desktop_id: String,
        body: types::DeleteVolumesReq,
    ) -> server::DeleteDesktopVolumesReply {
        assert_eq!(project_id, "p-from-credentials");
        assert_eq!(desktop_id, "d-1");
        assert_eq!(body.volume_ids, Some(vec!["v-1".to_owned()]));
        server::DeleteDesktopVolumesReply::Ok(types::DeleteDesktopVolumesResponse {
            job_id: Some("j-1".into()),
        })
    }
}

const LIMIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_mock_implements_only_what_a_test_needs() {
    let (base_url, handle) = server::serve(Mock).await.expect("the mock starts");
    // Any credentials are accepted; these carry the project ID.
    let credentials =
        workspace::client::aksk_auth("AK", "SK").with_project_id("p-from-credentials");
    let client =
        workspace::Client::with_config(ClientConfig::new(&base_url).with_auth(credentials));

    let done = tokio::time::timeout(
        LIMIT,
        client.delete_desktop_volumes(
            "d-1",
            types::DeleteVolumesReq {
                volume_ids: Some(vec!["v-1".into()]),
            },
        ),
    )
    .await
    .expect("in time")
    .expect("the implemented method answers 200");
    assert_eq!(done.status.as_u16(), 200);
    assert!(done.request_id.is_some());

    let body: types::DeleteDesktopsReq =
        serde_json::from_value(serde_json::json!({ "desktop_ids": ["d-1"] })).expect("a body");
    let err = tokio::time::timeout(LIMIT, client.batch_delete_desktops(body))
        .await
        .expect("in time")
        .expect_err("the default answers an error");
    // 501 Not Implemented, which the spec does not document for it, in the
    // spec's error body: the client keeps the status, headers and body.
    let Error::UnexpectedStatus(response) = &err else {
        panic!("expected the undocumented 501, got {err:?}");
    };
    assert_eq!(response.status.as_u16(), 501);
    let body: types::BaseResponse =
        serde_json::from_slice(&response.body).expect("the spec's error body");
    assert_eq!(body.error_code.as_deref(), Some("HTTP.501"));
    let message = body.error_msg.as_deref().unwrap_or_default();
    assert!(
        message.contains("BatchDeleteDesktops") && message.contains("not implemented"),
        "{message}"
    );

    tokio::time::timeout(LIMIT, handle.shutdown())
        .await
        .expect("the mock stops in time")
        .expect("the mock ends cleanly");
}
