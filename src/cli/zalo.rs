//! `phonghop hub zalo ...`: connect a committee's Zalo Official Account (its refresh token,
//! sealed at rest) and see each connected OA's token state. A running hub picks a new token
//! up on its next look (at most 30 seconds) and keeps it fresh from then on.

use std::io::{BufRead, Write};

use crate::config::HubConfig;
use crate::hub::zalo::ZaloError;
use crate::store::StoreError;

#[derive(Debug, clap::Subcommand)]
pub enum ZaloCommand {
    /// Store an OA's refresh token (read from standard input, one line; never an argument, so
    /// it stays out of the shell's history). The OA's admin gets it by granting the app its
    /// permissions (developers.zalo.me → the app → Official Account → authorise).
    Connect {
        /// The OA's id (digits), as in [zalo.units].
        #[arg(long)]
        oa: String,
    },
    /// Every connected OA (when its access token expires, the last refresh error), then the
    /// messages that did not reach their resident or wait for a retry.
    Status,
}

/// Why a Zalo command failed; every message says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ZaloCliError {
    #[error(transparent)]
    Zalo(#[from] ZaloError),
    #[error(transparent)]
    Open(#[from] crate::app::OpenError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("reading the refresh token from standard input: {0}")]
    Stdin(std::io::Error),
    #[error("writing the answer: {0}")]
    Stdout(std::io::Error),
}

impl ZaloCliError {
    /// A database failure as `store_exit_code` says (3 damaged or newer); input to fix 2.
    pub fn exit_code(&self) -> u8 {
        let store = match self {
            ZaloCliError::Store(e) | ZaloCliError::Zalo(ZaloError::Store(e)) => Some(e),
            ZaloCliError::Open(e) | ZaloCliError::Zalo(ZaloError::Open(e)) => e.store(),
            ZaloCliError::Stdin(_) | ZaloCliError::Stdout(_) => {
                return super::error::EXIT_FAILURE;
            }
            _ => None,
        };
        store.map_or(super::error::EXIT_INVALID, super::error::store_exit_code)
    }
}

pub fn run(
    config: &HubConfig,
    command: ZaloCommand,
    input: &mut impl BufRead,
    out: &mut impl Write,
) -> Result<(), ZaloCliError> {
    match command {
        ZaloCommand::Connect { oa } => {
            let mut line = String::new();
            input.read_line(&mut line).map_err(ZaloCliError::Stdin)?;
            crate::hub::zalo::connect_oa(config, &oa, line.trim())?;
            let unit = config
                .zalo
                .as_ref()
                .and_then(|z| z.unit_for(oa.trim()))
                .unwrap_or(&config.province().id);
            writeln!(
                out,
                "OA {} connected (its messages go to {unit}); a running hub gets an access token within 30 seconds.",
                oa.trim()
            )
            .map_err(ZaloCliError::Stdout)?;
        }
        ZaloCommand::Status => {
            if config.zalo.is_none() {
                return Err(ZaloError::NotConfigured.into());
            }
            let store = crate::app::open_store(&config.data_dir)?;
            let states = store.zalo_token_states()?;
            if states.is_empty() {
                writeln!(
                    out,
                    "No OA connected: run `phonghop hub zalo connect --oa ID`."
                )
                .map_err(ZaloCliError::Stdout)?;
            }
            for (oa, expires_at_ms, error) in states {
                let expiry = match expires_at_ms {
                    0 => "no access token yet".to_owned(),
                    ms => format!("access token until {}", crate::clock::rfc3339(ms)),
                };
                let error = error.map(|e| format!("\tlast refresh failed: {e}"));
                writeln!(out, "{oa}\t{expiry}{}", error.unwrap_or_default())
                    .map_err(ZaloCliError::Stdout)?;
            }
            for (code, d) in store.zalo_undelivered()? {
                writeln!(
                    out,
                    "{code}\t{} message {} after {} attempt(s): {}",
                    d.purpose,
                    d.state,
                    d.attempts,
                    d.last_error.unwrap_or_default()
                )
                .map_err(ZaloCliError::Stdout)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dir: &std::path::Path) -> HubConfig {
        let mut config =
            crate::config::parse_hub_str("demo.toml", crate::demo::DEMO_HUB_TOML).expect("demo");
        config.data_dir = dir.to_owned();
        config.zalo = Some(crate::config::ZaloConfig::new(
            "360846524940903967",
            "oa-secret-key-1",
            "app-secret-key-1",
        ));
        config
    }

    #[test]
    fn connect_reads_the_token_from_stdin_and_status_lists_the_oa() {
        let dir = tempfile::tempdir().expect("dir");
        let config = config(dir.path());
        let mut out = Vec::new();
        run(
            &config,
            ZaloCommand::Connect {
                oa: "388613280878808645".into(),
            },
            &mut "refresh-token-xyz\n".as_bytes(),
            &mut out,
        )
        .expect("connected");
        let said = String::from_utf8(out).expect("utf-8");
        assert!(said.contains("go to lao-cai"), "{said}");
        let mut out = Vec::new();
        run(&config, ZaloCommand::Status, &mut "".as_bytes(), &mut out).expect("status");
        let said = String::from_utf8(out).expect("utf-8");
        assert!(
            said.starts_with("388613280878808645\tno access token yet"),
            "{said}"
        );
        for file in ["phonghop.db", "phonghop.db-wal"] {
            let bytes = std::fs::read(dir.path().join(file)).unwrap_or_default();
            assert!(
                !bytes.windows(17).any(|w| w == b"refresh-token-xyz"),
                "sealed in {file}"
            );
        }
    }

    #[test]
    fn an_empty_token_or_a_bad_oa_is_refused_with_what_to_fix() {
        let dir = tempfile::tempdir().expect("dir");
        let config = config(dir.path());
        let refused = |oa: &str, token: &str| {
            run(
                &config,
                ZaloCommand::Connect { oa: oa.into() },
                &mut token.as_bytes(),
                &mut Vec::new(),
            )
            .expect_err("refused")
        };
        let empty = refused("388613280878808645", "\n");
        assert!(empty.to_string().contains("standard input"), "{empty}");
        assert_eq!(empty.exit_code(), 2);
        let bad = refused("my-oa", "token\n");
        assert!(bad.to_string().contains("digits"), "{bad}");
    }
}
