//! What the console keeps of each watched object: only the fields some view shows. With 10,000
//! pods, volumes, environment variables and managed fields would be most of the memory. The YAML
//! view fetches the whole object fresh when asked, so nothing shown there is trimmed.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Container, Event, Node, Pod, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ManagedFieldsEntry, ObjectMeta};

pub trait Slim {
    fn slim(self) -> Self;
}

fn slim_container(c: &mut Container) {
    c.env = None;
    c.env_from = None;
    c.volume_mounts = None;
    c.volume_devices = None;
    c.security_context = None;
    c.command = None;
    c.args = None;
    c.ports = None;
    c.lifecycle = None;
}

/// Who changed an object and when: each manager's newest write to the object itself (not its
/// status), without the field sets (most of the bytes). What the Overview says made a change.
fn slim_managers(meta: &mut ObjectMeta) {
    meta.managed_fields = meta.managed_fields.take().map(|fields| {
        fields
            .into_iter()
            .filter(|f| f.subresource.as_deref().unwrap_or_default().is_empty())
            .map(|f| ManagedFieldsEntry {
                fields_v1: None,
                fields_type: None,
                ..f
            })
            .collect()
    });
}

/// Of a workload's template, which ConfigMaps and Secrets it mounts or reads its environment
/// from, by name only: a change to one of them is a change to the workload.
fn keep_config_refs(spec: &mut k8s_openapi::api::core::v1::PodSpec) {
    spec.volumes = spec.volumes.take().map(|volumes| {
        volumes
            .into_iter()
            .filter(|v| v.config_map.is_some() || v.secret.is_some() || v.projected.is_some())
            .collect()
    });
    for c in spec.containers.iter_mut() {
        c.env = c.env.take().map(|env| {
            env.into_iter()
                .filter(|e| {
                    e.value_from.as_ref().is_some_and(|f| {
                        f.config_map_key_ref.is_some() || f.secret_key_ref.is_some()
                    })
                })
                .collect()
        });
    }
}

fn slim_template(t: &mut PodTemplateSpec) {
    // Only the annotations stay: a restart is planned against the template's `restartedAt`.
    t.metadata = t
        .metadata
        .take()
        .and_then(|m| m.annotations)
        .map(
            |annotations| k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                annotations: Some(annotations),
                ..Default::default()
            },
        );
    if let Some(spec) = t.spec.as_mut() {
        spec.volumes = None;
        spec.affinity = None;
        spec.tolerations = None;
        spec.init_containers = None;
        spec.containers.iter_mut().for_each(|c| {
            slim_container(c);
            c.liveness_probe = None;
            c.readiness_probe = None;
            c.startup_probe = None;
            c.resources = None;
        });
    }
}

impl Slim for Pod {
    fn slim(mut self) -> Self {
        self.metadata.managed_fields = None;
        self.metadata.annotations = None;
        if let Some(spec) = self.spec.as_mut() {
            spec.volumes = None;
            spec.affinity = None;
            spec.tolerations = None;
            spec.security_context = None;
            spec.node_selector = None;
            spec.containers.iter_mut().for_each(slim_container);
            spec.init_containers
                .iter_mut()
                .flatten()
                .for_each(slim_container);
        }
        self
    }
}

impl Slim for Deployment {
    /// Keeps who last changed it and the config it mounts (a few per workload).
    fn slim(mut self) -> Self {
        slim_managers(&mut self.metadata);
        if let Some(spec) = self.spec.as_mut() {
            let mut refs = spec.template.spec.clone();
            refs.iter_mut().for_each(keep_config_refs);
            slim_template(&mut spec.template);
            if let (Some(kept), Some(refs)) = (spec.template.spec.as_mut(), refs) {
                kept.volumes = refs.volumes;
                for (c, r) in kept.containers.iter_mut().zip(refs.containers) {
                    c.env = r.env;
                    c.env_from = r.env_from;
                }
            }
        }
        self
    }
}

impl Slim for StatefulSet {
    /// Keeps who last changed it and the config it mounts (a few per workload).
    fn slim(mut self) -> Self {
        slim_managers(&mut self.metadata);
        if let Some(spec) = self.spec.as_mut() {
            let mut refs = spec.template.spec.clone();
            refs.iter_mut().for_each(keep_config_refs);
            slim_template(&mut spec.template);
            if let (Some(kept), Some(refs)) = (spec.template.spec.as_mut(), refs) {
                kept.volumes = refs.volumes;
                for (c, r) in kept.containers.iter_mut().zip(refs.containers) {
                    c.env = r.env;
                    c.env_from = r.env_from;
                }
            }
            spec.volume_claim_templates = None;
        }
        self
    }
}

impl Slim for ReplicaSet {
    fn slim(mut self) -> Self {
        self.metadata.managed_fields = None;
        if let Some(t) = self.spec.as_mut().and_then(|s| s.template.as_mut()) {
            slim_template(t);
        }
        self
    }
}

impl Slim for Event {
    fn slim(mut self) -> Self {
        self.metadata.managed_fields = None;
        self
    }
}

impl Slim for HorizontalPodAutoscaler {
    fn slim(mut self) -> Self {
        self.metadata.managed_fields = None;
        self
    }
}

impl Slim for Node {
    fn slim(mut self) -> Self {
        self.metadata.managed_fields = None;
        if let Some(status) = self.status.as_mut() {
            // Image lists run to hundreds of entries per node and are never shown.
            status.images = None;
        }
        self
    }
}

impl Slim for Job {
    fn slim(mut self) -> Self {
        self.metadata.managed_fields = None;
        if let Some(spec) = self.spec.as_mut() {
            slim_template(&mut spec.template);
        }
        self
    }
}

impl Slim for CronJob {
    /// Kept whole but for managed fields: a drill's Job is made from its `jobTemplate` exactly
    /// (image, args, env), and a namespace has a handful of CronJobs.
    fn slim(mut self) -> Self {
        self.metadata.managed_fields = None;
        self
    }
}
