//! Pure domain logic: plain functions over plain data, shared by the console and the simulator.

pub mod age;
pub mod pod_status;
