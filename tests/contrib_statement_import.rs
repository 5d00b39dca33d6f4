//! `phonghop hub import-statement FILE --format generic-csv`: bad lines are all reported by
//! number and nothing is imported; a clean file is imported and matched; importing it again
//! (or a statement overlapping webhooks) counts each transfer once.

use crate::contrib_common;
use crate::contrib_fixtures::{CliCampaign, campaign_made_by_cli, import_statement};
use contrib_common::*;

const HEADER: &str = "date,amount_vnd,reference,description\n";

#[test]
fn a_statement_is_imported_all_or_nothing_and_once() {
    let dir = tempdir();
    let CliCampaign {
        config,
        store,
        campaign,
        ..
    } = campaign_made_by_cli(dir.path(), "Quỹ Vì người nghèo", "VCB");
    let poster = campaign.poster_code.clone();

    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        format!(
            "{HEADER}2026-11-23 10:15,100000,FT1,{poster} ung ho\n\
             23/11/2026,100000,FT2,x\n\
             2026-11-23,100.000,FT3,y\n\
             2026-11-23,5000,FT1,z\n"
        ),
    )
    .expect("write");
    let (code, _, stderr) = import_statement(&config, &bad, "generic-csv");
    assert_eq!(code, 2, "{stderr}");
    for expected in [
        "line 3: date",
        "line 4: amount_vnd",
        "line 5: reference \"FT1\" is also on line 2",
    ] {
        assert!(
            stderr.contains(expected),
            "expected {expected:?} in {stderr}"
        );
    }
    assert_eq!(
        store.transfer_count().expect("count"),
        0,
        "nothing imported"
    );

    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        format!(
            "{HEADER}2026-11-23 10:15,100000,FT1,\"MBVCB.1.{poster}, ung ho\"\n\
             2026-11-23 11:00,25000,FT2,chuyen tien\n\
             2026-11-23 12:00,-40000,FT3,rut tien\n"
        ),
    )
    .expect("write");
    let (code, stdout, stderr) = import_statement(&config, &good, "generic-csv");
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("2 new transfers (1 credited, 1 unallocated)"),
        "{stdout}"
    );
    assert!(stdout.contains("1 outgoing lines skipped"), "{stdout}");
    let (code, stdout, stderr) = import_statement(&config, &good, "generic-csv");
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("0 new transfers"), "{stdout}");
    assert!(stdout.contains("2 already recorded"), "{stdout}");

    assert_eq!(store.transfer_count().expect("count"), 2);
    let totals = store.campaign_totals(&campaign.id).expect("totals");
    assert_eq!((totals.raised_vnd, totals.gifts), (100_000, 1));

    let (code, _, stderr) = import_statement(&config, &good, "mt940");
    assert_eq!(
        code, 2,
        "an unknown format is refused by the parser: {stderr}"
    );
}
