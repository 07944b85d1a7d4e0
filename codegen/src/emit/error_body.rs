//! The error bodies the server layer writes itself (a refused request: 400,
//! 401, 404, 405, 413, 415) in the spec's own error schema. Which property
//! receives the error code, the message, the field at fault and the request
//! id is decided here, once, from the property names; the generated table
//! tells the runtime exactly what to put where.

/// What a string property of an error body receives (the runtime's
/// `server::Role` of the same name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Code,
    Message,
    Detail,
    RequestId,
}

impl Role {
    /// The variant's name in the runtime.
    pub fn runtime_name(self) -> &'static str {
        match self {
            Role::Code => "Code",
            Role::Message => "Message",
            Role::Detail => "Detail",
            Role::RequestId => "RequestId",
        }
    }
}

/// A property of an error schema, as far as choosing roles needs.
#[derive(Clone, Copy, Debug)]
pub struct Property<'a> {
    pub name: &'a str,
    /// Whether it is a string (only strings receive a role).
    pub text: bool,
    pub required: bool,
}

/// The role of each property, in order (`None`: left out of the body).
///
/// By naming convention, a name with the words `request id` (or
/// `requestid`) gets the request id, `code` the error code, `msg` or
/// `message` the message, `detail` or `details` the field at fault (or the
/// message, naming the field, when no property takes the message). A role
/// goes to one property only: the one whose name has the fewest words
/// (`error_msg` over `encoded_authorization_message`), the first on a tie.
/// A required string with no role gets the message, so the body stays valid.
pub fn roles(properties: &[Property<'_>]) -> Vec<Option<Role>> {
    assign(properties, true)
}

/// The roles by naming convention alone, for reading a body received: as
/// [`roles`], but a string whose name says nothing gets no role.
pub fn named_roles(properties: &[Property<'_>]) -> Vec<Option<Role>> {
    assign(properties, false)
}

fn assign(properties: &[Property<'_>], required_fallback: bool) -> Vec<Option<Role>> {
    let guesses: Vec<Option<(Role, usize)>> = properties
        .iter()
        .map(|p| {
            if !p.text {
                return None;
            }
            let words = words(p.name);
            guess(&words).map(|role| (role, words.len()))
        })
        .collect();
    properties
        .iter()
        .zip(&guesses)
        .enumerate()
        .map(|(i, (p, guess))| {
            let chosen = guess.and_then(|(role, len)| {
                let beaten = guesses.iter().enumerate().any(|(j, other)| {
                    other.is_some_and(|(r, l)| r == role && (l < len || (l == len && j < i)))
                });
                (!beaten).then_some(role)
            });
            match chosen {
                Some(role) => Some(role),
                None if required_fallback && p.text && p.required => Some(Role::Message),
                None => None,
            }
        })
        .collect()
}

fn guess(words: &[String]) -> Option<Role> {
    let has = |w: &str| words.iter().any(|x| x == w);
    if has("requestid") || words.windows(2).any(|p| p[0] == "request" && p[1] == "id") {
        Some(Role::RequestId)
    } else if has("code") {
        Some(Role::Code)
    } else if has("msg") || has("message") {
        Some(Role::Message)
    } else if has("detail") || has("details") {
        Some(Role::Detail)
    } else {
        None
    }
}

/// The lower-case words of a property name (`error_code`, `errorCode`,
/// `error-code` → `error`, `code`).
fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c == '_' || c == '-' || c == ' ' {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(name: &str, required: bool) -> Property<'_> {
        Property {
            name,
            text: true,
            required,
        }
    }

    #[test]
    fn names_split_into_words() {
        assert_eq!(words("errorCode"), ["error", "code"]);
        assert_eq!(words("X-Request-ID"), ["x", "request", "id"]);
        assert_eq!(words("error_msg"), ["error", "msg"]);
        assert_eq!(
            words("encoded authorization-message"),
            ["encoded", "authorization", "message"]
        );
    }

    #[test]
    fn roles_follow_naming_conventions() {
        let props = [
            text("error_code", false),
            text("error_msg", true),
            text("error_detail", false),
            text("request_id", false),
            Property {
                name: "details",
                text: false,
                required: false,
            },
            Property {
                name: "count",
                text: false,
                required: true,
            },
            text("note", true),
            text("remark", false),
            text("encoded_authorization_message", false),
        ];
        assert_eq!(
            roles(&props),
            [
                Some(Role::Code),
                Some(Role::Message),
                Some(Role::Detail),
                Some(Role::RequestId),
                None,
                None,
                Some(Role::Message),
                None,
                None,
            ]
        );
    }

    #[test]
    fn a_role_goes_to_the_shortest_name_then_the_first() {
        let props = [
            text("encoded_authorization_message", false),
            text("errorMessage", false),
            text("message", false),
            text("requestId", false),
            text("x-request-id", false),
            text("code", false),
            text("status_code", false),
            text("error_code", false),
        ];
        assert_eq!(
            roles(&props),
            [
                None,
                None,
                Some(Role::Message),
                Some(Role::RequestId),
                None,
                Some(Role::Code),
                None,
                None,
            ]
        );
        // A tie goes to the first.
        let props = [text("error_details", false), text("error_detail", false)];
        assert_eq!(roles(&props), [Some(Role::Detail), None]);
    }

    #[test]
    fn named_roles_leave_unnamed_strings_out() {
        let props = [
            text("note", true),
            text("errorCode", false),
            text("errorMsg", true),
        ];
        assert_eq!(roles(&props)[0], Some(Role::Message));
        assert_eq!(
            named_roles(&props),
            [None, Some(Role::Code), Some(Role::Message)]
        );
    }

    #[test]
    fn request_id_wins_over_code_in_one_name() {
        assert_eq!(
            roles(&[text("request_id_code", false)]),
            [Some(Role::RequestId)]
        );
    }
}
