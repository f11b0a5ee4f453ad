//! Sources: the only code that reads the outside world. Each runs as a task and sends whole,
//! typed reports (`event`) to whoever reads them: the UI task wraps them in its `DataEvent`.

pub mod alertmanager;
pub mod connect;
pub mod error;
pub mod event;

pub mod http;
pub mod kube;
pub mod logs;
pub mod metrics;
pub mod prometheus;
pub mod prometheus_answers;
pub mod slim;
