//! Sources: the only code that reads the outside world. Each runs as a task and sends whole,
//! typed `DataEvent`s to the UI task.

pub mod alertmanager;
pub mod connect;
pub mod error;
pub mod fetch;
pub mod http;
pub mod kube;
pub mod logs;
pub mod metrics;
pub mod prometheus;
pub mod slim;
