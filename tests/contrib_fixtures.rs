//! Contributions set up and handled through the hub's command line, as staff do it: a
//! campaign made by `hub campaign create`, statements imported, staff actions signed with a
//! name and a reason.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use crate::contrib_common::{ACCOUNT, SLUG, phonghop_hub, write_hub_toml};
use phonghop::contrib::Campaign;
use phonghop::store::Store;

/// A hub's config and database with one campaign ([`SLUG`]) created from the command line;
/// no hub is running.
pub struct CliCampaign {
    pub config: PathBuf,
    /// The hub's data directory, for starting a hub on it.
    pub data_dir: PathBuf,
    pub store: Store,
    pub campaign: Campaign,
}

/// `phonghop hub campaign create` for [`SLUG`] on [`ACCOUNT`] with `title` and `bank` (a BIN
/// or a name), in a new data directory under `dir`.
pub fn campaign_made_by_cli(dir: &Path, title: &str, bank: &str) -> CliCampaign {
    let data_dir = dir.join("data");
    let config = write_hub_toml(dir, &data_dir);
    let (code, _, stderr) = phonghop_hub(
        &config,
        &[
            "campaign",
            "create",
            "--slug",
            SLUG,
            "--title",
            title,
            "--bank",
            bank,
            "--account",
            ACCOUNT,
            "--account-name",
            "UY BAN MTTQ XA LAO CHAI",
            "--goal",
            "50000000",
            "--ends",
            "2099-12-31",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let store = Store::open(&phonghop::datadir::DataDir::new(&data_dir).db_path()).expect("store");
    let campaign = store.campaign(SLUG).expect("db").expect("campaign");
    CliCampaign {
        config,
        data_dir,
        store,
        campaign,
    }
}

/// `phonghop hub import-statement FILE --format FORMAT`; (exit code, stdout, stderr).
pub fn import_statement(config: &Path, file: &Path, format: &str) -> (i32, String, String) {
    phonghop_hub(
        config,
        &[
            "import-statement",
            file.to_str().expect("utf-8"),
            "--format",
            format,
        ],
    )
}

/// A staff command (`transfers assign ...`, `ledger refund ...`) with `--by` and `--reason`
/// added; (exit code, stdout, stderr).
pub fn staff_command(
    config: &Path,
    args: &[&str],
    by: &str,
    reason: &str,
) -> (i32, String, String) {
    let mut all = args.to_vec();
    all.extend(["--by", by, "--reason", reason]);
    phonghop_hub(config, &all)
}

/// The campaign's public CSV (`/c/<slug>.csv`) as the hub serves it to anyone.
pub async fn public_csv(hub: &crate::contrib_common::TestHub) -> String {
    crate::contrib_common::http()
        .get(hub.url.join(&format!("c/{SLUG}.csv")).expect("url"))
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("csv text")
}
