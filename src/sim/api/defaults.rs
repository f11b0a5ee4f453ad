//! Defaulting, as the real API server does between decoding and validation: the fields
//! controllers and `kubectl rollout status` rely on (strategy, progress deadline, history
//! limits, probe timings, restart policy...) are always set on what is stored.

use serde_json::{Map, Value, json};

use crate::sim::resources::ResourceType;

fn set(object: &mut Value, key: &str, value: Value) {
    if let Some(map) = object.as_object_mut() {
        map.entry(key.to_string()).or_insert(value);
    }
}

fn ensure_object<'a>(parent: &'a mut Value, key: &str) -> &'a mut Value {
    if !parent[key].is_object() {
        parent[key] = Value::Object(Map::new());
    }
    &mut parent[key]
}

pub fn apply(resource: &ResourceType, object: &mut Value) {
    match resource.kind {
        "Pod" => pod_spec(ensure_object(object, "spec")),
        "Deployment" => {
            let spec = ensure_object(object, "spec");
            set(spec, "replicas", json!(1));
            set(spec, "revisionHistoryLimit", json!(10));
            set(spec, "progressDeadlineSeconds", json!(600));
            let strategy = ensure_object(spec, "strategy");
            set(strategy, "type", json!("RollingUpdate"));
            if strategy["type"] == "RollingUpdate" {
                let rolling = ensure_object(strategy, "rollingUpdate");
                set(rolling, "maxSurge", json!("25%"));
                set(rolling, "maxUnavailable", json!("25%"));
            }
            pod_spec(ensure_object(ensure_object(spec, "template"), "spec"));
        }
        "ReplicaSet" => {
            let spec = ensure_object(object, "spec");
            set(spec, "replicas", json!(1));
            pod_spec(ensure_object(ensure_object(spec, "template"), "spec"));
        }
        "StatefulSet" => {
            let spec = ensure_object(object, "spec");
            set(spec, "replicas", json!(1));
            set(spec, "podManagementPolicy", json!("OrderedReady"));
            set(spec, "revisionHistoryLimit", json!(10));
            let strategy = ensure_object(spec, "updateStrategy");
            set(strategy, "type", json!("RollingUpdate"));
            if strategy["type"] == "RollingUpdate" {
                set(
                    ensure_object(strategy, "rollingUpdate"),
                    "partition",
                    json!(0),
                );
            }
            pod_spec(ensure_object(ensure_object(spec, "template"), "spec"));
        }
        "DaemonSet" => {
            let spec = ensure_object(object, "spec");
            set(spec, "revisionHistoryLimit", json!(10));
            pod_spec(ensure_object(ensure_object(spec, "template"), "spec"));
        }
        "Job" => job_spec(ensure_object(object, "spec")),
        "CronJob" => {
            let spec = ensure_object(object, "spec");
            set(spec, "concurrencyPolicy", json!("Allow"));
            set(spec, "suspend", json!(false));
            set(spec, "successfulJobsHistoryLimit", json!(3));
            set(spec, "failedJobsHistoryLimit", json!(1));
            job_spec(ensure_object(ensure_object(spec, "jobTemplate"), "spec"));
        }
        "Service" => service_spec(ensure_object(object, "spec")),
        _ => {}
    }
}

fn job_spec(spec: &mut Value) {
    set(spec, "backoffLimit", json!(6));
    if spec.get("parallelism").is_none() && spec.get("completions").is_none() {
        spec["completions"] = json!(1);
    }
    set(spec, "parallelism", json!(1));
    set(spec, "completionMode", json!("NonIndexed"));
    set(spec, "suspend", json!(false));
    let template = ensure_object(spec, "template");
    let pod = ensure_object(template, "spec");
    set(pod, "restartPolicy", json!("Never"));
    pod_spec(pod);
}

/// The selector the Job API generates for a new Job: unless `spec.manualSelector` is true,
/// kube-apiserver selects the Job's pods by its uid and labels the pod template to match
/// (`controller-uid` and `job-name`, with and without the `batch.kubernetes.io/` prefix).
/// Run once the uid is set, for Jobs created through the API and by the CronJob controller.
pub fn generate_job_selector(job: &mut Value) {
    if job["spec"]["manualSelector"] == true {
        return;
    }
    let uid = job["metadata"]["uid"].clone();
    let name = job["metadata"]["name"].clone();
    let spec = ensure_object(job, "spec");
    spec["selector"] = json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}});
    let template = ensure_object(spec, "template");
    let metadata = ensure_object(template, "metadata");
    let labels = ensure_object(metadata, "labels");
    for (key, value) in [
        ("batch.kubernetes.io/controller-uid", &uid),
        ("batch.kubernetes.io/job-name", &name),
        ("controller-uid", &uid),
        ("job-name", &name),
    ] {
        labels[key] = value.clone();
    }
}

/// Defaults of a pod spec (also used for pod templates the sim writes itself).
pub fn pod_spec(spec: &mut Value) {
    set(spec, "restartPolicy", json!("Always"));
    set(spec, "terminationGracePeriodSeconds", json!(30));
    set(spec, "dnsPolicy", json!("ClusterFirst"));
    set(spec, "schedulerName", json!("default-scheduler"));
    set(spec, "securityContext", json!({}));
    for list in ["initContainers", "containers"] {
        if let Some(containers) = spec.get_mut(list).and_then(Value::as_array_mut) {
            containers.iter_mut().for_each(container);
        }
    }
}

fn container(c: &mut Value) {
    let image = c["image"].as_str().unwrap_or_default();
    let tag = image
        .rsplit('/')
        .next()
        .and_then(|last| last.split_once(':'))
        .map(|(_, t)| t);
    let policy = if tag.is_none() || tag == Some("latest") {
        "Always"
    } else {
        "IfNotPresent"
    };
    set(c, "imagePullPolicy", json!(policy));
    set(c, "terminationMessagePath", json!("/dev/termination-log"));
    set(c, "terminationMessagePolicy", json!("File"));
    if let Some(ports) = c.get_mut("ports").and_then(Value::as_array_mut) {
        for p in ports {
            set(p, "protocol", json!("TCP"));
        }
    }
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if c[probe].is_object() {
            let p = &mut c[probe];
            set(p, "timeoutSeconds", json!(1));
            set(p, "periodSeconds", json!(10));
            set(p, "successThreshold", json!(1));
            set(p, "failureThreshold", json!(3));
            if p["httpGet"].is_object() {
                set(&mut p["httpGet"], "scheme", json!("HTTP"));
            }
        }
    }
}

fn service_spec(spec: &mut Value) {
    set(spec, "type", json!("ClusterIP"));
    set(spec, "sessionAffinity", json!("None"));
    if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
        for p in ports {
            set(p, "protocol", json!("TCP"));
            let port = p["port"].clone();
            set(p, "targetPort", port);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::resources::find;

    #[test]
    fn deployment_defaults_are_what_rollout_status_reads() {
        let mut d = json!({"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "nginx", "readinessProbe": {"httpGet": {"port": 80}}}]}}}});
        apply(find("apps", "v1", "deployments").unwrap(), &mut d);
        assert_eq!(d["spec"]["progressDeadlineSeconds"], 600);
        assert_eq!(
            d["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"],
            "25%"
        );
        let c = &d["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(
            (
                c["imagePullPolicy"].as_str(),
                c["readinessProbe"]["periodSeconds"].as_i64()
            ),
            (Some("Always"), Some(10))
        );
        let mut explicit = json!({"spec": {"replicas": 0, "strategy": {"type": "Recreate"}}});
        apply(find("apps", "v1", "deployments").unwrap(), &mut explicit);
        assert_eq!(explicit["spec"]["replicas"], 0);
        assert!(explicit["spec"]["strategy"].get("rollingUpdate").is_none());
    }
}
