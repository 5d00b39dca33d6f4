//! `phonghop hub ...`: run the hub, or manage its rooms, meetings and certificate. The
//! feedback and contributions groups live in their own files.

use std::path::PathBuf;

use crate::config::{self, HubConfig};

use super::contrib::ContribCommand;
use super::error::{CliError, usage};
use super::run::{runtime, shutdown_signal};
use super::{HubArgs, HubCommand, MeetingCommand};

pub(crate) fn need_config(config: Option<PathBuf>, command: &str) -> Result<PathBuf, CliError> {
    config.ok_or_else(|| usage(format!("{command} needs --config FILE")))
}

/// Runs the hub (no subcommand) or one of its commands.
pub fn run(args: HubArgs) -> Result<(), CliError> {
    if let Some(HubCommand::Setup(setup)) = args.command {
        return super::setup::hub(setup, args.config);
    }
    let path = need_config(args.config, "phonghop hub")?;
    let config = config::load_hub(&path)?;
    let shown = path.display().to_string();
    let Some(command) = args.command else {
        return runtime()?.block_on(async {
            let hub = crate::app::HubBuilder::new(config, shown);
            let listener = hub.bind().await?;
            hub.run(listener, shutdown_signal()).await?;
            Ok(())
        });
    };
    let contrib = |command: ContribCommand| {
        super::contrib::run(&config, command, &mut std::io::stdout().lock())
    };
    match command {
        HubCommand::Setup(_) => unreachable!("handled before the config is read"),
        HubCommand::AddRoom { unit, name } => add_room(&config, &shown, &unit, &name)?,
        HubCommand::RevokeRoom { room } => {
            let revoked = crate::hub::admin::revoke_room(&config, &room)?;
            println!(
                "Room {} ({}) revoked; a running hub closes its session now.",
                revoked.id, revoked.name
            );
        }
        HubCommand::ListRooms => {
            for r in crate::hub::admin::list_rooms(&config)? {
                let state = match r.revoked_at_ms {
                    Some(ms) => format!("revoked {}", crate::clock::rfc3339(ms)),
                    None => "active".to_owned(),
                };
                println!("{}\t{}\t{}\t{state}", r.id, r.unit_id, r.name);
            }
        }
        HubCommand::Meeting(command) => meeting(&config, command)?,
        HubCommand::GenCert { names, force } => gen_cert(&config, &shown, names, force)?,
        HubCommand::Feedback(command) => {
            super::feedback::run(&config, command, &mut std::io::stdout().lock())?
        }
        HubCommand::News(c) => super::news::run(&config, c, &mut std::io::stdout().lock())?,
        HubCommand::Campaign(c) => contrib(ContribCommand::Campaign(c))?,
        HubCommand::Poster(a) => contrib(ContribCommand::Poster(a))?,
        HubCommand::ImportStatement(a) => contrib(ContribCommand::ImportStatement(a))?,
        HubCommand::Transfers(c) => contrib(ContribCommand::Transfers(c))?,
        HubCommand::Ledger(c) => contrib(ContribCommand::Ledger(c))?,
        HubCommand::Pledge(c) => contrib(ContribCommand::Pledge(c))?,
        HubCommand::User(c) => super::user::run(
            &config,
            c,
            &mut std::io::stdin().lock(),
            &mut std::io::stdout().lock(),
        )?,
        HubCommand::Zalo(c) => super::zalo::run(
            &config,
            c,
            &mut std::io::stdin().lock(),
            &mut std::io::stdout().lock(),
        )?,
    }
    Ok(())
}

fn add_room(config: &HubConfig, shown: &str, unit: &str, name: &str) -> Result<(), CliError> {
    let (room, code) = crate::hub::admin::add_room(config, shown, unit, name)?;
    let link = config
        .public_url
        .join(&format!("enroll?code={code}"))
        .map(|u| u.to_string())
        .unwrap_or_default();
    println!(
        "Room {} ({}) added for unit {}.",
        room.id, room.name, room.unit_id
    );
    println!("Enrollment code (one use, valid 24 hours): {code}");
    // A self-signed hub: the box checks the certificate it is shown against this.
    let fingerprint = match &config.tls {
        Some(tls) if tls.cert.exists() => {
            Some(crate::hub::tls::certificate_fingerprint(&tls.cert)?)
        }
        _ => None,
    };
    println!(
        "On the box, as root: phonghop room setup --hub {} --unit {} --code {code}{}",
        config.public_url,
        room.unit_id,
        fingerprint
            .map(|f| format!(" --fingerprint {f}"))
            .unwrap_or_default()
    );
    if let Ok(qr) = qrcode::QrCode::new(link.as_bytes()) {
        println!(
            "{}",
            qr.render::<qrcode::render::unicode::Dense1x2>()
                .quiet_zone(true)
                .build()
        );
        println!("(the QR opens {link})");
    }
    Ok(())
}

fn meeting(config: &HubConfig, command: MeetingCommand) -> Result<(), CliError> {
    match command {
        MeetingCommand::Start { host, rooms } => {
            let meeting = crate::hub::meeting_api::start_meeting(config, &host, &rooms)?;
            println!("{}", meeting.id);
            eprintln!(
                "Meeting {} started with {} rooms; a running hub invites them now.",
                meeting.id,
                meeting.rooms.len()
            );
        }
        MeetingCommand::Stop { id } => {
            crate::hub::meeting_api::stop_meeting(config, &id)?;
            println!("Meeting {id} ended; everyone leaves now.");
        }
        MeetingCommand::Link { id, name } => {
            let url = crate::hub::meeting_api::meeting_link(config, &id, &name)?;
            println!("{url}");
        }
        MeetingCommand::Schedule(command) => {
            super::schedule::run(config, command, &mut std::io::stdout().lock())?
        }
        MeetingCommand::List => {
            for m in crate::hub::meeting_api::list_meetings(config)? {
                println!(
                    "{}\thost {}\t{} rooms\tsince {}",
                    m.id,
                    m.host_room,
                    m.rooms.len(),
                    crate::clock::rfc3339(m.started_at_ms)
                );
            }
        }
    }
    Ok(())
}

/// Writes the certificate and key the `[tls]` section names; the key readable by the hub's
/// user only.
fn gen_cert(
    config: &HubConfig,
    shown: &str,
    extra: Vec<String>,
    force: bool,
) -> Result<(), CliError> {
    let Some(tls) = &config.tls else {
        return Err(usage(format!(
            "{shown}: add a [tls] section with cert and key paths first"
        )));
    };
    for path in [&tls.cert, &tls.key] {
        if path.exists() && !force {
            return Err(usage(format!(
                "{} exists; pass --force to replace it",
                path.display()
            )));
        }
    }
    let names = crate::hub::tls::certificate_names(&config.public_url, extra);
    let (cert, key) = crate::hub::tls::self_signed(&names)?;
    crate::hub::tls::write_pair(tls, &cert, &key)?;
    println!(
        "wrote {} and {} for {}",
        tls.cert.display(),
        tls.key.display(),
        names.join(", ")
    );
    println!(
        "certificate fingerprint (SHA-256): {}",
        crate::hub::tls::certificate_fingerprint(&tls.cert)?
    );
    println!(
        "`phonghop hub add-room` prints it in each room's setup command; `phonghop room setup` checks it and saves the certificate"
    );
    Ok(())
}
