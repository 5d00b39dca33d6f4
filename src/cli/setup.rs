//! `phonghop room setup` and `phonghop hub setup`: a box's first boot, from a technician's
//! answers, refusing to overwrite a config without `--force`.

use std::io::BufRead;
use std::path::PathBuf;

use crate::room::setup::{RoomSetup, SetupError};

use crate::hub::setup::{HubSetup, HubSetupError};

use super::error::{CliError, EXIT_FAILURE, EXIT_INVALID};
use super::run::runtime;
use super::{HubSetupArgs, RoomSetupArgs};

/// Where a box's config lives unless `--config` says otherwise.
const DEFAULT_ROOM_CONFIG: &str = "/etc/phonghop/room.toml";
/// Where the hub's config lives unless `--config` says otherwise.
const DEFAULT_HUB_CONFIG: &str = "/etc/phonghop/hub.toml";

/// The unit systemd runs a room box as.
const ROOM_SERVICE: &str = "phonghop-room.service";

/// Sets up a room box; reads the staff PIN (one line) on standard input.
pub fn room(args: RoomSetupArgs, config: Option<PathBuf>) -> Result<(), CliError> {
    let config_path = absolute(config.unwrap_or_else(|| PathBuf::from(DEFAULT_ROOM_CONFIG)))?;
    let staff_pin = read_pin()?;
    let answers = RoomSetup {
        config_path: config_path.clone(),
        hub_url: args.hub,
        unit: args.unit,
        code: args.code,
        fingerprint: args.fingerprint,
        data_dir: absolute(args.data_dir)?,
        staff_pin,
        force: args.force,
    };
    let done = runtime()?.block_on(crate::room::setup::setup_room(&answers))?;
    println!(
        "Enrolled as room {} ({}) of {}.",
        done.room_id, done.room_name, done.unit_name
    );
    println!("Config written to {}.", config_path.display());
    if let Some(cert) = &done.ca_cert {
        println!(
            "The hub's certificate (fingerprint checked) is in {}.",
            cert.display()
        );
    }
    if let Some(previous) = &done.previous_config {
        println!("The previous config is kept as {}.", previous.display());
    }
    if args.no_start {
        println!("Start the room with: systemctl enable --now {ROOM_SERVICE}");
        return Ok(());
    }
    let status = std::process::Command::new("systemctl")
        .args(["enable", "--now", ROOM_SERVICE])
        .status()
        .map_err(|source| CliError::Io {
            what: format!("running systemctl enable --now {ROOM_SERVICE}"),
            source,
        })?;
    if !status.success() {
        return Err(CliError::Usage(format!(
            "the box is set up, but `systemctl enable --now {ROOM_SERVICE}` failed ({status}); see `journalctl -u {ROOM_SERVICE}`"
        )));
    }
    println!("{ROOM_SERVICE} is enabled and started.");
    Ok(())
}

/// The config's path made absolute: the files written beside it are named in it, and the
/// service reads them from another working directory.
fn absolute(path: PathBuf) -> Result<PathBuf, CliError> {
    std::path::absolute(&path).map_err(|source| CliError::Io {
        what: format!("--config {}", path.display()),
        source,
    })
}

/// The staff PIN from one line of standard input (a prompt when it is a terminal).
fn read_pin() -> Result<String, CliError> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        eprint!("Staff PIN for this box's kiosk (at least 4 digits): ");
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|source| CliError::Io {
            what: "reading the staff PIN on standard input".into(),
            source,
        })?;
    Ok(line.trim().to_owned())
}

/// Exit code: 2 for answers to fix, 1 when the hub or the disk failed.
pub fn room_setup_exit_code(error: &SetupError) -> u8 {
    match error {
        SetupError::ConfigExists { .. }
        | SetupError::BadFingerprint { .. }
        | SetupError::FingerprintMismatch { .. }
        | SetupError::NeedFingerprint { .. }
        | SetupError::Pin(_)
        | SetupError::Config(_) => EXIT_INVALID,
        SetupError::Enroll(crate::room::enroll::EnrollError::Refused(_)) => EXIT_INVALID,
        SetupError::Unreachable { .. }
        | SetupError::Io { .. }
        | SetupError::Write(_)
        | SetupError::Template(_)
        | SetupError::Enroll(_) => EXIT_FAILURE,
    }
}

/// Sets up the hub's config and certificate and says what to do next.
pub fn hub(args: HubSetupArgs, config: Option<PathBuf>) -> Result<(), CliError> {
    let config_path = absolute(config.unwrap_or_else(|| PathBuf::from(DEFAULT_HUB_CONFIG)))?;
    let units_csv = std::fs::read_to_string(&args.units_csv).map_err(|source| CliError::Io {
        what: format!("reading --units-csv {}", args.units_csv.display()),
        source,
    })?;
    let done = crate::hub::setup::setup_hub(&HubSetup {
        config_path: config_path.clone(),
        public_url: args.public_url,
        listen: args.listen,
        data_dir: absolute(args.data_dir)?,
        units_csv,
        force: args.force,
    })?;
    let shown = config_path.display();
    println!("Config written to {shown} ({} units).", done.units);
    if let Some(previous) = &done.previous_config {
        println!("The previous config is kept as {}.", previous.display());
    }
    println!(
        "Certificate {} and key {}; fingerprint (SHA-256): {}",
        done.cert.display(),
        done.key.display(),
        done.fingerprint
    );
    println!("Next:");
    println!("  1. systemctl enable --now phonghop-hub");
    println!(
        "  2. phonghop hub user add --config {shown} --login <login> --role province-admin --name \"<name>\" --password-stdin"
    );
    println!(
        "  3. for each commune box: phonghop hub add-room --config {shown} --unit <unit> --name \"<name>\" (it prints the line to run on the box)"
    );
    Ok(())
}

/// Exit code: 2 for answers to fix, 1 when the disk failed.
pub fn hub_setup_exit_code(error: &HubSetupError) -> u8 {
    match error {
        HubSetupError::Exists { .. }
        | HubSetupError::Units(_)
        | HubSetupError::NotHttps(_)
        | HubSetupError::Config(_) => EXIT_INVALID,
        HubSetupError::Template(_)
        | HubSetupError::Io { .. }
        | HubSetupError::Tls(_)
        | HubSetupError::Write(_) => EXIT_FAILURE,
    }
}
