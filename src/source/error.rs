//! What went wrong talking to a server, typed by what the caller decides on: the answer's
//! status (forbidden, not found, conflict, gone...) comes from the status code the server sent,
//! never from searching the words; the words are for the person.

use std::fmt;

/// The kinds a caller acts on differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// 401: the credentials were rejected; the same ones cannot succeed.
    Unauthorized,
    /// 403: the server knows who asked and refuses.
    Forbidden,
    /// 404.
    NotFound,
    /// 409: the object changed since it was read, or already exists.
    Conflict,
    /// A write's precondition failed (a 409 on a resourceVersion or uid, a JSON patch's `test`
    /// refused with 422): the object is not what the plan was made from.
    Changed,
    /// 410: a watch's resourceVersion is too old.
    Gone,
    /// 422: the request was understood and is invalid.
    Invalid,
    /// Any other answer with a status code.
    Status,
    /// No answer: connection refused, timeout, TLS.
    Transport,
    /// A write was sent and its answer never came (the connection dropped, or timed out):
    /// the server may have acted on it.
    Unanswered,
    /// An answer that could not be read.
    Decode,
}

impl ErrorKind {
    pub fn of_status(status: u16) -> ErrorKind {
        match status {
            401 => ErrorKind::Unauthorized,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            410 => ErrorKind::Gone,
            422 => ErrorKind::Invalid,
            _ => ErrorKind::Status,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub kind: ErrorKind,
    /// The HTTP status, when the server answered.
    pub status: Option<u16>,
    /// In words a person can act on (`HTTP 500: silence not found`).
    pub message: String,
}

impl ApiError {
    /// A non-2xx answer and its reason.
    pub fn answer(status: u16, reason: &str) -> ApiError {
        ApiError {
            kind: ErrorKind::of_status(status),
            status: Some(status),
            message: format!("HTTP {status}: {reason}"),
        }
    }

    pub fn transport(words: String) -> ApiError {
        ApiError {
            kind: ErrorKind::Transport,
            status: None,
            message: words,
        }
    }

    pub fn decode(words: String) -> ApiError {
        ApiError {
            kind: ErrorKind::Decode,
            status: None,
            message: words,
        }
    }

    /// kube's error: the API server's Status code and message when it answered.
    pub fn kube(error: &kube::Error) -> ApiError {
        let message = error_words(error);
        match status_code(error) {
            Some(code) => ApiError {
                kind: ErrorKind::of_status(code),
                status: Some(code),
                message,
            },
            None => ApiError::transport(message),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

/// The HTTP status the API server answered with, if the error is its answer.
pub fn status_code(error: &kube::Error) -> Option<u16> {
    match error {
        kube::Error::Api(status) => Some(status.code),
        _ => None,
    }
}

/// An error in the words a person needs: the API server's own message when it sent one (never
/// a debug dump of its Status object), else the first line of the client's error.
pub fn error_words(error: &kube::Error) -> String {
    match error {
        kube::Error::Api(status) => status_words(status),
        other => first_line(&other.to_string(), "request failed"),
    }
}

pub fn status_words(status: &kube::core::Status) -> String {
    let message = first_line(&status.message, "");
    match (message.is_empty(), status.reason.is_empty()) {
        (false, _) => message,
        (true, false) => format!("HTTP {}: {}", status.code, status.reason),
        (true, true) => format!("HTTP {}", status.code),
    }
}

fn first_line(text: &str, otherwise: &str) -> String {
    text.lines()
        .next()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .unwrap_or(otherwise)
        .to_string()
}

/// A watcher failure that is not the API server's answer, in one line.
pub fn watch_words(error: &kube::runtime::watcher::Error) -> String {
    first_line(&error.to_string(), "watch failed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_the_status_code_not_the_words() {
        assert_eq!(
            ApiError::answer(403, "forbidden").kind,
            ErrorKind::Forbidden
        );
        assert_eq!(ApiError::answer(409, "conflict").kind, ErrorKind::Conflict);
        assert_eq!(ApiError::answer(410, "too old").kind, ErrorKind::Gone);
        // A 500 whose reason mentions 404 is not a missing object.
        let e = ApiError::answer(500, "upstream said 404 not found");
        assert_eq!(e.kind, ErrorKind::Status);
        assert_eq!(e.to_string(), "HTTP 500: upstream said 404 not found");
    }
}
