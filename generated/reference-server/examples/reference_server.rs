//! Runs the in-memory reference server (the `reference_server` library)
//! for all four services until the process is killed.
//!
//! ```text
//! cargo run --example reference_server -- --port 18080 [--host 127.0.0.1]
//!     [--token TOKEN]... [--aksk AK:SK]... [--data FILE] [--body-limit BYTES]
//!     [--max-connections N] [--header-timeout SECONDS] [--body-timeout SECONDS]
//! ```
//!
//! Without `--aksk`, requests signed (AK/SK, `SDK-HMAC-SHA256`) with the
//! default pair for local use are accepted: access key
//! `REFERENCEAK0000000001`, secret key
//! `reference-secret-key-0000000000000000001`.

use huaweicloud_batch_delete::runtime::server::Limits;

const USAGE: &str = "\
usage: reference_server --port PORT [--host ADDR] [--token TOKEN]... [--aksk AK:SK]...
                        [--data FILE] [--body-limit BYTES] [--max-connections N]
                        [--header-timeout SECONDS] [--body-timeout SECONDS]

Serves ROMA DeleteAsset, Workspace BatchDeleteDesktops and DeleteDesktopVolumes,
CSMS BatchDeleteSecrets and DBSS DeleteInstancesNew from memory until killed.

options:
  --port PORT          TCP port to listen on (0 picks a free one)
  --host ADDR          IP address to listen on (default 127.0.0.1)
  --token TOKEN        accept TOKEN in X-Auth-Token as a full-access user
                       (repeatable; the data set's own tokens stay valid)
  --aksk AK:SK         accept requests signed (AK/SK, SDK-HMAC-SHA256) with
                       access key AK and secret key SK (repeatable; the caller
                       is the user the data maps AK to, else a user named AK).
                       Default, when no --aksk is given:
                       REFERENCEAK0000000001:reference-secret-key-0000000000000000001
  --data FILE          JSON data set to serve (default: the built-in data set,
                       whose full-access token is `reference-token`)
  --body-limit BYTES   largest accepted request body (default 1048576)
  --max-connections N  connections served at once; more wait (default 1024)
  --header-timeout SECONDS
                       time allowed to send a request head, and to keep an
                       idle connection open (default 10)
  --body-timeout SECONDS
                       time allowed to send a request body (default 30)
  -h, --help           print this help";

/// What the command line asks for.
#[derive(Debug, PartialEq)]
struct Args {
    host: std::net::IpAddr,
    port: u16,
    tokens: Vec<String>,
    /// `(access key, secret key)`; empty: the default pair.
    access_keys: Vec<(String, String)>,
    data: Option<std::path::PathBuf>,
    limits: Limits,
}

/// A positive number of seconds (fractions allowed).
fn seconds(flag: &str, value: &str) -> Result<std::time::Duration, String> {
    value
        .parse::<f64>()
        .ok()
        .filter(|s| *s > 0.0)
        .and_then(|s| std::time::Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| format!("`{flag}` needs a positive number of seconds, not `{value}`"))
}

/// `Ok(None)`: help was asked for.
fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Args>, String> {
    let mut host = std::net::IpAddr::from([127, 0, 0, 1]);
    let mut port = None;
    let mut tokens = Vec::new();
    let mut access_keys = Vec::new();
    let mut data = None;
    let mut limits = Limits::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        if !matches!(
            flag.as_str(),
            "--port"
                | "--host"
                | "--token"
                | "--aksk"
                | "--data"
                | "--body-limit"
                | "--max-connections"
                | "--header-timeout"
                | "--body-timeout"
        ) {
            return Err(format!("unknown argument `{arg}`"));
        }
        let value = match inline.or_else(|| args.next()) {
            Some(v) => v,
            None => return Err(format!("`{flag}` needs a value")),
        };
        match flag.as_str() {
            "--port" => {
                port = Some(
                    value
                        .parse::<u16>()
                        .map_err(|_| format!("`{value}` is not a port number (0-65535)"))?,
                )
            }
            "--host" => {
                host = value
                    .parse()
                    .map_err(|_| format!("`{value}` is not an IP address"))?
            }
            "--token" => {
                if value.is_empty() {
                    return Err("`--token` needs a non-empty value".to_owned());
                }
                tokens.push(value)
            }
            "--aksk" => match value.split_once(':') {
                Some((ak, sk)) if !ak.is_empty() && !sk.is_empty() => {
                    access_keys.push((ak.to_owned(), sk.to_owned()))
                }
                _ => return Err(format!("`--aksk` needs AK:SK, not `{value}`")),
            },
            "--data" => data = Some(std::path::PathBuf::from(value)),
            "--body-limit" => {
                limits.body_limit = value
                    .parse()
                    .map_err(|_| format!("`{value}` is not a number of bytes"))?
            }
            "--max-connections" => {
                limits.max_connections =
                    value.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                        format!("`{value}` is not a positive number of connections")
                    })?
            }
            "--header-timeout" => limits.header_read_timeout = seconds(&flag, &value)?,
            _ => limits.body_read_timeout = seconds(&flag, &value)?,
        }
    }
    let Some(port) = port else {
        return Err("`--port` is required".to_owned());
    };
    Ok(Some(Args {
        host,
        port,
        tokens,
        access_keys,
        data,
        limits,
    }))
}

fn run(args: Args) -> Result<(), String> {
    use reference_server::{Data, ReferenceServer, Settings};

    let data = match &args.data {
        Some(path) => Data::from_file(path).map_err(|e| e.to_string())?,
        None => Data::default(),
    };
    let defaults = Settings::default();
    let settings = Settings {
        extra_tokens: args.tokens,
        access_keys: if args.access_keys.is_empty() {
            defaults.access_keys
        } else {
            args.access_keys
        },
        limits: args.limits,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        let addr = std::net::SocketAddr::new(args.host, args.port);
        let server = ReferenceServer::start(addr, data, settings)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        println!("listening on {}", server.url());
        server
            .wait()
            .await
            .map_err(|e| format!("server error: {e}"))
    })
}

fn main() {
    match parse(std::env::args().skip(1)) {
        Ok(None) => println!("{USAGE}"),
        Ok(Some(args)) => {
            if let Err(e) = run(args) {
                eprintln!("reference_server: {e}");
                std::process::exit(1);
            }
        }
        Err(e) => {
            eprintln!("reference_server: {e}\n\n{USAGE}");
            std::process::exit(2);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Option<Args>, String> {
        parse(list.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn parses_flags() {
        let a = args(&[
            "--port",
            "8080",
            "--token",
            "a",
            "--token=b",
            "--aksk",
            "AK1:SK:1",
            "--aksk=AK2:SK2",
            "--data",
            "d.json",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(a.port, 8080);
        assert_eq!(a.tokens, ["a", "b"]);
        assert_eq!(
            a.access_keys,
            [
                ("AK1".to_owned(), "SK:1".to_owned()),
                ("AK2".to_owned(), "SK2".to_owned())
            ]
        );
        assert_eq!(a.data.as_deref(), Some(std::path::Path::new("d.json")));
        assert_eq!(a.limits, Limits::default());
        let a = args(&[
            "--port",
            "1",
            "--body-limit",
            "10",
            "--max-connections=3",
            "--header-timeout",
            "0.5",
            "--body-timeout",
            "2",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(
            a.limits,
            Limits {
                body_limit: 10,
                max_connections: 3,
                header_read_timeout: std::time::Duration::from_millis(500),
                body_read_timeout: std::time::Duration::from_secs(2),
                ..Limits::default()
            }
        );
        assert!(args(&["--port", "1", "--max-connections", "0"]).is_err());
        assert!(args(&["--port", "1", "--header-timeout", "0"]).is_err());
        assert!(args(&["--port", "1", "--body-timeout", "soon"]).is_err());
        assert_eq!(args(&["--help"]), Ok(None));
        assert!(args(&[]).is_err());
        assert!(args(&["--port"]).is_err());
        assert!(args(&["--port", "70000"]).is_err());
        assert!(args(&["--port", "1", "--bogus"]).is_err());
        assert!(args(&["--port", "1", "--aksk", "nocolon"]).is_err());
        assert!(args(&["--port", "1", "--aksk", ":sk"]).is_err());
        assert!(args(&["--port", "1", "--aksk", "ak:"]).is_err());
        assert!(args(&["--port", "1", "--host", "nowhere"]).is_err());
    }
}
