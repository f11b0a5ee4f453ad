//! What the console keeps of each watched object: only the fields some view shows. With 10,000
//! pods, volumes, environment variables and managed fields would be most of the memory. The YAML
//! view fetches the whole object fresh when asked, so nothing shown there is trimmed.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Container, Event, Node, Pod, PodTemplateSpec};

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
    fn slim(mut self) -> Self {
        self.metadata.managed_fields = None;
        if let Some(spec) = self.spec.as_mut() {
            slim_template(&mut spec.template);
        }
        self
    }
}

impl Slim for StatefulSet {
    fn slim(mut self) -> Self {
        self.metadata.managed_fields = None;
        if let Some(spec) = self.spec.as_mut() {
            slim_template(&mut spec.template);
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
