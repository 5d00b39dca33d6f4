//! Why a `phonghop` command failed, and the exit code that tells a script or systemd what
//! kind of failure it was: 2 invalid input or configuration (fix and run again), 3 the
//! database is damaged or from a newer phonghop (restore or upgrade), 1 anything else.
//!
//! Each command group keeps its own error type; a new group adds one variant here and one
//! arm in [`CliError::exit_code`].

use crate::app::AppError;
use crate::config::ConfigError;
use crate::hub::admin::AdminError;
use crate::store::StoreError;

use super::contrib::ContribCliError;
use super::feedback::FeedbackCliError;
use super::qr::QrCliError;
use super::schedule::ScheduleCliError;
use super::user::UserCliError;

/// Exit code for input or configuration to fix.
pub const EXIT_INVALID: u8 = 2;
/// Exit code for a damaged database or one written by a newer phonghop.
pub const EXIT_DATABASE: u8 = 3;
/// Exit code for every other failure.
pub const EXIT_FAILURE: u8 = 1;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A flag or argument to fix; the text says how.
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    App(#[from] AppError),
    #[error(transparent)]
    Admin(#[from] AdminError),
    #[error(transparent)]
    Enroll(#[from] crate::room::enroll::EnrollError),
    #[error(transparent)]
    Demo(#[from] crate::demo::DemoError),
    #[error(transparent)]
    Bench(#[from] crate::bench::BenchError),
    #[error(transparent)]
    BenchMeeting(#[from] crate::bench_meeting::BenchMeetingError),
    #[error(transparent)]
    BenchLight(#[from] crate::bench_light::BenchLightError),
    #[error(transparent)]
    BenchCapacity(#[from] crate::bench_capacity::CapacityError),
    #[error(transparent)]
    BenchCrash(#[from] crate::bench_crash::CrashError),
    #[error(transparent)]
    BenchUi(#[from] crate::bench_live_call::LiveCallError),
    #[error(transparent)]
    BenchSoak(#[from] crate::bench_soak::SoakError),
    #[error(transparent)]
    Tls(#[from] crate::hub::tls::TlsError),
    #[error(transparent)]
    DataDir(#[from] crate::datadir::DataDirError),
    #[error(transparent)]
    Kiosk(#[from] crate::kiosk::KioskError),
    #[error(transparent)]
    Qr(#[from] QrCliError),
    #[error(transparent)]
    Feedback(#[from] FeedbackCliError),
    #[error(transparent)]
    Contrib(#[from] ContribCliError),
    #[error(transparent)]
    User(#[from] UserCliError),
    #[error(transparent)]
    Schedule(#[from] ScheduleCliError),
    #[error(transparent)]
    News(#[from] super::news::NewsCliError),
    #[error(transparent)]
    Zalo(#[from] super::zalo::ZaloCliError),
    #[error(transparent)]
    RoomSetup(#[from] crate::room::setup::SetupError),
    #[error(transparent)]
    HubSetup(#[from] crate::hub::setup::HubSetupError),
    #[error(transparent)]
    Generate(#[from] super::generate::GenerateError),
    #[error("{what}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("encoding the report")]
    Json(#[from] serde_json::Error),
    #[error("the {what} task")]
    Task {
        what: &'static str,
        #[source]
        source: tokio::task::JoinError,
    },
}

impl CliError {
    /// The process exit code for this failure (see the module documentation).
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) | CliError::Config(_) | CliError::Qr(_) => EXIT_INVALID,
            CliError::Store(e) => store_exit_code(e),
            CliError::App(e) => app_exit_code(e),
            CliError::Admin(e) => admin_exit_code(e),
            CliError::Demo(crate::demo::DemoError::Setup(e)) => app_exit_code(e),
            CliError::Bench(crate::bench::BenchError::Store(e)) => store_exit_code(e),
            CliError::BenchLight(crate::bench_light::BenchLightError::Options(_))
            | CliError::BenchCapacity(
                crate::bench_capacity::CapacityError::Options(_)
                | crate::bench_capacity::CapacityError::Light(
                    crate::bench_light::BenchLightError::Options(_),
                ),
            ) => EXIT_INVALID,
            CliError::Feedback(e) => e.exit_code(),
            CliError::Contrib(e) => e.exit_code(),
            CliError::User(e) => e.exit_code(),
            CliError::Schedule(e) => e.exit_code(),
            CliError::News(e) => e.exit_code(),
            CliError::Zalo(e) => e.exit_code(),
            CliError::RoomSetup(e) => super::setup::room_setup_exit_code(e),
            CliError::HubSetup(e) => super::setup::hub_setup_exit_code(e),
            CliError::Enroll(_)
            | CliError::Demo(_)
            | CliError::Bench(_)
            | CliError::BenchMeeting(_)
            | CliError::BenchLight(_)
            | CliError::BenchCapacity(_)
            | CliError::BenchCrash(_)
            | CliError::BenchUi(_)
            | CliError::BenchSoak(_)
            | CliError::Tls(_)
            | CliError::DataDir(_)
            | CliError::Kiosk(_)
            | CliError::Generate(_)
            | CliError::Io { .. }
            | CliError::Json(_)
            | CliError::Task { .. } => EXIT_FAILURE,
        }
    }
}

/// What a store failure means for the caller: damaged or newer (3), refused input (2).
pub fn store_exit_code(error: &StoreError) -> u8 {
    match error {
        StoreError::Corrupt { .. } | StoreError::NewerSchema { .. } => EXIT_DATABASE,
        StoreError::Refused(_) => EXIT_INVALID,
        StoreError::Io { .. } | StoreError::Sqlite(_) => EXIT_FAILURE,
    }
}

fn app_exit_code(error: &AppError) -> u8 {
    match error {
        AppError::Config(_) => EXIT_INVALID,
        AppError::Admin(e) => admin_exit_code(e),
        other => other.store().map_or(EXIT_FAILURE, store_exit_code),
    }
}

/// Every refusal of a room or meeting command is input to fix.
fn admin_exit_code(error: &AdminError) -> u8 {
    match error {
        AdminError::Store(e) => store_exit_code(e),
        _ => EXIT_INVALID,
    }
}

/// A short way to build [`CliError::Io`] with what was being done.
pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> CliError {
    let what = what.into();
    move |source| CliError::Io { what, source }
}

pub(crate) fn usage(message: impl Into<String>) -> CliError {
    CliError::Usage(message.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_damaged_database_exits_3_even_behind_a_command_group() {
        let corrupt = || StoreError::Corrupt {
            path: "db".into(),
            detail: "bad".into(),
        };
        assert_eq!(CliError::from(corrupt()).exit_code(), 3);
        assert_eq!(CliError::Admin(AdminError::Store(corrupt())).exit_code(), 3);
        assert_eq!(
            CliError::Contrib(ContribCliError::Store(corrupt())).exit_code(),
            3
        );
        assert_eq!(
            CliError::Feedback(FeedbackCliError::Store(corrupt())).exit_code(),
            3
        );
    }

    #[test]
    fn refused_input_exits_2_and_a_broken_disk_exits_1() {
        assert_eq!(usage("--records must be at least 1").exit_code(), 2);
        assert_eq!(
            CliError::from(StoreError::Refused("no such meeting".into())).exit_code(),
            2
        );
        assert_eq!(
            CliError::Admin(AdminError::UnknownRoom("r1".into())).exit_code(),
            2
        );
        let disk = std::io::Error::other("disk full");
        assert_eq!(io("writing cert.pem")(disk).exit_code(), 1);
    }
}
