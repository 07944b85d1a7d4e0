//! Deletes Workspace desktops in one batch.
//!
//! ```sh
//! cargo run --example batch_delete_desktops -- --region cn-north-4 DESKTOP_ID...
//! ```
//!
//! Credentials come from the default chain: `HUAWEICLOUD_SDK_AK`,
//! `HUAWEICLOUD_SDK_SK` and `HUAWEICLOUD_SDK_PROJECT_ID` (plus
//! `HUAWEICLOUD_SDK_SECURITY_TOKEN` for temporary credentials), else the
//! `[basic]` section of `~/.huaweicloud/credentials`. The project ID in the
//! request path is the credentials' own. The endpoint comes from the region
//! chain: `HUAWEICLOUD_SDK_REGION_WORKSPACE_<REGION>` (for example
//! `HUAWEICLOUD_SDK_REGION_WORKSPACE_CN_NORTH_4=http://127.0.0.1:18080`),
//! else `~/.huaweicloud/regions.yaml`, else the built-in region table.
//!
//! Prints the job ID and the request ID and exits 0 when the deletion is
//! accepted; prints the status, error code, message and request ID of an
//! API error and exits 1; exits 2 on bad arguments.

use std::process::ExitCode;

use huaweicloud_batch_delete::runtime::client::{ClientConfig, Error};
use huaweicloud_batch_delete::runtime::credentials::Credentials;
use huaweicloud_batch_delete::workspace::{client, types};

const USAGE: &str = "usage: batch_delete_desktops --region REGION DESKTOP_ID...";

/// The command line: a region and at least one desktop ID.
struct Args {
    region: String,
    desktop_ids: Vec<String>,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut region = None;
    let mut desktop_ids = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--region" => {
                region = Some(args.next().ok_or("`--region` needs a region ID")?);
            }
            _ if arg.starts_with("--region=") => {
                region = Some(arg["--region=".len()..].to_owned());
            }
            "-h" | "--help" => return Err(USAGE.to_owned()),
            _ if arg.starts_with('-') => return Err(format!("unknown option `{arg}`\n{USAGE}")),
            _ => desktop_ids.push(arg),
        }
    }
    let region = region.ok_or_else(|| format!("`--region` is required\n{USAGE}"))?;
    if desktop_ids.is_empty() {
        return Err(format!("give at least one desktop ID\n{USAGE}"));
    }
    Ok(Args {
        region,
        desktop_ids,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let credentials = match Credentials::default_chain() {
        Ok(credentials) => credentials,
        Err(e) => {
            eprintln!("no credentials: {e}");
            return ExitCode::from(2);
        }
    };
    let endpoint = match client::region_endpoint(&args.region) {
        Ok(endpoint) => endpoint,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let workspace =
        client::Client::with_config(ClientConfig::new(endpoint).with_credentials(credentials));

    let body = types::DeleteDesktopsReq::new(args.desktop_ids);
    match workspace.batch_delete_desktops(body).await {
        Ok(done) => {
            println!(
                "accepted: job {} (request {})",
                done.body.job_id.as_deref().unwrap_or("-"),
                done.request_id.as_deref().unwrap_or("-"),
            );
            ExitCode::SUCCESS
        }
        Err(e @ Error::Api(_)) => {
            let status = e.status().map_or(0, |s| s.as_u16());
            eprintln!("error: {e}");
            eprintln!("  status:     {status}");
            eprintln!("  error_code: {}", e.code().unwrap_or("-"));
            eprintln!("  message:    {}", e.message().unwrap_or("-"));
            eprintln!("  request id: {}", e.request_id().unwrap_or("-"));
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_args;

    fn args(list: &[&str]) -> Result<super::Args, String> {
        parse_args(list.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn takes_a_region_and_desktop_ids() {
        let parsed = args(&["--region", "cn-north-4", "d-1", "d-2"]).unwrap();
        assert_eq!(parsed.region, "cn-north-4");
        assert_eq!(parsed.desktop_ids, ["d-1", "d-2"]);
        let parsed = args(&["d-1", "--region=eu-west-101"]).unwrap();
        assert_eq!(parsed.region, "eu-west-101");
    }

    #[test]
    fn refuses_what_is_missing_or_unknown() {
        assert!(args(&["d-1"])
            .unwrap_err()
            .contains("`--region` is required"));
        assert!(args(&["--region", "cn-north-4"])
            .unwrap_err()
            .contains("at least one desktop ID"));
        assert!(args(&["--region"])
            .unwrap_err()
            .contains("needs a region ID"));
        assert!(args(&["--regoin", "x", "d"])
            .unwrap_err()
            .contains("unknown option"));
    }
}
