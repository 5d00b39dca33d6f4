//! The public campaign CSV (`/c/<slug>.csv`) holds what donors typed in their transfer memo
//! and what banks put in the reference: a cell that would start a spreadsheet formula
//! (`=`, `+`, `-`, `@`, tab, CR) is quoted, so opening the file runs nothing.

use crate::contrib_common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memo_and_reference_cells_never_start_a_formula() {
    let dir = tempdir();
    let hub = start_hub(dir.path()).await;
    let store = store(&hub);
    campaign(&store);
    let starts = ["=", "+", "-", "@", "\t", "\r"];
    for (i, start) in starts.iter().enumerate() {
        let memo = format!("{start}HYPERLINK(\"http://evil.example\";\"x\") {POSTER_CODE} ung ho");
        let reference = format!("{start}REF{i}");
        let body = generic_body(
            &format!("formula-{i}"),
            10_000 + i as i64,
            &memo,
            &reference,
        );
        let (status, answer) = post_generic(&hub, &body).await;
        assert_eq!(status, 200, "delivery {i}: {answer}");
    }
    let csv = crate::contrib_fixtures::public_csv(&hub).await;
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().expect("header").clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), starts.len(), "every gift is listed: {csv}");
    let mut seen_memos = 0;
    for row in &rows {
        for (name, cell) in header.iter().zip(row.iter()) {
            if name == "amount_vnd" {
                continue;
            }
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{name} cell {cell:?} would start a formula"
            );
            if name == "memo" && cell.contains("HYPERLINK") {
                seen_memos += 1;
            }
        }
    }
    assert_eq!(
        seen_memos,
        starts.len(),
        "the memos are published, quoted: {csv}"
    );
    hub.stop().await;
}
