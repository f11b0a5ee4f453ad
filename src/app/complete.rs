//! `tab` on the `:` line: the words that can follow what is typed — commands and view names,
//! then a namespace after `ns` or a context after `ctx` — completed as far as they agree.

use super::state::AppState;
use super::view_id::ViewId;

/// Commands that are not view names.
const COMMANDS: &[&str] = &["ns", "ctx", "help", "quit"];

/// What could complete `typed`: whole words, sorted, each the entire command line it makes.
pub fn candidates(state: &AppState, typed: &str) -> Vec<String> {
    let (verb, rest) = match typed.split_once(' ') {
        Some((verb, rest)) => (verb, Some(rest.trim_start())),
        None => (typed, None),
    };
    let mut out: Vec<String> = match rest {
        None => ViewId::ALL
            .iter()
            .map(|v| v.name())
            .chain(COMMANDS.iter().copied())
            .filter(|word| word.starts_with(verb))
            .map(String::from)
            .collect(),
        Some(arg) => {
            let words: Vec<&str> = match verb {
                "ns" | "namespace" => state
                    .namespaces
                    .iter()
                    .map(String::as_str)
                    .chain(["all"])
                    .collect(),
                "ctx" | "context" => state.contexts.iter().map(String::as_str).collect(),
                _ => Vec::new(),
            };
            words
                .into_iter()
                .filter(|w| w.starts_with(arg))
                .map(|w| format!("{verb} {w}"))
                .collect()
        }
    };
    out.sort();
    out.dedup();
    out
}

/// The line after `tab`: the one candidate (with a space after a verb that takes an argument),
/// or the longest beginning all candidates share; unchanged when nothing completes.
pub fn complete(state: &AppState, typed: &str) -> String {
    let found = candidates(state, typed);
    match found.as_slice() {
        [] => typed.to_string(),
        [only] if matches!(only.as_str(), "ns" | "ctx") => format!("{only} "),
        [only] => only.clone(),
        [first, rest @ ..] => {
            let mut common = first.len();
            for other in rest {
                common = common.min(
                    first
                        .char_indices()
                        .zip(other.chars())
                        .take_while(|((_, a), b)| a == b)
                        .count(),
                );
            }
            let shared: String = first.chars().take(common).collect();
            if shared.len() > typed.len() {
                shared
            } else {
                typed.to_string()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::event::Connection;

    fn state() -> AppState {
        let mut s = AppState::new(
            Connection::default(),
            vec!["ms5-production".into(), "ms5-staging".into()],
            false,
            chrono::Utc::now(),
        );
        s.contexts = vec!["aks-ms5-prod".into(), "aks-ms5-staging".into()];
        s
    }

    #[test]
    fn commands_and_views_complete_as_far_as_they_agree() {
        let s = state();
        assert_eq!(complete(&s, "po"), "pods");
        assert_eq!(complete(&s, "n"), "n", "nodes and ns share only `n`");
        assert_eq!(candidates(&s, "n"), vec!["nodes", "ns"]);
        assert_eq!(complete(&s, "ns"), "ns ");
        assert_eq!(candidates(&s, "s"), vec!["silences", "slo"]);
        assert_eq!(complete(&s, "xyz"), "xyz");
    }

    #[test]
    fn namespaces_and_contexts_complete_after_their_verb() {
        let s = state();
        assert_eq!(complete(&s, "ns ms5-p"), "ns ms5-production");
        assert_eq!(complete(&s, "ns "), "ns ");
        assert_eq!(
            candidates(&s, "ns "),
            vec!["ns all", "ns ms5-production", "ns ms5-staging"]
        );
        assert_eq!(complete(&s, "ns ms5"), "ns ms5-");
        assert_eq!(complete(&s, "ctx aks-ms5-s"), "ctx aks-ms5-staging");
        assert_eq!(complete(&s, "pods x"), "pods x");
    }
}
