//! Region IDs to endpoints, as the official SDKs (`huaweicloudsdkcore`)
//! resolve them, for a service named by the document (`x-region-override`
//! on its server's region variable):
//!
//! 1. the environment: `HUAWEICLOUD_SDK_REGION_<SERVICE>_<REGION>` (service
//!    upper-cased, region upper-cased with `-` as `_`, so
//!    `HUAWEICLOUD_SDK_REGION_ECS_CN_NORTH_4`), a comma-separated list of
//!    endpoints of which the first is used;
//! 2. the regions file, `HUAWEICLOUD_SDK_REGIONS_FILE`, else
//!    `~/.huaweicloud/regions.yaml`: a YAML mapping from service names
//!    (matched without regard to case) to lists of
//!    `{id: REGION, endpoint: URL}` or `{id: REGION, endpoints: [URL, ...]}`;
//! 3. the built-in table: the document's list of regions, put into its
//!    server URL.
//!
//! An override may name any region ID; one that is in none of the three is
//! refused, with the known IDs listed.

use std::fmt;
use std::path::{Path, PathBuf};

use saphyr_parser::{Event, Marker, Parser};

use super::auth::Environment;

/// The variable naming the regions file.
pub const ENV_REGIONS_FILE: &str = "HUAWEICLOUD_SDK_REGIONS_FILE";
/// The regions file below the home directory, unless [`ENV_REGIONS_FILE`]
/// names another.
pub const DEFAULT_REGIONS_FILE: &str = ".huaweicloud/regions.yaml";
/// The prefix of the variables naming one region's endpoints.
pub const ENV_REGION_PREFIX: &str = "HUAWEICLOUD_SDK_REGION_";

/// The regions a document knows for a service: its server URL and the
/// variable in it that takes the region ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Builtin<'a> {
    /// The server URL, with the region variable as `{name}` (other
    /// variables already filled in).
    pub template: &'a str,
    /// The name of the region variable.
    pub variable: &'a str,
    /// The region IDs the document lists (empty: any).
    pub regions: &'a [&'a str],
}

impl Builtin<'_> {
    /// The endpoint of `region` by the template, if the region is listed.
    pub fn endpoint(&self, region: &str) -> Option<String> {
        (self.regions.is_empty() || self.regions.contains(&region)).then(|| {
            self.template
                .replace(&format!("{{{}}}", self.variable), region)
        })
    }
}

/// The variable that overrides the endpoint of `region` for `service`.
pub fn env_variable(service: &str, region: &str) -> String {
    format!(
        "{ENV_REGION_PREFIX}{}_{}",
        service.to_ascii_uppercase(),
        region.to_ascii_uppercase().replace('-', "_")
    )
}

/// The endpoint of `region` for `service` in this process's environment,
/// regions file and `builtin`; see the [module documentation](self).
pub fn endpoint(service: &str, region: &str, builtin: &Builtin<'_>) -> Result<String, RegionError> {
    RegionChain::new().endpoint(service, region, builtin)
}

/// Where region endpoints are looked for: the environment, then the
/// regions file, then the built-in table. [`new`](Self::new) reads the
/// process environment; tests give their own [`Environment`].
#[derive(Clone, Debug)]
pub struct RegionChain {
    environment: Environment,
}

impl Default for RegionChain {
    fn default() -> Self {
        Self::new()
    }
}

impl RegionChain {
    /// The chain over the process environment and home directory.
    pub fn new() -> Self {
        Self::with_environment(Environment::process())
    }

    /// The chain over `environment`.
    pub fn with_environment(environment: Environment) -> Self {
        RegionChain { environment }
    }

    /// The endpoint of `region` for `service`. Fails for a region that
    /// nothing names (listing the known ones), an override variable that
    /// names no endpoint, and a regions file that cannot be read or is
    /// malformed (with its line and column).
    pub fn endpoint(
        &self,
        service: &str,
        region: &str,
        builtin: &Builtin<'_>,
    ) -> Result<String, RegionError> {
        let variable = env_variable(service, region);
        match self.environment.var(&variable) {
            Err(()) => return Err(RegionError::NotUnicode { variable }),
            Ok(Some(value)) => {
                let first = value.split(',').next().unwrap_or_default().trim();
                if first.is_empty() {
                    return Err(RegionError::EmptyOverride { variable });
                }
                return Ok(first.to_owned());
            }
            Ok(None) => {}
        }
        let file = self
            .environment
            .file(ENV_REGIONS_FILE, DEFAULT_REGIONS_FILE)
            .map_err(|()| RegionError::NotUnicode {
                variable: ENV_REGIONS_FILE.to_owned(),
            })?;
        let mut from_file = Vec::new();
        if let Some((path, named)) = file {
            match std::fs::read(&path) {
                Ok(bytes) => {
                    let text = String::from_utf8(bytes).map_err(|_| RegionError::Malformed {
                        path: path.clone(),
                        line: 0,
                        column: 0,
                        message: "the file is not UTF-8 text".to_owned(),
                    })?;
                    from_file = parse_regions(&path, &text, service)?;
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && !named => {}
                Err(e) => {
                    return Err(RegionError::Unreadable {
                        path,
                        message: e.to_string(),
                    })
                }
            }
        }
        if let Some((_, endpoint)) = from_file.iter().find(|(id, _)| id == region) {
            return Ok(endpoint.clone());
        }
        if let Some(endpoint) = builtin.endpoint(region) {
            return Ok(endpoint);
        }
        let mut known: Vec<String> = builtin.regions.iter().map(|r| (*r).to_owned()).collect();
        for (id, _) in from_file {
            if !known.contains(&id) {
                known.push(id);
            }
        }
        Err(RegionError::Unknown {
            service: service.to_owned(),
            region: region.to_owned(),
            known,
            variable,
        })
    }
}

/// Why a region has no endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegionError {
    /// Neither an override nor the built-in table names the region.
    Unknown {
        /// The service, as in the override variable's name.
        service: String,
        /// The region asked for.
        region: String,
        /// The built-in regions, then those of the regions file.
        known: Vec<String>,
        /// The variable that would name its endpoint.
        variable: String,
    },
    /// An override variable is set to nothing but commas and blanks.
    EmptyOverride {
        /// The variable.
        variable: String,
    },
    /// A variable is set to something that is not Unicode.
    NotUnicode {
        /// The variable.
        variable: String,
    },
    /// The regions file exists (or was named) but cannot be read.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why it cannot be read.
        message: String,
    },
    /// The regions file is not YAML of the expected shape; `line` and
    /// `column` count from 1 (0: the file as a whole).
    Malformed {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// The column, from 1.
        column: usize,
        /// What is wrong there.
        message: String,
    },
}

impl fmt::Display for RegionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegionError::Unknown {
                service,
                region,
                known,
                variable,
            } => write!(
                f,
                "`{region}` is not a known region of {service} (known: {}); \
                 name its endpoint with {variable} or in the regions file",
                known.join(", ")
            ),
            RegionError::EmptyOverride { variable } => {
                write!(f, "the environment variable {variable} names no endpoint")
            }
            RegionError::NotUnicode { variable } => {
                write!(
                    f,
                    "the environment variable {variable} is not valid Unicode"
                )
            }
            RegionError::Unreadable { path, message } => {
                write!(
                    f,
                    "the regions file {} cannot be read: {message}",
                    path.display()
                )
            }
            RegionError::Malformed {
                path,
                line: 0,
                message,
                ..
            } => write!(f, "{}: {message}", path.display()),
            RegionError::Malformed {
                path,
                line,
                column,
                message,
            } => write!(f, "{}:{line}:{column}: {message}", path.display()),
        }
    }
}

impl std::error::Error for RegionError {}

/// A node of the regions file, with where it starts.
enum Node {
    Scalar(String, Marker),
    Seq(Vec<Node>, Marker),
    Map(Vec<(String, Marker, Node)>, Marker),
}

impl Node {
    fn at(&self) -> Marker {
        match self {
            Node::Scalar(_, at) | Node::Seq(_, at) | Node::Map(_, at) => *at,
        }
    }
}

/// Reads the regions file and returns `service`'s `(region, endpoint)`
/// pairs, in file order. The whole file must have the documented shape.
fn parse_regions(
    path: &Path,
    text: &str,
    service: &str,
) -> Result<Vec<(String, String)>, RegionError> {
    let malformed = |at: Marker, message: String| RegionError::Malformed {
        path: path.to_owned(),
        line: at.line(),
        column: at.col() + 1,
        message,
    };
    let Some(root) = read_tree(text).map_err(|(at, message)| malformed(at, message))? else {
        return Ok(Vec::new());
    };
    let Node::Map(services, _) = root else {
        return Err(malformed(
            root.at(),
            "expected a mapping from service names to lists of regions".to_owned(),
        ));
    };
    let mut found = Vec::new();
    for (name, _, regions) in services {
        let Node::Seq(regions, _) = regions else {
            return Err(malformed(
                regions.at(),
                format!("the regions of `{name}` must be a list"),
            ));
        };
        let wanted = name.eq_ignore_ascii_case(service);
        for entry in regions {
            let Node::Map(fields, at) = entry else {
                return Err(malformed(
                    entry.at(),
                    format!("a region of `{name}` must be a mapping with `id` and `endpoint` or `endpoints`"),
                ));
            };
            let (mut id, mut endpoint) = (None, None);
            for (key, key_at, value) in fields {
                match (key.as_str(), value) {
                    ("id", Node::Scalar(text, _)) => id = Some(text),
                    ("endpoint", Node::Scalar(text, _)) => endpoint = Some(text),
                    ("endpoints", Node::Seq(items, list_at)) => {
                        let Some(first) = items.into_iter().next() else {
                            return Err(malformed(list_at, "`endpoints` is empty".to_owned()));
                        };
                        let Node::Scalar(text, _) = first else {
                            return Err(malformed(
                                first.at(),
                                "an endpoint must be a string".to_owned(),
                            ));
                        };
                        endpoint = Some(text);
                    }
                    ("id" | "endpoint", value) => {
                        return Err(malformed(value.at(), format!("`{key}` must be a string")))
                    }
                    ("endpoints", value) => {
                        return Err(malformed(
                            value.at(),
                            "`endpoints` must be a list".to_owned(),
                        ))
                    }
                    _ => {
                        return Err(malformed(
                            key_at,
                            format!(
                                "unknown key `{key}` (expected `id`, `endpoint` or `endpoints`)"
                            ),
                        ))
                    }
                }
            }
            let Some(id) = id.filter(|id| !id.trim().is_empty()) else {
                return Err(malformed(at, format!("a region of `{name}` has no `id`")));
            };
            let Some(endpoint) = endpoint.filter(|e| !e.trim().is_empty()) else {
                return Err(malformed(
                    at,
                    format!("region `{id}` of `{name}` has no `endpoint` or `endpoints`"),
                ));
            };
            if wanted && !found.iter().any(|(known, _)| *known == id) {
                found.push((id.trim().to_owned(), endpoint.trim().to_owned()));
            }
        }
    }
    Ok(found)
}

/// The file as a tree (`None`: empty). Aliases, tags on collections and
/// keys that are not plain text are refused.
fn read_tree(text: &str) -> Result<Option<Node>, (Marker, String)> {
    enum Frame {
        Seq(Vec<Node>, Marker),
        Map(
            Vec<(String, Marker, Node)>,
            Option<(String, Marker)>,
            Marker,
        ),
    }
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root = None;
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|e| (*e.marker(), e.info().to_owned()))?;
        let at = span.start;
        let node = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => continue,
            Event::DocumentStart(_) => {
                if root.is_some() {
                    return Err((at, "more than one YAML document".to_owned()));
                }
                continue;
            }
            Event::Alias(_) => return Err((at, "aliases are not supported here".to_owned())),
            Event::Scalar(value, ..) => {
                if let Some(Frame::Map(_, key @ None, _)) = stack.last_mut() {
                    *key = Some((value.into_owned(), at));
                    continue;
                }
                Node::Scalar(value.into_owned(), at)
            }
            Event::SequenceStart(..) => {
                if let Some(Frame::Map(_, None, _)) = stack.last() {
                    return Err((at, "a key must be plain text".to_owned()));
                }
                stack.push(Frame::Seq(Vec::new(), at));
                continue;
            }
            Event::MappingStart(..) => {
                if let Some(Frame::Map(_, None, _)) = stack.last() {
                    return Err((at, "a key must be plain text".to_owned()));
                }
                stack.push(Frame::Map(Vec::new(), None, at));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq(items, at)) => Node::Seq(items, at),
                Some(Frame::Map(entries, _, at)) => Node::Map(entries, at),
                None => return Err((at, "unbalanced YAML events".to_owned())),
            },
        };
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq(items, _)) => items.push(node),
            Some(Frame::Map(entries, key, _)) => {
                let Some((key, key_at)) = key.take() else {
                    return Err((node.at(), "a key must be plain text".to_owned()));
                };
                if entries.iter().any(|(k, _, _)| *k == key) {
                    return Err((key_at, format!("key `{key}` is repeated")));
                }
                entries.push((key, key_at, node));
            }
        }
    }
    Ok(root)
}
