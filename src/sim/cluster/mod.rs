//! The simulated cluster's control plane and kubelets: one task that reacts to every change in
//! the store and to its own timers, and writes back through the store, as Kubernetes'
//! controllers do through the API. It runs alone, so for a seed and a scenario the sequence of
//! changes it makes is the same every run: timers fire in (due time, sequence) order, and due
//! times are computed from the simulated schedule, not from when the task happened to wake.

mod deployments;
mod disruption;
mod endpoints;
pub mod events;
mod jobs;
mod kubelet;
mod replicasets;
pub mod scenario;
mod scheduler;
mod statefulsets;
pub mod usage;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

use self::events::{Occurrence, Record, Recorder};
use self::scenario::{Fault, Scenario};
use super::naming::Names;
use super::resources::{self, ResourceType};
use super::store::{Change, Store, StoreError, object_key};

/// `(namespace, name)`.
pub type Key = (String, String);

/// One thing to reconcile or do.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Work {
    Deployment(Key),
    ReplicaSet(Key),
    StatefulSet(Key),
    Job(Key),
    CronJob(Key),
    /// Schedule an unscheduled pod onto a node.
    Schedule(Key),
    /// Move a pod's containers along their lifecycle.
    Kubelet(Key),
    Scenario(usize),
    Autoscale,
    ExpireEvents,
    /// Recompute the PodDisruptionBudgets' status in a namespace.
    Disruption(String),
    /// Recompute the Endpoints and EndpointSlices of a namespace's Services.
    Endpoints(String),
}

/// Served kinds the controllers touch, looked up once.
pub struct Kinds {
    pub pod: &'static ResourceType,
    pub node: &'static ResourceType,
    pub event: &'static ResourceType,
    pub deployment: &'static ResourceType,
    pub replica_set: &'static ResourceType,
    pub stateful_set: &'static ResourceType,
    pub controller_revision: &'static ResourceType,
    pub job: &'static ResourceType,
    pub cron_job: &'static ResourceType,
    pub hpa: &'static ResourceType,
}

fn kind(group: &str, plural: &str) -> &'static ResourceType {
    let version = if group == "autoscaling" { "v2" } else { "v1" };
    resources::find(group, version, plural).unwrap_or_else(|| unreachable!("{plural} is served"))
}

impl Kinds {
    fn new() -> Self {
        Kinds {
            pod: kind("", "pods"),
            node: kind("", "nodes"),
            event: kind("", "events"),
            deployment: kind("apps", "deployments"),
            replica_set: kind("apps", "replicasets"),
            stateful_set: kind("apps", "statefulsets"),
            controller_revision: kind("apps", "controllerrevisions"),
            job: kind("batch", "jobs"),
            cron_job: kind("batch", "cronjobs"),
            hpa: kind("autoscaling", "horizontalpodautoscalers"),
        }
    }
}

pub struct Cluster {
    store: Arc<Store>,
    kinds: Kinds,
    /// Divides simulated delays (image pulls, probe periods, job run times).
    speed: f64,
    names: Names,
    recorder: Recorder,
    scenario: Scenario,
    /// Behaviour the scenario has given to pods or images.
    faults: Vec<Fault>,
    queue: VecDeque<Work>,
    queued: HashSet<Work>,
    timers: BinaryHeap<Reverse<(Instant, u64, Work)>>,
    sequence: u64,
    /// The simulated "now" of the work being done: a timer's due time, so what it schedules
    /// next does not drift with how late the task woke.
    now: Instant,
    /// Per-pod lifecycle bookkeeping the API does not show (next step, back-off).
    pods: HashMap<Key, kubelet::PodRun>,
    started: Instant,
    /// What pods and nodes use: the metrics API reads the same model.
    usage: Arc<usage::UsageModel>,
    /// The share of ready production backend pods running the bad release, over time: the
    /// sim's Prometheus answers the backend's 5xx from it.
    release: Option<Arc<crate::sim::prometheus::signal::Timeline>>,
    /// Namespaces whose Services' endpoints are due for a recompute: pod changes are batched,
    /// as the endpoints controllers batch them, so thousands of pods starting cost one pass
    /// per namespace per batch.
    endpoints_due: HashSet<String>,
}

/// How long pod changes gather before a namespace's endpoints are recomputed.
const ENDPOINTS_BATCH: Duration = Duration::from_millis(100);

impl Cluster {
    pub fn new(
        store: Arc<Store>,
        scenario: Scenario,
        seed: u64,
        speed: f64,
        usage: Arc<usage::UsageModel>,
    ) -> Self {
        Cluster {
            store,
            kinds: Kinds::new(),
            speed,
            // A different stream from the world's, so adding world objects does not shift it.
            names: Names::new(seed ^ 0x5eed_c0de),
            recorder: Recorder::default(),
            scenario,
            faults: Vec::new(),
            queue: VecDeque::new(),
            queued: HashSet::new(),
            timers: BinaryHeap::new(),
            sequence: 0,
            now: Instant::now(),
            pods: HashMap::new(),
            started: Instant::now(),
            usage,
            release: None,
            endpoints_due: HashSet::new(),
        }
    }

    /// Records the bad release's share of ready backend pods into `release` as it changes.
    pub fn recording_release(
        mut self,
        release: Arc<crate::sim::prometheus::signal::Timeline>,
    ) -> Self {
        self.release = Some(release);
        self
    }

    /// The share of ready production backend pods running the bad release, recorded now.
    fn record_release(&self) {
        let Some(release) = &self.release else {
            return;
        };
        let pods = self.store.list(self.kinds.pod, Some("ms5-production")).0;
        let ready: Vec<&Value> = pods
            .iter()
            .map(|p| p.value())
            .filter(|p| p["metadata"]["labels"]["app"] == "backend" && is_pod_ready(p))
            .collect();
        let bad = ready
            .iter()
            .filter(|p| p["spec"]["containers"][0]["image"] == scenario::BAD_RELEASE_IMAGE)
            .count();
        let share = if ready.is_empty() {
            0.0
        } else {
            bad as f64 / ready.len() as f64
        };
        // Metric time is the wall clock's, now (not the controller's simulated instant).
        release.record(Utc::now().timestamp_millis() as f64 / 1000.0, share);
    }

    /// Runs until the store is dropped.
    pub async fn run(mut self) {
        let mut changes = self.store.subscribe();
        self.bootstrap();
        loop {
            self.drain_queue();
            let next = self.timers.peek().map(|Reverse((at, _, _))| *at);
            tokio::select! {
                // Changes first: they were caused by work already done, and must be seen in
                // the order they were made before any timer runs.
                biased;
                change = changes.recv() => match change {
                    Ok(change) => {
                        // What a change causes happens now: with the clock left at the last
                        // timer, a pod created for an undo was dated before the undo was sent.
                        self.now = Instant::now().max(self.now);
                        self.on_change(&change)
                    }
                    Err(RecvError::Lagged(_)) => self.resync(),
                    Err(RecvError::Closed) => return,
                },
                _ = sleep_until(next) => self.fire_due_timers(),
            }
        }
    }

    fn bootstrap(&mut self) {
        self.now = Instant::now();
        self.resync();
        let steps = self.scenario.steps();
        for (index, step) in steps.iter().enumerate() {
            self.after_wall(step.at, Work::Scenario(index));
        }
        self.after_wall(Duration::from_secs(60), Work::ExpireEvents);
        self.after_wall(Duration::from_secs(15), Work::Autoscale);
        if let Some(pdbs) = resources::find("policy", "v1", "poddisruptionbudgets") {
            for pdb in self.store.list(pdbs, None).0 {
                let namespace = pdb.value()["metadata"]["namespace"].as_str();
                self.enqueue(Work::Disruption(namespace.unwrap_or_default().to_string()));
            }
        }
        if let Some(services) = resources::find("", "v1", "services") {
            for service in self.store.list(services, None).0 {
                let namespace = service.value()["metadata"]["namespace"].as_str();
                self.endpoints_soon(namespace.unwrap_or_default());
            }
        }
    }

    /// Reconciles everything once: at start, and after falling behind the change stream.
    fn resync(&mut self) {
        for (resource, make) in [
            (self.kinds.deployment, Work::Deployment as fn(Key) -> Work),
            (self.kinds.stateful_set, Work::StatefulSet),
            (self.kinds.replica_set, Work::ReplicaSet),
            (self.kinds.job, Work::Job),
            (self.kinds.cron_job, Work::CronJob),
            (self.kinds.pod, Work::Kubelet),
        ] {
            for object in self.store.list(resource, None).0 {
                self.enqueue(make(object_key(&object)));
            }
        }
    }

    fn drain_queue(&mut self) {
        while let Some(work) = self.queue.pop_front() {
            self.queued.remove(&work);
            self.handle(work);
        }
    }

    fn fire_due_timers(&mut self) {
        let wall = Instant::now();
        while let Some(Reverse((at, _, _))) = self.timers.peek() {
            if *at > wall {
                break;
            }
            let Some(Reverse((at, _, work))) = self.timers.pop() else {
                break;
            };
            self.now = at;
            self.handle(work);
            self.drain_queue();
        }
        self.now = Instant::now().max(self.now);
    }

    /// A namespace's endpoints recomputed after the current batch of changes.
    fn endpoints_soon(&mut self, namespace: &str) {
        if self.endpoints_due.insert(namespace.to_string()) {
            self.after_wall(ENDPOINTS_BATCH, Work::Endpoints(namespace.to_string()));
        }
    }

    fn enqueue(&mut self, work: Work) {
        if self.queued.insert(work.clone()) {
            self.queue.push_back(work);
        }
    }

    /// Runs `work` after a simulated delay, shortened by `--speed`; returns when.
    pub(crate) fn after(&mut self, delay: Duration, work: Work) -> Instant {
        self.after_wall(delay.div_f64(self.speed), work)
    }

    /// Runs `work` after a wall-clock delay (schedules, deadlines, TTLs: never shortened).
    pub(crate) fn after_wall(&mut self, delay: Duration, work: Work) -> Instant {
        self.sequence += 1;
        let at = self.now + delay;
        self.timers.push(Reverse((at, self.sequence, work)));
        at
    }

    /// Simulated time since the cluster started.
    pub(crate) fn elapsed(&self) -> Duration {
        self.now.saturating_duration_since(self.started)
    }

    /// Wall-clock time for timestamps.
    pub(crate) fn wall_now(&self) -> DateTime<Utc> {
        let behind = Instant::now().saturating_duration_since(self.now);
        Utc::now() - chrono::Duration::from_std(behind).unwrap_or_default()
    }

    fn on_change(&mut self, change: &Change) {
        let object = &change.object;
        let key = object_key(object);
        let kind = change.resource.kind;
        match kind {
            "Deployment" => self.enqueue(Work::Deployment(key)),
            "ReplicaSet" => {
                self.enqueue(Work::ReplicaSet(key));
                self.enqueue_owner(object, "Deployment");
            }
            "StatefulSet" => self.enqueue(Work::StatefulSet(key)),
            "Job" => {
                self.enqueue(Work::Job(key));
                self.enqueue_owner(object, "CronJob");
            }
            "CronJob" => self.enqueue(Work::CronJob(key)),
            "Pod" => {
                if change.kind == super::store::ChangeKind::Deleted {
                    self.pods.remove(&key);
                } else {
                    self.enqueue(Work::Kubelet(key.clone()));
                }
                if object["metadata"]["namespace"] == "ms5-production"
                    && object["metadata"]["labels"]["app"] == "backend"
                {
                    self.record_release();
                }
                self.enqueue_owner(object, "ReplicaSet");
                self.enqueue_owner(object, "StatefulSet");
                self.enqueue_owner(object, "Job");
                self.enqueue(Work::Disruption(key.0.clone()));
                self.endpoints_soon(&key.0);
            }
            "PodDisruptionBudget" => self.enqueue(Work::Disruption(key.0.clone())),
            "Service" => self.endpoints_soon(&key.0),
            "Node" => {
                // A node that changed may now take pods that could not be placed.
                for pod in self.store.list(self.kinds.pod, None).0 {
                    if pod["spec"]["nodeName"].is_null()
                        && pod["metadata"]["deletionTimestamp"].is_null()
                    {
                        self.enqueue(Work::Schedule(object_key(&pod)));
                    }
                }
            }
            "Event" if change.kind == super::store::ChangeKind::Deleted => {
                self.recorder.forget(&key.0, &key.1)
            }
            _ => {}
        }
    }

    fn enqueue_owner(&mut self, object: &Value, owner_kind: &str) {
        let namespace = object["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if let Some(owner) = controller_of(object).filter(|o| o["kind"] == owner_kind) {
            let key = (
                namespace,
                owner["name"].as_str().unwrap_or_default().to_string(),
            );
            self.enqueue(match owner_kind {
                "Deployment" => Work::Deployment(key),
                "ReplicaSet" => Work::ReplicaSet(key),
                "StatefulSet" => Work::StatefulSet(key),
                "Job" => Work::Job(key),
                _ => Work::CronJob(key),
            });
        }
    }

    fn handle(&mut self, work: Work) {
        match work {
            Work::Deployment(key) => deployments::reconcile(self, &key),
            Work::ReplicaSet(key) => replicasets::reconcile(self, &key),
            Work::StatefulSet(key) => statefulsets::reconcile(self, &key),
            Work::Job(key) => jobs::reconcile_job(self, &key),
            Work::CronJob(key) => jobs::reconcile_cron_job(self, &key),
            Work::Schedule(key) => scheduler::schedule(self, &key),
            Work::Kubelet(key) => kubelet::reconcile(self, &key),
            Work::Scenario(index) => scenario::run_step(self, index),
            Work::Disruption(namespace) => disruption::reconcile(self, &namespace),
            Work::Endpoints(namespace) => {
                self.endpoints_due.remove(&namespace);
                endpoints::reconcile(self, &namespace);
            }
            Work::Autoscale => {
                jobs::autoscale(self);
                self.after_wall(Duration::from_secs(15), Work::Autoscale);
            }
            Work::ExpireEvents => {
                self.expire_events();
                self.after_wall(Duration::from_secs(60), Work::ExpireEvents);
            }
        }
    }

    // ---- store access, as a controller's client would do it ----

    pub(crate) fn get(&self, resource: &ResourceType, key: &Key) -> Option<Value> {
        self.store
            .get(resource, &key.0, &key.1)
            .map(|s| s.value().clone())
    }

    /// Objects in `namespace` whose controller is the object with `uid`.
    pub(crate) fn owned_by(
        &self,
        resource: &ResourceType,
        namespace: &str,
        uid: &str,
    ) -> Vec<Value> {
        self.store
            .list(resource, Some(namespace))
            .0
            .iter()
            .filter(|o| controller_of(o).is_some_and(|r| r["uid"] == uid))
            .map(|o| o.value().clone())
            .collect()
    }

    pub(crate) fn create(
        &mut self,
        resource: &'static ResourceType,
        mut object: Value,
    ) -> Option<Value> {
        let meta = &mut object["metadata"];
        meta["uid"] = json!(self.names.uid());
        meta["creationTimestamp"] = json!(super::world::objects::ts(self.wall_now()));
        if resource.has_status && meta.get("generation").is_none() {
            meta["generation"] = json!(1);
        }
        if resource.kind == "Job" {
            crate::sim::api::defaults::generate_job_selector(&mut object);
        }
        match self.store.create(resource, object) {
            Ok(stored) => Some(stored.value().clone()),
            Err(_) => None,
        }
    }

    /// Writes `object` if it is still at the resourceVersion it was read at; a conflict means
    /// someone else wrote in between, and the change that caused will bring us back.
    pub(crate) fn update(
        &mut self,
        resource: &'static ResourceType,
        object: Value,
    ) -> Option<Value> {
        let expected = super::store::resource_version(&object);
        match self.store.update(resource, object, expected) {
            Ok(stored) => Some(stored.value().clone()),
            Err(StoreError::Conflict | StoreError::NotFound | StoreError::AlreadyExists) => None,
        }
    }

    pub(crate) fn remove(&mut self, resource: &'static ResourceType, key: &Key) {
        let _ = self.store.delete(resource, &key.0, &key.1);
    }

    /// Marks an object for deletion the way the API does: pods terminate gracefully, the rest
    /// go at once with their dependents.
    pub(crate) fn delete(&mut self, resource: &'static ResourceType, key: &Key) {
        if std::ptr::eq(resource, self.kinds.pod) {
            if let Some(mut pod) = self.get(resource, key)
                && pod["metadata"]["deletionTimestamp"].is_null()
            {
                let grace = pod["spec"]["terminationGracePeriodSeconds"]
                    .as_i64()
                    .unwrap_or(30);
                let at = self.wall_now() + chrono::Duration::seconds(grace);
                pod["metadata"]["deletionTimestamp"] = json!(super::world::objects::ts(at));
                pod["metadata"]["deletionGracePeriodSeconds"] = json!(grace);
                self.update(resource, pod);
            }
            return;
        }
        if let Some(object) = self.get(resource, key) {
            self.remove(resource, key);
            let uid = object["metadata"]["uid"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            for dependent_kind in [
                self.kinds.replica_set,
                self.kinds.pod,
                self.kinds.job,
                self.kinds.controller_revision,
            ] {
                for dependent in self.owned_by(dependent_kind, &key.0, &uid) {
                    self.delete(dependent_kind, &object_key(&dependent));
                }
            }
        }
    }

    /// Records an event about `involved`, counting repeats on one Event object.
    pub(crate) fn event(&mut self, involved: &Value, what: Occurrence) {
        let now = self.wall_now();
        let suffix = self.names.below(u64::MAX);
        match self.recorder.record(involved, &what, suffix, now) {
            Record::Create(event) => {
                let _ = self.store.create(self.kinds.event, event);
            }
            Record::Repeat { namespace, name } => {
                let key = (namespace, name);
                match self.get(self.kinds.event, &key) {
                    Some(event) => {
                        let _ =
                            self.store
                                .update(self.kinds.event, events::repeated(event, now), None);
                    }
                    None => {
                        // Expired in between: start a new series.
                        self.recorder.forget(&key.0, &key.1);
                        self.event(involved, what);
                    }
                }
            }
        }
    }

    fn expire_events(&mut self) {
        let now = self.wall_now();
        for event in self.store.list(self.kinds.event, None).0 {
            if events::expired(&event, now) {
                let (namespace, name) = object_key(&event);
                let _ = self.store.delete(self.kinds.event, &namespace, &name);
                self.recorder.forget(&namespace, &name);
            }
        }
    }

    pub(crate) fn fault_for(&self, pod: &Value) -> Option<Fault> {
        self.faults.iter().find(|f| f.applies_to(pod)).cloned()
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The ownerReference marked `controller: true`.
pub fn controller_of(object: &Value) -> Option<&Value> {
    object["metadata"]["ownerReferences"]
        .as_array()
        .and_then(|refs| refs.iter().find(|r| r["controller"] == true))
}

pub fn owner_reference(owner: &Value) -> Value {
    json!({
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

pub fn is_pod_ready(pod: &Value) -> bool {
    pod["status"]["conditions"].as_array().is_some_and(|cs| {
        cs.iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
    })
}

/// A pod that counts toward its controller: not terminating, not finished.
pub fn is_pod_active(pod: &Value) -> bool {
    pod["metadata"]["deletionTimestamp"].is_null()
        && !matches!(
            pod["status"]["phase"].as_str(),
            Some("Succeeded" | "Failed")
        )
}
