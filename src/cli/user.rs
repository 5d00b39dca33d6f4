//! `phonghop hub user ...`: staff accounts for the dashboard and the staff API. They work
//! on the hub's database as root, whether or not the hub runs.

use std::io::{BufRead, Write};

use clap::Subcommand;

use crate::config::HubConfig;
use crate::hub::accounts::{self, AccountError, NewAccount};
use crate::store::StaffRole;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. Without --password-stdin it prints a one-time link (valid 24
    /// hours) at which the person chooses a password.
    Add {
        #[arg(long)]
        login: String,
        /// province-admin (everything) or commune-staff (one unit's feedback).
        #[arg(long)]
        role: StaffRole,
        /// The unit a commune-staff account belongs to (as in the hub config).
        #[arg(long)]
        unit: Option<String>,
        /// The person's name, shown in the dashboard.
        #[arg(long)]
        name: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts with their role, unit, state and tokens.
    List,
    /// Disable an account: its sessions end and its tokens stop working at once.
    Disable {
        #[arg(long)]
        login: String,
    },
    /// Clear an account's password, end its sessions, print a new set-password link.
    Reset {
        #[arg(long)]
        login: String,
    },
    /// Print a new API token (`Authorization: Bearer ...`) for scripts; shown once.
    Token {
        #[arg(long)]
        login: String,
        /// What the token is for, shown by `user list`.
        #[arg(long, default_value = "script")]
        label: String,
    },
    /// Revoke one API token (its id is in `user list`).
    RevokeToken {
        #[arg(long)]
        login: String,
        #[arg(long)]
        token_id: i64,
    },
}

impl clap::ValueEnum for StaffRole {
    fn value_variants<'a>() -> &'a [Self] {
        &StaffRole::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UserCliError {
    #[error("--password-stdin: no password on standard input")]
    NoPassword,
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl UserCliError {
    /// 3 for a damaged or newer database, 2 otherwise (input to fix).
    pub fn exit_code(&self) -> u8 {
        use crate::store::StoreError;
        match self {
            UserCliError::Account(AccountError::Store(
                StoreError::Corrupt { .. } | StoreError::NewerSchema { .. },
            )) => 3,
            _ => 2,
        }
    }
}

fn when(ms: i64) -> String {
    crate::report::vietnam_time(ms)
}

/// Runs a user command, reading a password from `input` and printing to `out`.
pub fn run(
    config: &HubConfig,
    command: UserCommand,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<(), UserCliError> {
    match command {
        UserCommand::Add {
            login,
            role,
            unit,
            name,
            password_stdin,
        } => {
            let password = if password_stdin {
                let mut line = String::new();
                input.read_line(&mut line)?;
                let line = line.trim_end_matches(['\r', '\n']).to_owned();
                if line.is_empty() {
                    return Err(UserCliError::NoPassword);
                }
                Some(line)
            } else {
                None
            };
            let (account, link) = accounts::add_user(
                config,
                &NewAccount {
                    login: &login,
                    name: &name,
                    role,
                    unit: unit.as_deref(),
                    password: password.as_deref(),
                },
            )?;
            writeln!(
                out,
                "Account {} ({}, {}) created.",
                account.login,
                account.role,
                account.unit.as_deref().unwrap_or("whole province")
            )?;
            match link {
                Some(link) => writeln!(
                    out,
                    "Give this one-time link to {} to choose a password (valid 24 hours):\n{link}",
                    account.name
                )?,
                None => writeln!(
                    out,
                    "Sign in at {}/staff/login",
                    config.public_url.as_str().trim_end_matches('/')
                )?,
            }
        }
        UserCommand::List => {
            for (account, tokens) in accounts::list_users(config)? {
                let state = match (account.disabled_at_ms, account.has_password) {
                    (Some(at), _) => format!("disabled {}", when(at)),
                    (None, false) => "no password yet".to_owned(),
                    (None, true) => "active".to_owned(),
                };
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}",
                    account.login,
                    account.role,
                    account.unit.as_deref().unwrap_or("-"),
                    account.name,
                    state
                )?;
                for token in tokens {
                    let state = match token.revoked_at_ms {
                        Some(at) => format!("revoked {}", when(at)),
                        None => "active".to_owned(),
                    };
                    writeln!(
                        out,
                        "  token {}\t{}\tmade {}\t{state}",
                        token.id,
                        token.label,
                        when(token.created_at_ms)
                    )?;
                }
            }
        }
        UserCommand::Disable { login } => {
            accounts::disable_user(config, &login)?;
            writeln!(
                out,
                "Account {login} disabled; its sessions and tokens stopped working."
            )?;
        }
        UserCommand::Reset { login } => {
            let link = accounts::reset_user(config, &login)?;
            writeln!(
                out,
                "Password of {login} cleared and its sessions ended. One-time link (valid 24 hours):\n{link}"
            )?;
        }
        UserCommand::Token { login, label } => {
            let (id, token) = accounts::issue_token(config, &login, &label)?;
            writeln!(out, "{token}")?;
            writeln!(
                out,
                "Token {id} for {login}; it is shown only now. Send it as: Authorization: Bearer <token>"
            )?;
        }
        UserCommand::RevokeToken { login, token_id } => {
            accounts::revoke_token(config, &login, token_id)?;
            writeln!(out, "Token {token_id} of {login} revoked.")?;
        }
    }
    Ok(())
}
