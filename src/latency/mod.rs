//! Latency: where the time between camera and glass goes. The viewer records every frame's
//! timestamps (record), the bench summarizes them (report) and draws them (plot).

pub mod bench;
pub mod camera_clock;
pub mod g2g;
pub mod g2g_run;
mod observe;
pub mod plot;
pub mod record;
pub mod report;
pub mod run_info;
