//! The tables' columns, by position: the rows are sorted by these indexes (app) and drawn
//! under these headings (ui), so both read the one list.

pub const WORKLOAD_COLUMNS: &[&str] = &[
    "NAMESPACE",
    "NAME",
    "KIND",
    "READY",
    "UP-TO-DATE",
    "AVAILABLE",
    "PROGRESS",
    "REV",
    "STATUS",
];

pub const POD_COLUMNS: &[&str] = &[
    "NAMESPACE",
    "NAME",
    "READY",
    "STATUS",
    "RESTARTS",
    "CPU",
    "%CPU/R",
    "MEM",
    "%MEM/L",
    "PROBES",
    "QOS",
    "NODE",
    "AGE",
];

pub const NODE_COLUMNS: &[&str] = &[
    "NAME", "STATUS", "PRESSURE", "TAINTS", "PODS", "CPU", "%CPU", "MEM", "%MEM", "AGE",
];

pub const SLO_COLUMNS: &[&str] = &[
    "SLO",
    "SERVICE",
    "OBJECTIVE",
    "SLI",
    "BUDGET LEFT",
    "EXHAUSTED IN",
    "BURN 5m",
    "30m",
    "1h",
    "2h",
    "6h",
    "1d",
    "3d",
    "ALERT",
];

pub const EVENT_COLUMNS: &[&str] = &[
    "LAST SEEN",
    "TYPE",
    "REASON",
    "OBJECT",
    "NAMESPACE",
    "MESSAGE",
];

pub const ALERT_COLUMNS: &[&str] = &[
    "SEVERITY",
    "ALERTNAME",
    "SUMMARY",
    "NAMESPACE",
    "SERVICE",
    "STARTED",
    "STATE",
    "FROM",
];

pub const SILENCE_COLUMNS: &[&str] = &[
    "STATE", "ID", "MATCHERS", "MATCHED", "ENDS", "BY", "COMMENT", "FROM",
];

pub const TIMELINE_COLUMNS: &[&str] = &[
    "TIME",
    "SOURCE",
    "SEV",
    "SEEN",
    "NAMESPACE",
    "OBJECT",
    "WHAT",
];

pub const VALIDATION_COLUMNS: &[&str] = &[
    "ID",
    "CRITERION",
    "KIND",
    "RESULT",
    "MEASURED",
    "EXPECTED",
    "AGE",
];

pub const AUDIT_COLUMNS: &[&str] = &[
    "TIME",
    "PHASE",
    "ACTION",
    "TARGET",
    "USER",
    "RESULT",
    "TOOK",
    "PARAMETERS",
];
