//! The columns of each resource's Table, as kube-apiserver defines them (priority 1: `-o wide`).

#[derive(Clone)]
pub(super) struct Column {
    pub name: &'static str,
    pub kind: &'static str,
    pub priority: u8,
}

const fn col(name: &'static str, kind: &'static str, priority: u8) -> Column {
    Column {
        name,
        kind,
        priority,
    }
}

pub(super) fn columns(plural: &str) -> Vec<Column> {
    let name = col("Name", "string", 0);
    let age = col("Age", "string", 0);
    let workload_wide = [
        col("Containers", "string", 1),
        col("Images", "string", 1),
        col("Selector", "string", 1),
    ];
    match plural {
        "pods" => vec![
            name,
            col("Ready", "string", 0),
            col("Status", "string", 0),
            col("Restarts", "string", 0),
            age,
            col("IP", "string", 1),
            col("Node", "string", 1),
            col("Nominated Node", "string", 1),
            col("Readiness Gates", "string", 1),
        ],
        "deployments" => [
            vec![
                name,
                col("Ready", "string", 0),
                col("Up-to-date", "integer", 0),
                col("Available", "integer", 0),
                age,
            ],
            workload_wide.into(),
        ]
        .concat(),
        "replicasets" => [
            vec![
                name,
                col("Desired", "integer", 0),
                col("Current", "integer", 0),
                col("Ready", "integer", 0),
                age,
            ],
            workload_wide.into(),
        ]
        .concat(),
        "statefulsets" => vec![
            name,
            col("Ready", "string", 0),
            age,
            col("Containers", "string", 1),
            col("Images", "string", 1),
        ],
        "daemonsets" => [
            vec![
                name,
                col("Desired", "integer", 0),
                col("Current", "integer", 0),
                col("Ready", "integer", 0),
                col("Up-to-date", "integer", 0),
                col("Available", "integer", 0),
                col("Node Selector", "string", 0),
                age,
            ],
            workload_wide.into(),
        ]
        .concat(),
        "jobs" => [
            vec![
                name,
                col("Status", "string", 0),
                col("Completions", "string", 0),
                col("Duration", "string", 0),
                age,
            ],
            workload_wide.into(),
        ]
        .concat(),
        "cronjobs" => [
            vec![
                name,
                col("Schedule", "string", 0),
                col("Timezone", "string", 0),
                col("Suspend", "boolean", 0),
                col("Active", "integer", 0),
                col("Last Schedule", "string", 0),
                age,
            ],
            workload_wide.into(),
        ]
        .concat(),
        "services" => vec![
            name,
            col("Type", "string", 0),
            col("Cluster-IP", "string", 0),
            col("External-IP", "string", 0),
            col("Port(s)", "string", 0),
            age,
            col("Selector", "string", 1),
        ],
        "nodes" => vec![
            name,
            col("Status", "string", 0),
            col("Roles", "string", 0),
            age,
            col("Version", "string", 0),
            col("Internal-IP", "string", 1),
            col("External-IP", "string", 1),
            col("OS-Image", "string", 1),
            col("Kernel-Version", "string", 1),
            col("Container-Runtime", "string", 1),
        ],
        "namespaces" => vec![name, col("Status", "string", 0), age],
        "events" => vec![
            col("Last Seen", "string", 0),
            col("Type", "string", 0),
            col("Reason", "string", 0),
            col("Object", "string", 0),
            col("Subobject", "string", 1),
            col("Source", "string", 1),
            col("Message", "string", 0),
            col("First Seen", "string", 1),
            col("Count", "string", 1),
            col("Name", "string", 1),
        ],
        "horizontalpodautoscalers" => vec![
            name,
            col("Reference", "string", 0),
            col("Targets", "string", 0),
            col("MinPods", "string", 0),
            col("MaxPods", "integer", 0),
            col("Replicas", "integer", 0),
            age,
        ],
        "configmaps" => vec![name, col("Data", "integer", 0), age],
        "secrets" => vec![
            name,
            col("Type", "string", 0),
            col("Data", "integer", 0),
            age,
        ],
        "serviceaccounts" => vec![name, col("Secrets", "integer", 0), age],
        "endpoints" => vec![name, col("Endpoints", "string", 0), age],
        "endpointslices" => vec![
            name,
            col("AddressType", "string", 0),
            col("Ports", "string", 0),
            col("Endpoints", "string", 0),
            age,
        ],
        "persistentvolumeclaims" => vec![
            name,
            col("Status", "string", 0),
            col("Volume", "string", 0),
            col("Capacity", "string", 0),
            col("Access Modes", "string", 0),
            col("StorageClass", "string", 0),
            col("VolumeAttributesClass", "string", 0),
            age,
            col("VolumeMode", "string", 1),
        ],
        "ingresses" => vec![
            name,
            col("Class", "string", 0),
            col("Hosts", "string", 0),
            col("Address", "string", 0),
            col("Ports", "string", 0),
            age,
        ],
        "networkpolicies" => vec![name, col("Pod-Selector", "string", 0), age],
        "poddisruptionbudgets" => vec![
            name,
            col("Min Available", "string", 0),
            col("Max Unavailable", "string", 0),
            col("Allowed Disruptions", "integer", 0),
            age,
        ],
        "controllerrevisions" => vec![
            name,
            col("Controller", "string", 0),
            col("Revision", "integer", 0),
            age,
        ],
        _ => vec![name, col("Created At", "date", 0)],
    }
}
