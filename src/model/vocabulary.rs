//! What a runbook may say: the check kinds, the `kube` predicates, and each one's parameters
//! with their types. The parser checks a file against these tables, so an unknown or missing
//! parameter is named at its line before anything runs; the engine reads the same names.

/// The type of a parameter's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    Text,
    /// A list of strings.
    List,
    /// A Prometheus-style duration: `30s`, `10m`, `1h`, `7d`.
    Duration,
    Integer,
    /// An integer or a float.
    Number,
    Flag,
}

impl ParamType {
    /// How to write a value of this type, for help lines.
    pub fn example(self, name: &str) -> String {
        match self {
            ParamType::Text => format!("{name} = \"...\""),
            ParamType::List => format!("{name} = [\"...\", \"...\"]"),
            ParamType::Duration => format!("{name} = \"1h\""),
            ParamType::Integer => format!("{name} = 2"),
            ParamType::Number => format!("{name} = 0.99"),
            ParamType::Flag => format!("{name} = true"),
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            ParamType::Text => "a string",
            ParamType::List => "a list of strings",
            ParamType::Duration => "a duration",
            ParamType::Integer => "an integer",
            ParamType::Number => "a number",
            ParamType::Flag => "true or false",
        }
    }
}

/// Every parameter any criterion may take, with its type.
pub const PARAMS: &[(&str, ParamType)] = &[
    // Every criterion.
    ("id", ParamType::Text),
    ("title", ParamType::Text),
    ("seed", ParamType::Text),
    ("kind", ParamType::Text),
    ("timeout", ParamType::Duration),
    // kube
    ("predicate", ParamType::Text),
    ("namespaces", ParamType::List),
    ("names", ParamType::List),
    ("selector", ParamType::Text),
    ("fields", ParamType::List),
    ("probes", ParamType::List),
    ("label", ParamType::Text),
    ("value", ParamType::Text),
    ("within", ParamType::Duration),
    ("minimum", ParamType::Integer),
    ("days", ParamType::Integer),
    ("cronjob", ParamType::Text),
    ("version-of", ParamType::Text),
    ("placements", ParamType::List),
    ("configmap", ParamType::Text),
    ("keys", ParamType::List),
    ("secrets", ParamType::List),
    ("routes", ParamType::List),
    ("restricted", ParamType::List),
    ("pdb", ParamType::Text),
    // promql
    ("query", ParamType::Text),
    ("below", ParamType::Number),
    ("above", ParamType::Number),
    ("equals", ParamType::Number),
    ("on-empty", ParamType::Text),
    ("unit", ParamType::Text),
    // alerts
    ("matchers", ParamType::Text),
    ("ignore-suppressed", ParamType::Flag),
    // http
    ("url", ParamType::Text),
    ("status", ParamType::Integer),
    ("body-contains", ParamType::Text),
    // command
    ("argv", ParamType::List),
];

pub fn param_type(name: &str) -> Option<ParamType> {
    PARAMS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Parameters every criterion has or may have.
pub const COMMON: &[&str] = &["id", "title", "seed", "kind", "timeout"];

/// A check kind: its parameters, required and optional (besides the common ones).
pub struct Kind {
    pub name: &'static str,
    pub required: &'static [&'static str],
    pub optional: &'static [&'static str],
    /// The default timeout, in seconds.
    pub timeout: u64,
}

pub const KINDS: &[Kind] = &[
    Kind {
        name: "kube",
        required: &["predicate"],
        optional: &[],
        timeout: 10,
    },
    Kind {
        name: "promql",
        required: &["query"],
        optional: &["below", "above", "equals", "on-empty", "unit"],
        timeout: 10,
    },
    Kind {
        name: "alerts",
        required: &["matchers"],
        optional: &["ignore-suppressed"],
        timeout: 10,
    },
    Kind {
        name: "http",
        required: &["url"],
        optional: &["status", "body-contains"],
        timeout: 10,
    },
    Kind {
        name: "command",
        required: &["argv"],
        optional: &[],
        timeout: 60,
    },
];

pub fn kind(name: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.name == name)
}

pub fn kind_names() -> String {
    KINDS.iter().map(|k| k.name).collect::<Vec<_>>().join(", ")
}

/// A `kube` predicate over objects read fresh from the API.
pub struct Predicate {
    pub name: &'static str,
    pub required: &'static [&'static str],
    pub optional: &'static [&'static str],
    /// What it checks, for `validate --list` and help lines.
    pub what: &'static str,
}

pub const PREDICATES: &[Predicate] = &[
    Predicate {
        name: "containers-set",
        required: &["namespaces", "fields"],
        optional: &["selector"],
        what: "every container sets these resource fields",
    },
    Predicate {
        name: "probes",
        required: &["namespaces", "probes"],
        optional: &["names", "selector"],
        what: "every long-running container (or the named workloads') has these probes",
    },
    Predicate {
        name: "rolling-update",
        required: &["namespaces"],
        optional: &["minimum"],
        what: "Deployments with at least `minimum` replicas roll with RollingUpdate, maxUnavailable below replicas",
    },
    Predicate {
        name: "placed-on-pool",
        required: &["namespaces", "placements"],
        optional: &[],
        what: "each NAMESPACE/NAME=POOL pod template selects and tolerates its node pool",
    },
    Predicate {
        name: "hpa-active",
        required: &["namespaces", "names"],
        optional: &[],
        what: "HorizontalPodAutoscalers exist for the named workloads and report ScalingActive=True",
    },
    Predicate {
        name: "config-present",
        required: &["namespaces"],
        optional: &["configmap", "keys", "secrets"],
        what: "the ConfigMap has the keys; the Secrets exist (read as metadata only)",
    },
    Predicate {
        name: "job-succeeded",
        required: &["namespaces"],
        optional: &["selector", "cronjob", "within", "version-of"],
        what: "a Job (of the CronJob, with the selector, labelled for the workload's version) succeeded, within the duration",
    },
    Predicate {
        name: "load-balancer-ready",
        required: &["namespaces", "names"],
        optional: &[],
        what: "the LoadBalancer Services have an external address and ready endpoints",
    },
    Predicate {
        name: "ingress-routes",
        required: &["namespaces", "routes"],
        optional: &[],
        what: "the Ingress has an address, TLS for every host, and each PATH=SERVICE route",
    },
    Predicate {
        name: "certificate-valid",
        required: &["namespaces", "days"],
        optional: &[],
        what: "every TLS Secret an Ingress names holds a certificate for its hosts, valid that many more days",
    },
    Predicate {
        name: "observed-generation",
        required: &["namespaces"],
        optional: &["within"],
        what: "every workload is observed at its generation; no FailedCreate event within the duration",
    },
    Predicate {
        name: "namespace-label",
        required: &["namespaces", "label", "value"],
        optional: &[],
        what: "the namespaces carry the label with the value",
    },
    Predicate {
        name: "default-deny",
        required: &["namespaces"],
        optional: &[],
        what: "a NetworkPolicy selects every pod for Ingress and Egress with no rule that allows",
    },
    Predicate {
        name: "ingress-allowed",
        required: &["namespaces"],
        optional: &["restricted"],
        what: "every Service's pods have an ingress allow; the restricted ones only from the namespace's pods",
    },
    Predicate {
        name: "rolled-out",
        required: &["namespaces"],
        optional: &["names"],
        what: "the Deployments and StatefulSets have rolled out (kubectl's rule)",
    },
    Predicate {
        name: "pods-ready",
        required: &["namespaces"],
        optional: &["selector"],
        what: "every non-Job pod is Running and Ready",
    },
    Predicate {
        name: "restarts-since",
        required: &["namespaces", "within"],
        optional: &["selector"],
        what: "no container restarted within the duration",
    },
    Predicate {
        name: "endpoints-ready",
        required: &["namespaces"],
        optional: &["names"],
        what: "every Service with a selector has a ready endpoint",
    },
    Predicate {
        name: "replicas-at-least",
        required: &["namespaces", "names", "minimum"],
        optional: &["pdb"],
        what: "the named workloads run at least `minimum` ready replicas; the PodDisruptionBudget allows a disruption",
    },
    Predicate {
        name: "pdb-allows",
        required: &["namespaces", "names"],
        optional: &[],
        what: "the named PodDisruptionBudgets allow a disruption",
    },
];

pub fn predicate(name: &str) -> Option<&'static Predicate> {
    PREDICATES.iter().find(|p| p.name == name)
}

pub fn predicate_names() -> String {
    PREDICATES
        .iter()
        .map(|p| p.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The values a list parameter's items may take, where they are fixed.
pub fn allowed_items(param: &str) -> Option<&'static [&'static str]> {
    match param {
        "fields" => Some(&[
            "requests.cpu",
            "requests.memory",
            "limits.cpu",
            "limits.memory",
        ]),
        "probes" => Some(&["liveness", "readiness", "startup"]),
        _ => None,
    }
}
