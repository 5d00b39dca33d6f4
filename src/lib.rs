//! phonghop: the appliance of the Fatherland Front "digital meeting room".
//!
//! See `ARCHITECTURE.md` for the bird's-eye view and the code map.

pub mod app;
pub mod auth;
pub mod backoff;
pub mod bench;
pub mod bench_capacity;
pub mod bench_crash;
pub mod bench_light;
pub mod bench_live_call;
pub mod bench_meeting;
pub mod bench_soak;
pub mod cli;
pub mod clock;
pub mod config;
pub mod contrib;
pub mod datadir;
pub mod demo;
pub mod feedback;
pub mod health;
pub mod hub;
pub mod janus;
pub mod kiosk;
pub mod media;
pub mod meeting;
pub mod metrics;
pub mod names;
pub mod news;
/// Reports (periodic tables, charts, CSV): used by the hub only, so crate-visible.
pub(crate) mod report;
pub mod room;
pub mod store;
pub mod sync;
pub mod systemd;
pub mod text;
pub mod transport;
pub mod turn;
pub mod typed_code;
pub mod vietqr;
pub mod wire;
pub mod zalo;
