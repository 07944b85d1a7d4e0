"""Drives the reference server with the official Huawei Cloud Python SDK.

usage: sdk_conformance.py URL AK SK

URL is a reference server (`cargo run --example reference_server`) serving
the built-in data set and accepting the AK/SK pair AK:SK. Every operation
goes through the SDK's own clients with `BasicCredentials` (AK/SK signing,
`SDK-HMAC-SHA256`), CSMS `BatchDeleteSecrets` through `CsmsClient.call_api`
(the SDK has no method for it). Checks the parsed responses, that errors
arrive as `ClientRequestException` with the server's `error_code` and the
response's `X-Request-Id`, and that a wrong secret key gets 401.

Prints one line per SDK call that passed, then `sdk: N passed, M failed`;
exits non-zero when anything failed. Importing the SDK writes
~/.huaweicloud/application_id: run it with HOME set to a scratch directory.
"""

import json
import re
import sys
import traceback

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_handler import HttpHandler
from huaweicloudsdkcore.sdk_response import SdkResponse
from huaweicloudsdkcsms.v1 import CsmsClient
from huaweicloudsdkdbss.v1 import (
    DbssClient,
    DeleteInstanceDemandRequest,
    DeleteInstancesNewRequest,
)
from huaweicloudsdkroma.v2 import (
    AssetExportRequestApps,
    AssetOperateRequest,
    DeleteAssetRequest,
    RomaClient,
)
from huaweicloudsdkworkspace.v2 import (
    BatchDeleteDesktopsRequest,
    DeleteDesktopsReq,
    DeleteDesktopVolumesRequest,
    DeleteVolumesReq,
    WorkspaceClient,
)

# The built-in data set (huaweicloud_batch_delete::reference::data).
PROJECT = "29dfe82ada564ac2b927e1ff036d9a9b"
DESKTOP_1 = "1d81c1dc-312b-4621-b778-bac3a1336442"
DESKTOP_3 = "3ec05f83-b8a3-4c72-857f-b33f55943320"
VOLUME_3 = "5f0c3a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f"
ROMA_INSTANCE = "ed07b2f0-b1bb-4d32-a5ab-01d4eb5c3b0e"
ROMA_APP_1 = "b1e6b1e6-4f3f-4a80-bb45-f4b9039f95a3"
ROMA_APP_2 = "b2e6b145-4f3f-4a80-aa45-f4b8029f95a4"
RDS_INSTANCE = "4f6e1c2d8a9b4c7d9e0f1a2b3c4d5e6fin01"
AUDIT_DELETABLE = "75abd6de-657b-444b-a867-c740ad2b66ec"
UNKNOWN_INSTANCE = "00000000000000000000000000000000"

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
HEX32 = re.compile(r"^[0-9a-f]{32}$")


class BatchDeleteSecretsResponse(SdkResponse):
    """CSMS BatchDeleteSecrets' 200 body. huaweicloudsdkcsms has no model
    for it (nor a method); `call_api` deserialises into this class."""

    openapi_types = {
        "total": "int",
        "success_secrets": "list[str]",
        "failed_secrets": "list[object]",
    }
    attribute_map = {name: name for name in openapi_types}

    def __init__(self, total=None, success_secrets=None, failed_secrets=None):
        super().__init__()
        self.total = total
        self.success_secrets = success_secrets
        self.failed_secrets = failed_secrets


class Recorder:
    """Keeps the last HTTP response (every client shares one)."""

    def __init__(self):
        self.response = None

    def __call__(self, **kwargs):
        self.response = kwargs.get("response")

    def request_id(self):
        return self.response.headers.get("X-Request-Id")

    def authorization(self):
        return self.response.request.headers.get("Authorization", "")


def build(client_class, url, ak, sk, recorder):
    return (
        client_class.new_builder()
        .with_credentials(BasicCredentials(ak, sk, PROJECT))
        .with_endpoints([url])
        .with_http_handler(HttpHandler().add_response_handler(recorder))
        .build()
    )


class Run:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, call):
        try:
            detail = call()
        except Exception:  # noqa: BLE001 - every failure is reported
            self.failed += 1
            print(f"FAIL {name}", flush=True)
            traceback.print_exc()
            return
        self.passed += 1
        print(f"ok   {name}: {detail}", flush=True)


def expect(condition, what):
    if not condition:
        raise AssertionError(what)


def signed(recorder):
    auth = recorder.authorization()
    expect(auth.startswith("SDK-HMAC-SHA256 Access="), f"not AK/SK-signed: {auth!r}")


def expect_error(recorder, call, status, code):
    """`call` raises ClientRequestException(status) with `code` and the
    response's X-Request-Id."""
    try:
        response = call()
    except ClientRequestException as e:
        signed(recorder)
        expect(e.status_code == status, f"status {e.status_code}, not {status}: {e}")
        expect(e.error_code == code, f"error_code {e.error_code!r}, not {code!r}: {e}")
        header = recorder.request_id()
        expect(bool(header), "no X-Request-Id in the response")
        expect(e.request_id == header, f"request_id {e.request_id!r}, X-Request-Id {header!r}")
        return f"{status} {e.error_code} request_id={e.request_id}"
    raise AssertionError(f"expected {status}, got {getattr(response, 'status_code', response)!r}")


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    url, ak, sk = argv[1:]
    rec = Recorder()
    ws = build(WorkspaceClient, url, ak, sk, rec)
    roma = build(RomaClient, url, ak, sk, rec)
    csms = build(CsmsClient, url, ak, sk, rec)
    dbss = build(DbssClient, url, ak, sk, rec)
    run = Run()

    def batch_delete_desktops(ids):
        return ws.batch_delete_desktops(
            BatchDeleteDesktopsRequest(body=DeleteDesktopsReq(desktop_ids=ids))
        )

    def ws_batch():
        r = batch_delete_desktops([DESKTOP_1])
        signed(rec)
        expect(r.status_code == 202, f"status {r.status_code}")
        expect(UUID.match(r.job_id or ""), f"job_id {r.job_id!r}")
        return f"202 job_id={r.job_id}"

    run.check("workspace BatchDeleteDesktops", ws_batch)
    run.check(
        "workspace BatchDeleteDesktops again (409)",
        lambda: expect_error(rec, lambda: batch_delete_desktops([DESKTOP_1]), 409, "WKS.0409"),
    )

    def ws_volumes():
        r = ws.delete_desktop_volumes(
            DeleteDesktopVolumesRequest(
                desktop_id=DESKTOP_3, body=DeleteVolumesReq(volume_ids=[VOLUME_3])
            )
        )
        signed(rec)
        expect(r.status_code == 200, f"status {r.status_code}")
        expect(UUID.match(r.job_id or ""), f"job_id {r.job_id!r}")
        return f"200 job_id={r.job_id}"

    run.check("workspace DeleteDesktopVolumes", ws_volumes)

    def delete_asset(app):
        return roma.delete_asset(
            DeleteAssetRequest(
                instance_id=ROMA_INSTANCE,
                body=AssetOperateRequest(apps=[AssetExportRequestApps(id=app)], tasks=[]),
            )
        )

    def roma_delete():
        r = delete_asset(ROMA_APP_1)
        signed(rec)
        expect(r.status_code == 200, f"status {r.status_code}")
        expect(HEX32.match(r.job_id or ""), f"job_id {r.job_id!r}")
        return f"200 job_id={r.job_id}"

    run.check("roma DeleteAsset", roma_delete)
    # One job per user: the access key's job still runs (2 s by default).
    run.check(
        "roma DeleteAsset while the job runs (409)",
        lambda: expect_error(rec, lambda: delete_asset(ROMA_APP_2), 409, "ROMA.00000409"),
    )

    def batch_delete_secrets(instance_id, instance_type):
        return csms.call_api(
            resource_path="/v1/{project_id}/secrets/batch-delete",
            method="POST",
            header_params={"Content-Type": "application/json;charset=UTF-8"},
            body=json.dumps({"instance_id": instance_id, "instance_type": instance_type}),
            response_type=BatchDeleteSecretsResponse,
        )

    def csms_batch():
        r = batch_delete_secrets(RDS_INSTANCE, "RDS")
        signed(rec)
        expect(r.status_code == 200, f"status {r.status_code}")
        expect(isinstance(r, BatchDeleteSecretsResponse), f"parsed as {type(r)}")
        expect(r.total == 3, f"total {r.total!r}")
        expect(
            sorted(r.success_secrets or []) == ["secretName1", "secretName2"],
            f"success_secrets {r.success_secrets!r}",
        )
        failed = r.failed_secrets or []
        expect(
            [f.get("secret_name") for f in failed] == ["secretName3"] and failed[0].get("error_msg"),
            f"failed_secrets {failed!r}",
        )
        return (
            f"200 total={r.total} success_secrets={sorted(r.success_secrets)} "
            f"failed_secrets={[f['secret_name'] for f in failed]}"
        )

    run.check("csms BatchDeleteSecrets (call_api)", csms_batch)
    run.check(
        "csms BatchDeleteSecrets of an unknown instance (404)",
        lambda: expect_error(
            rec, lambda: batch_delete_secrets(UNKNOWN_INSTANCE, "RDS"), 404, "CSMS.0404"
        ),
    )

    def delete_audit(audit_id):
        return dbss.delete_instances_new(
            DeleteInstancesNewRequest(body=DeleteInstanceDemandRequest(id=audit_id))
        )

    def dbss_delete():
        r = delete_audit(AUDIT_DELETABLE)
        signed(rec)
        expect(r.status_code == 200, f"status {r.status_code}")
        expect(r.result == "success", f"result {r.result!r}")
        return f"200 result={r.result}"

    run.check("dbss DeleteInstancesNew", dbss_delete)
    run.check(
        "dbss DeleteInstancesNew again (404)",
        lambda: expect_error(rec, lambda: delete_audit(AUDIT_DELETABLE), 404, "DBSS.0404"),
    )

    def wrong_secret_key():
        bad = build(DbssClient, url, ak, sk + "-wrong", rec)
        try:
            bad.delete_instances_new(
                DeleteInstancesNewRequest(body=DeleteInstanceDemandRequest(id=AUDIT_DELETABLE))
            )
        except ClientRequestException as e:
            signed(rec)
            expect(e.status_code == 401, f"status {e.status_code}, not 401: {e}")
            expect(e.request_id == rec.request_id(), "request_id is not X-Request-Id")
            return f"401 {e.error_code} ({e.error_msg})"
        raise AssertionError("a wrong secret key was accepted")

    run.check("dbss DeleteInstancesNew with a wrong secret key (401)", wrong_secret_key)

    print(f"sdk: {run.passed} passed, {run.failed} failed")
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
