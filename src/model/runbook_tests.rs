//! The runbook parser: the built-in runbook covers the seed, and every error a runbook can
//! hold is reported at its `path:line:col` with help.

use super::*;

#[test]
fn the_slos_in_effect_are_put_into_a_query_escaped_for_a_promql_regex() {
    let slos = ["backend-availability".to_string(), "api.v2".to_string()];
    assert_eq!(
        expand_slos(r#"count(x{slo=~"$SLOS"}) / $SLO_COUNT"#, &slos),
        r#"count(x{slo=~"backend-availability|api\\.v2"}) / 2"#
    );
    let expanded = expand_slos(r#"count(x{slo=~"$SLOS"}) / $SLO_COUNT"#, &slos);
    assert!(
        promql_parser::parser::parse(&expanded).is_ok(),
        "{expanded}"
    );
}

/// The seed's 15 named results, each substantiated by at least one built-in criterion.
const SEED_NAMES: [&str; 15] = [
    "Deployment Configuration Review",
    "AKS Optimization Verification",
    "Monitoring and Alerting Validation",
    "Environment Configuration Validation",
    "Database Migration Testing",
    "Load Balancer Configuration",
    "SSL Certificate Setup",
    "Kubernetes Manifest Validation",
    "Pod Security Standards",
    "Network Policy Testing",
    "Monitoring Stack Deployment",
    "Application Deploys Successfully",
    "All Services Start Correctly",
    "Monitoring and Alerting Work",
    "Performance Meets Requirements",
];

#[test]
fn the_builtin_runbook_has_35_criteria_in_four_phases_with_unique_ids() {
    let runbook = load(DEFAULT, None).expect("the built-in runbook parses");
    assert_eq!(runbook.origin, "built-in");
    let phases: Vec<(&str, usize)> = runbook
        .phases
        .iter()
        .map(|p| (p.id.as_str(), p.criteria.len()))
        .collect();
    assert_eq!(phases, [("9.1", 8), ("9.2", 6), ("9.3", 9), ("9.4", 12)]);
    assert_eq!(runbook.count(), 35);
    let mut ids: Vec<&str> = runbook.criteria().map(|(_, c)| c.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 35);
    for (phase, criterion) in runbook.criteria() {
        assert!(
            criterion.id.starts_with(&format!("{}.", phase.id)),
            "{}",
            criterion.id
        );
        assert!(
            criterion.seed.is_some(),
            "{} cites no seed line",
            criterion.id
        );
        assert!(
            !matches!(criterion.check, Check::Command { .. }),
            "{}: the built-in runbook runs no commands",
            criterion.id
        );
    }
}

#[test]
fn every_result_the_seed_names_is_covered() {
    // The seed's groupings: which criteria substantiate each named result.
    let runbook = builtin();
    let seeds: Vec<String> = runbook
        .criteria()
        .filter_map(|(_, c)| c.seed.clone())
        .collect();
    let covered = |words: &[&str]| words.iter().any(|w| seeds.iter().any(|s| s.contains(w)));
    for name in SEED_NAMES {
        let words: &[&str] = match name {
            "Deployment Configuration Review" => {
                &["Resource Requests", "Resource Limits", "Health Monitoring"]
            }
            "AKS Optimization Verification" => &["Node Affinity", "Horizontal Pod Autoscaler"],
            "Network Policy Testing" => &["Default Deny", "Explicit Allow"],
            "SSL Certificate Setup" => &["SSL Certificate Setup"],
            other => &[other],
        };
        assert!(covered(words), "{name} is not covered: {seeds:?}");
    }
}

fn errors(text: &str) -> Vec<Diagnostic> {
    parse(Path::new("rb.toml"), text, "rb.toml").expect_err("invalid")
}

fn one(text: &str) -> Diagnostic {
    let mut e = errors(text);
    assert_eq!(e.len(), 1, "{e:?}");
    e.remove(0)
}

const HEAD: &str = "name = \"t\"\n[[phase]]\nid = \"1\"\ntitle = \"one\"\n[[phase.criterion]]\nid = \"1.1\"\ntitle = \"x\"\n";

#[test]
fn an_unknown_kind_is_named_with_the_kinds() {
    let e = one(&format!("{HEAD}kind = \"kubes\"\n"));
    assert_eq!((e.line, e.column), (8, 8));
    assert_eq!(e.message, "unknown kind `kubes`");
    assert_eq!(e.help, "kinds are: kube, promql, alerts, http, command");
}

#[test]
fn an_unknown_predicate_is_named_with_the_predicates() {
    let e = one(&format!(
        "{HEAD}kind = \"kube\"\npredicate = \"pods-redy\"\n"
    ));
    assert_eq!((e.line, e.column), (9, 13));
    assert_eq!(e.message, "unknown predicate `pods-redy`");
    assert!(
        e.help
            .starts_with("predicates are: containers-set, probes,"),
        "{}",
        e.help
    );
}

#[test]
fn an_unknown_parameter_says_what_the_predicate_takes() {
    let e = one(&format!(
        "{HEAD}kind = \"kube\"\npredicate = \"pods-ready\"\nnamespaces = [\"a\"]\nnamespace = \"a\"\n"
    ));
    assert_eq!((e.line, e.column), (11, 13));
    assert_eq!(
        e.message,
        "unknown parameter `namespace` for predicate `pods-ready`"
    );
    assert_eq!(e.help, "predicate `pods-ready` takes: namespaces, selector");
}

#[test]
fn a_missing_parameter_is_named_at_its_criterion() {
    let e = one(&format!(
        "{HEAD}kind = \"kube\"\npredicate = \"containers-set\"\nnamespaces = [\"a\"]\n"
    ));
    assert_eq!(e.line, 5, "the criterion's table: {e:?}");
    assert_eq!(e.message, "predicate `containers-set` needs `fields`");
    assert_eq!(e.help, "add fields = [\"...\", \"...\"]");
}

#[test]
fn duplicate_ids_are_named_at_the_second() {
    let text = format!(
        "{HEAD}kind = \"kube\"\npredicate = \"pods-ready\"\nnamespaces = [\"a\"]\n\
         [[phase.criterion]]\nid = \"1.1\"\ntitle = \"y\"\nkind = \"kube\"\npredicate = \"pods-ready\"\nnamespaces = [\"b\"]\n"
    );
    let e = one(&text);
    assert_eq!((e.line, e.column), (12, 6));
    assert_eq!(e.message, "criterion id `1.1` is used twice");
}

#[test]
fn promql_that_does_not_parse_is_refused_with_the_parsers_words() {
    let e = one(&format!(
        "{HEAD}kind = \"promql\"\nquery = 'rate(x[5m]'\nbelow = 1\n"
    ));
    assert_eq!((e.line, e.column), (9, 9));
    assert!(
        e.message.starts_with("query is not valid PromQL: "),
        "{}",
        e.message
    );
}

#[test]
fn matchers_that_do_not_parse_are_refused() {
    let e = one(&format!(
        "{HEAD}kind = \"alerts\"\nmatchers = '=critical'\n"
    ));
    assert_eq!((e.line, e.column), (9, 12));
    assert!(
        e.message.starts_with("matchers do not parse: "),
        "{}",
        e.message
    );
    assert!(
        e.help.contains("severity=\\\"critical\\\"") || e.help.contains("severity=\"critical\"")
    );
}

#[test]
fn a_command_written_as_a_string_is_refused_with_the_argv_form() {
    let e = one(&format!(
        "{HEAD}kind = \"command\"\nargv = \"./x.sh --all\"\n"
    ));
    assert_eq!((e.line, e.column), (9, 8));
    assert_eq!(e.message, "a command is an argv list, not a string");
    assert_eq!(
        e.help,
        "write argv = [\"./x.sh\", \"--all\"]: commands never run through a shell"
    );
}

#[test]
fn a_bad_duration_is_named() {
    let e = one(&format!(
        "{HEAD}kind = \"kube\"\npredicate = \"restarts-since\"\nnamespaces = [\"a\"]\nwithin = \"7 days\"\n"
    ));
    assert_eq!((e.line, e.column), (11, 10));
    assert_eq!(e.message, "invalid duration \"7 days\"");
    assert!(
        e.help
            .starts_with("write a duration such as 30s, 10m, 1h or 7d"),
        "{}",
        e.help
    );
}

#[test]
fn a_promql_criterion_compares_with_exactly_one_threshold() {
    let e = one(&format!(
        "{HEAD}kind = \"promql\"\nquery = 'up'\nbelow = 1\nabove = 0\n"
    ));
    assert!(
        e.message
            .contains("exactly one of below, above, equals (2 given)"),
        "{}",
        e.message
    );
}

#[test]
fn every_error_of_a_file_is_listed() {
    let text = format!(
        "{HEAD}kind = \"kubes\"\n[[phase.criterion]]\nid = \"1.2\"\ntitle = \"y\"\nkind = \"command\"\nargv = \"x\"\n"
    );
    assert_eq!(errors(&text).len(), 2);
}

#[test]
fn names_resolve_to_the_users_directory_then_the_builtins() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("mine.toml"),
        format!("{HEAD}kind = \"command\"\nargv = [\"true\"]\n"),
    )
    .unwrap();
    let mine = load("mine", Some(dir.path())).expect("found in the user's directory");
    assert_eq!(mine.count(), 1);
    assert!(mine.origin.ends_with("mine.toml"));
    assert_eq!(
        load("ms5-phase9", Some(dir.path())).unwrap().origin,
        "built-in"
    );
    let missing = load("nope", Some(dir.path())).expect_err("no such runbook");
    assert_eq!(missing[0].message, "no runbook named `nope`");
    assert_eq!(missing[0].help, "give a path, or one of: ms5-phase9");
}
