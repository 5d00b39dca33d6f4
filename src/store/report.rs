//! The committee's periodic report and the public Open311 view of feedback.
//!
//! Every report query takes the period `[from, to)` and an optional unit: `Some(unit)`
//! counts only that commune's rooms (what commune staff may see), `None` the province.
//! Hidden (abusive) feedback is left out of every count, as it is out of exports. Weeks are
//! cut in SQL with the same constants as `report::week_start_ms` (Monday 00:00 at UTC+7).

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};
use crate::feedback::Status;
use crate::report::{
    CampaignSum, CategoryWeek, ChannelWeek, MONDAY_ZERO_MS, MeetingHeld, Period, RatingWeek,
    ReplyWeek, Report, UnitCount, WEEK_MS,
};

/// SQL for the start of the week holding `column`, with `?4` = `MONDAY_ZERO_MS` and
/// `?5` = `WEEK_MS` bound: a Euclidean remainder, so times before the epoch cut right too.
fn week_of(column: &str) -> String {
    format!("({column} - ((({column} - ?4) % ?5) + ?5) % ?5)")
}

/// A feedback item as anyone may see it (Open311, like the public ticket page `/t/<code>`):
/// no text (it may name people), no name, phone or village, no hidden item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicTicket {
    pub ticket_code: String,
    pub category: String,
    pub unit_id: String,
    pub status: Status,
    pub reply: Option<String>,
    pub submitted_at_ms: i64,
    pub updated_at_ms: i64,
}

/// Which public tickets to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct PublicTicketQuery {
    /// Ticket codes; when given, every other filter is ignored (as Open311 says).
    pub codes: Vec<String>,
    /// Categories; empty: all.
    pub categories: Vec<String>,
    /// Statuses; empty: all.
    pub statuses: Vec<Status>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub offset: u32,
    pub limit: u32,
}

const PUBLIC_COLUMNS: &str = "f.ticket_code, f.category, COALESCE(f.unit_id, r.unit_id), f.status, f.reply, \
     f.submitted_at_ms, f.updated_at_ms";

fn public_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PublicTicket> {
    Ok(PublicTicket {
        ticket_code: r.get(0)?,
        category: r.get(1)?,
        unit_id: r.get(2)?,
        status: r.get(3)?,
        reply: r.get(4)?,
        submitted_at_ms: r.get(5)?,
        updated_at_ms: r.get(6)?,
    })
}

fn json_list<T: serde::Serialize>(items: &[T]) -> Result<String, StoreError> {
    serde_json::to_string(items)
        .map_err(|e| StoreError::Refused(format!("cannot encode a filter list: {e}")))
}

fn count(n: i64) -> u64 {
    n.max(0) as u64
}

impl Store {
    /// Everything the report page shows, for one period and scope.
    pub(crate) fn report(&self, period: &Period, unit: Option<&str>) -> Result<Report, StoreError> {
        Ok(Report {
            period: *period,
            unit: unit.map(str::to_owned),
            by_category_week: self.report_category_weeks(period, unit)?,
            by_channel_week: self.report_channel_weeks(period, unit)?,
            by_unit: self.report_units(period, unit)?,
            reply_times: self.report_reply_times(period, unit)?,
            ratings: self.report_ratings(period, unit)?,
            campaigns: self.report_campaigns(period, unit)?,
            meetings: self.report_meetings(period, unit)?,
        })
    }

    /// Feedback per category per week of submission.
    pub(crate) fn report_category_weeks(
        &self,
        period: &Period,
        unit: Option<&str>,
    ) -> Result<Vec<CategoryWeek>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {week} AS week, f.category, count(*)
             FROM feedback f LEFT JOIN rooms r ON r.id = f.room_id
             WHERE f.submitted_at_ms >= ?1 AND f.submitted_at_ms < ?2
               AND (?3 IS NULL OR COALESCE(f.unit_id, r.unit_id) = ?3) AND f.hidden = 0
             GROUP BY week, f.category ORDER BY week, f.category",
            week = week_of("f.submitted_at_ms")
        ))?;
        let rows = stmt.query_map(
            params![period.from_ms, period.to_ms, unit, MONDAY_ZERO_MS, WEEK_MS],
            |r| {
                Ok(CategoryWeek {
                    week_start_ms: r.get(0)?,
                    category: r.get(1)?,
                    count: count(r.get(2)?),
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Feedback per channel (kiosk, phone page, Zalo) per week of submission.
    pub(crate) fn report_channel_weeks(
        &self,
        period: &Period,
        unit: Option<&str>,
    ) -> Result<Vec<ChannelWeek>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {week} AS week, f.channel, count(*)
             FROM feedback f LEFT JOIN rooms r ON r.id = f.room_id
             WHERE f.submitted_at_ms >= ?1 AND f.submitted_at_ms < ?2
               AND (?3 IS NULL OR COALESCE(f.unit_id, r.unit_id) = ?3) AND f.hidden = 0
             GROUP BY week, f.channel ORDER BY week, f.channel",
            week = week_of("f.submitted_at_ms")
        ))?;
        let rows = stmt.query_map(
            params![period.from_ms, period.to_ms, unit, MONDAY_ZERO_MS, WEEK_MS],
            |r| {
                Ok(ChannelWeek {
                    week_start_ms: r.get(0)?,
                    channel: r.get(1)?,
                    count: count(r.get(2)?),
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Feedback per commune (the unit it came to: its room's, or the phone page's or
    /// Zalo's unit), most first.
    pub(crate) fn report_units(
        &self,
        period: &Period,
        unit: Option<&str>,
    ) -> Result<Vec<UnitCount>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT COALESCE(f.unit_id, r.unit_id) AS unit, count(*) AS n
             FROM feedback f LEFT JOIN rooms r ON r.id = f.room_id
             WHERE f.submitted_at_ms >= ?1 AND f.submitted_at_ms < ?2
               AND (?3 IS NULL OR COALESCE(f.unit_id, r.unit_id) = ?3) AND f.hidden = 0
             GROUP BY unit ORDER BY n DESC, unit",
        )?;
        let rows = stmt.query_map(params![period.from_ms, period.to_ms, unit], |r| {
            Ok(UnitCount {
                unit_id: r.get(0)?,
                count: count(r.get(1)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Time from submission to the first staff reply (the history's first row with a
    /// reply), summarised per week of submission, every week of the period listed.
    pub(crate) fn report_reply_times(
        &self,
        period: &Period,
        unit: Option<&str>,
    ) -> Result<Vec<ReplyWeek>, StoreError> {
        let items: Vec<(i64, Option<i64>)> = {
            let conn = self.lock();
            let mut stmt = conn.prepare_cached(
                "SELECT f.submitted_at_ms,
                        (SELECT min(h.at_ms) FROM feedback_history h
                          WHERE h.feedback_id = f.id AND h.reply IS NOT NULL)
                 FROM feedback f LEFT JOIN rooms r ON r.id = f.room_id
                 WHERE f.submitted_at_ms >= ?1 AND f.submitted_at_ms < ?2
                   AND (?3 IS NULL OR COALESCE(f.unit_id, r.unit_id) = ?3) AND f.hidden = 0",
            )?;
            let rows = stmt.query_map(params![period.from_ms, period.to_ms, unit], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
            rows.collect::<Result<_, _>>()?
        };
        Ok(crate::report::reply_weeks(period, &items))
    }

    /// Kiosk ratings per week: how many, the mean score, how many were 4 or 5. Repeated
    /// taps the kiosk filtered are left out, as in every rating count.
    pub(crate) fn report_ratings(
        &self,
        period: &Period,
        unit: Option<&str>,
    ) -> Result<Vec<RatingWeek>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {week} AS week, count(*), sum(g.score), sum(g.score >= 4)
             FROM ratings g JOIN rooms r ON r.id = g.room_id
             WHERE g.submitted_at_ms >= ?1 AND g.submitted_at_ms < ?2
               AND (?3 IS NULL OR r.unit_id = ?3) AND g.filtered = 0
             GROUP BY week ORDER BY week",
            week = week_of("g.submitted_at_ms")
        ))?;
        let rows = stmt.query_map(
            params![period.from_ms, period.to_ms, unit, MONDAY_ZERO_MS, WEEK_MS],
            |r| {
                let ratings = count(r.get(1)?);
                let sum: i64 = r.get(2)?;
                Ok(RatingWeek {
                    week_start_ms: r.get(0)?,
                    ratings,
                    mean_score: (ratings > 0).then(|| sum as f64 / ratings as f64),
                    satisfied: count(r.get(3)?),
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Money each campaign got in the period, from ledger entries made in it. Campaigns are
    /// province-wide; a commune's share is what came through pledges made at its rooms (a
    /// refund follows the pledge of the gift it returns), so a scoped report leaves out
    /// poster-code gifts and staff corrections, which belong to no commune.
    pub(crate) fn report_campaigns(
        &self,
        period: &Period,
        unit: Option<&str>,
    ) -> Result<Vec<CampaignSum>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT c.id, c.title, sum(l.amount_vnd),
                    sum(CASE WHEN l.kind IN ('gift', 'allocation')
                              AND NOT EXISTS (SELECT 1 FROM ledger_entries x
                                               WHERE x.transfer_id = l.transfer_id AND x.kind = 'refund')
                             THEN 1 ELSE 0 END)
             FROM ledger_entries l
             JOIN campaigns c ON c.id = l.campaign_id
             LEFT JOIN pledges p ON p.id = coalesce(l.pledge_id,
                 (SELECT g.pledge_id FROM ledger_entries g
                   WHERE g.transfer_id = l.transfer_id AND g.kind IN ('gift', 'allocation')))
             LEFT JOIN rooms r ON r.id = p.room_id
             WHERE l.created_at_ms >= ?1 AND l.created_at_ms < ?2
               AND (?3 IS NULL OR r.unit_id = ?3)
             GROUP BY c.id ORDER BY c.created_at_ms, c.id",
        )?;
        let rows = stmt.query_map(params![period.from_ms, period.to_ms, unit], |r| {
            Ok(CampaignSum {
                campaign_id: r.get(0)?,
                title: r.get(1)?,
                confirmed_vnd: r.get(2)?,
                donors: count(r.get(3)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Meetings started in the period; a commune sees those one of its rooms was invited to.
    pub(crate) fn report_meetings(
        &self,
        period: &Period,
        unit: Option<&str>,
    ) -> Result<Vec<MeetingHeld>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT m.id, h.unit_id, m.started_at_ms, m.ended_at_ms, json_array_length(m.rooms_json),
                    (SELECT count(*) FROM meeting_links k WHERE k.meeting_id = m.id)
             FROM meetings m JOIN rooms h ON h.id = m.host_room
             WHERE m.started_at_ms >= ?1 AND m.started_at_ms < ?2
               AND (?3 IS NULL OR EXISTS (SELECT 1 FROM json_each(m.rooms_json) j
                                           JOIN rooms r ON r.id = j.value WHERE r.unit_id = ?3))
             ORDER BY m.started_at_ms, m.id",
        )?;
        let rows = stmt.query_map(params![period.from_ms, period.to_ms, unit], |r| {
            Ok(MeetingHeld {
                meeting_id: r.get(0)?,
                host_unit_id: r.get(1)?,
                started_at_ms: r.get(2)?,
                ended_at_ms: r.get(3)?,
                rooms_invited: count(r.get(4)?),
                browser_links: count(r.get(5)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Public tickets matching `query`, newest first; hidden items never.
    pub(crate) fn public_tickets(
        &self,
        query: &PublicTicketQuery,
    ) -> Result<Vec<PublicTicket>, StoreError> {
        let codes = json_list(&query.codes)?;
        let categories = json_list(&query.categories)?;
        let statuses = json_list(&query.statuses)?;
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {PUBLIC_COLUMNS} FROM feedback f LEFT JOIN rooms r ON r.id = f.room_id
             WHERE f.hidden = 0 AND (
                 (json_array_length(?1) > 0 AND f.ticket_code IN (SELECT value FROM json_each(?1)))
                 OR (json_array_length(?1) = 0
                     AND (json_array_length(?2) = 0 OR f.category IN (SELECT value FROM json_each(?2)))
                     AND (json_array_length(?3) = 0 OR f.status IN (SELECT value FROM json_each(?3)))
                     AND (?4 IS NULL OR f.submitted_at_ms >= ?4)
                     AND (?5 IS NULL OR f.submitted_at_ms < ?5)))
             ORDER BY f.submitted_at_ms DESC, f.ticket_code
             LIMIT ?6 OFFSET ?7"
        ))?;
        let rows = stmt.query_map(
            params![
                codes,
                categories,
                statuses,
                query.from_ms,
                query.to_ms,
                query.limit,
                query.offset
            ],
            public_from_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One public ticket by its code; `None` when unknown or hidden.
    pub(crate) fn public_ticket(&self, code: &str) -> Result<Option<PublicTicket>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                &format!(
                    "SELECT {PUBLIC_COLUMNS} FROM feedback f LEFT JOIN rooms r ON r.id = f.room_id
                     WHERE f.ticket_code = ?1 AND f.hidden = 0"
                ),
                params![code],
                public_from_row,
            )
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    //! One scripted province: two communes, two weeks, every number below counted by hand.

    use rand::SeedableRng;
    use uuid::Uuid;

    use super::*;
    use crate::contrib::{IncomingTransfer, Pledge, PledgeStatus, StaffNote};
    use crate::wire::{FeedbackRecord, RatingRecord, Record, UploadItem};

    const HOUR: i64 = 3_600_000;
    const BAN_HO: &str = "xa-ban-ho";
    const TA_VAN: &str = "xa-ta-van";

    struct Scripted {
        store: Store,
        period: Period,
        w1: i64,
        w2: i64,
    }

    fn room(store: &Store, unit: &str, prefix: &str) -> String {
        store
            .create_room(unit, unit, prefix, &format!("hash-{prefix}"), 0, 0)
            .expect("create room")
            .expect("prefix free")
            .id
    }

    fn upload(store: &Store, room: &str, records: Vec<Record>) {
        let items: Vec<UploadItem> = records
            .into_iter()
            .enumerate()
            .map(|(i, record)| UploadItem {
                id: Uuid::now_v7(),
                seq: i as i64 + 1,
                record,
            })
            .collect();
        let ack = store.store_upload(room, &items, 0).expect("upload");
        assert_eq!(ack.stored.len(), items.len());
    }

    fn feedback(code: &str, category: &str, at_ms: i64) -> Record {
        Record::Feedback(FeedbackRecord {
            ticket_code: code.into(),
            category: category.into(),
            text: "Đường vào bản bị sạt lở".into(),
            voice_sha256: None,
            name: Some("Nguyễn Văn A".into()),
            phone: Some("0912345678".into()),
            village: None,
            language: "vi".into(),
            submitted_at_ms: at_ms,
        })
    }

    fn rating(score: u8, filtered: bool, at_ms: i64) -> Record {
        Record::Rating(RatingRecord {
            question: "Hài lòng?".into(),
            score,
            filtered,
            submitted_at_ms: at_ms,
        })
    }

    fn reply(store: &Store, code: &str, at_ms: i64) {
        store
            .update_feedback(
                code,
                None,
                Some("Đã chuyển cán bộ giao thông"),
                "Chị Lan",
                at_ms,
            )
            .expect("store")
            .expect("reply accepted");
    }

    fn scripted() -> Scripted {
        let store = Store::open_in_memory().expect("open");
        // Monday 2 November to Sunday 15 November 2026, Vietnam time: two whole weeks.
        let period = Period::from_dates("2026-11-02", "2026-11-15").expect("period");
        let (w1, w2) = (period.from_ms, period.from_ms + WEEK_MS);
        let a = room(&store, BAN_HO, "LC-7K");
        let b = room(&store, TA_VAN, "LC-9Z");

        upload(
            &store,
            &a,
            vec![
                feedback("LC-7KA01", "roads", w1 + HOUR),
                feedback("LC-7KA02", "roads", w1 + 2 * HOUR),
                feedback("LC-7KA03", "welfare", w2 + HOUR),
                feedback("LC-7KA06", "roads", w1 - 1), // Sunday 23:59:59.999: before
                feedback("LC-7KA08", "other", period.to_ms - 1), // the last millisecond
                rating(5, false, w1 + HOUR),
                rating(4, false, w1 + HOUR),
                rating(2, false, w1 + HOUR),
                rating(1, true, w1 + HOUR), // a repeated tap: not scored
                rating(3, false, w2 + HOUR),
            ],
        );
        upload(
            &store,
            &b,
            vec![
                feedback("LC-9ZB04", "roads", w1 + 5 * HOUR),
                feedback("LC-9ZB05", "roads", w1 + 6 * HOUR), // hidden below
                feedback("LC-9ZB07", "land", period.to_ms),   // the first millisecond after
                rating(1, false, w1 + 3 * HOUR),
            ],
        );
        reply(&store, "LC-7KA01", w1 + 3 * HOUR); // 7200 s
        reply(&store, "LC-7KA01", w1 + 10 * HOUR); // a second reply: not the first
        reply(&store, "LC-7KA02", w1 + 2 * HOUR + HOUR / 2); // 1800 s
        reply(&store, "LC-9ZB04", w2); // 7 days less 5 hours: 586800 s
        store
            .update_feedback(
                "LC-7KA03",
                Some(Status::Acknowledged),
                None,
                "Chị Lan",
                w2 + 2 * HOUR,
            )
            .expect("store")
            .expect("status move");
        store
            .lock()
            .execute(
                "UPDATE feedback SET hidden = 1 WHERE ticket_code = 'LC-9ZB05'",
                [],
            )
            .expect("hide");

        let campaign = store
            .create_campaign(&crate::store::NewCampaign::sample(10_000_000), "QV7N2B", 0)
            .expect("campaign");
        let mut rng = rand::rngs::StdRng::seed_from_u64(12);
        let mut pledge = |room: &str, amount_vnd: i64| {
            let reference = crate::contrib::reference::new_pledge_code(&mut rng);
            store
                .record_pledge(&Pledge {
                    id: Uuid::now_v7().to_string(),
                    room_id: Some(room.to_owned()),
                    campaign_id: campaign.id.clone(),
                    reference: reference.clone(),
                    amount_vnd,
                    donor_name: None,
                    status: PledgeStatus::Pending,
                    created_at_ms: w1,
                })
                .expect("pledge");
            reference
        };
        let p1 = pledge(&a, 200_000);
        let p2 = pledge(&b, 100_000);
        let credit = |id: &str, amount: i64, text: &str, at_ms: i64| {
            let outcome = store
                .record_transfer(&IncomingTransfer::sample(id, amount, text), at_ms)
                .expect("transfer");
            match outcome {
                crate::contrib::TransferOutcome::Credited { transfer_id, .. } => transfer_id,
                other => panic!("{id} was not credited: {other:?}"),
            }
        };
        credit("0", 50_000, "QV7N2B ung ho", w1 - 1); // before the period
        credit("1", 70_000, "MBVCB.123.qv7n2b ung ho", w1 + HOUR); // poster: no commune
        credit("2", 200_000, &format!("{p1} ung ho"), w1 + 2 * HOUR);
        let refunded = credit("3", 100_000, &format!("{p2} ung ho"), w2 + HOUR);
        let note = StaffNote {
            staff_member: "Chị Lan",
            reason: "người gửi nhầm",
        };
        store
            .refund_transfer(&refunded, note, w2 + 2 * HOUR)
            .expect("refund");
        store
            .correct_campaign(&campaign.id, 5_000, note, w2 + 3 * HOUR)
            .expect("correction");

        store
            .start_meeting("m0", &a, &[], w1 - HOUR)
            .expect("meeting before the period");
        store
            .start_meeting("m1", &a, std::slice::from_ref(&b), w1 + HOUR)
            .expect("meeting");
        store
            .add_meeting_link("m1", "Chị Hoa", "sha-1", w1 + HOUR)
            .expect("link");
        store
            .add_meeting_link("m1", "Anh Tú", "sha-2", w1 + HOUR)
            .expect("link");
        store.end_meeting("m1", w1 + 2 * HOUR).expect("end");
        store
            .start_meeting("m2", &b, &[], w2 + HOUR)
            .expect("meeting");

        Scripted {
            store,
            period,
            w1,
            w2,
        }
    }

    fn week(week_start_ms: i64, category: &str, count: u64) -> CategoryWeek {
        CategoryWeek {
            week_start_ms,
            category: category.into(),
            count,
        }
    }

    #[test]
    fn feedback_is_counted_per_category_and_week_in_scope() {
        let s = scripted();
        let province = s.store.report_category_weeks(&s.period, None).expect("q");
        assert_eq!(
            province,
            vec![
                week(s.w1, "roads", 3),
                week(s.w2, "other", 1),
                week(s.w2, "welfare", 1)
            ],
            "the hidden item, the one before and the one after the period are left out"
        );
        let ban_ho = s
            .store
            .report_category_weeks(&s.period, Some(BAN_HO))
            .expect("q");
        assert_eq!(
            ban_ho,
            vec![
                week(s.w1, "roads", 2),
                week(s.w2, "other", 1),
                week(s.w2, "welfare", 1)
            ]
        );
        let ta_van = s
            .store
            .report_category_weeks(&s.period, Some(TA_VAN))
            .expect("q");
        assert_eq!(ta_van, vec![week(s.w1, "roads", 1)]);
        let nobody = s
            .store
            .report_category_weeks(&s.period, Some("xa-khac"))
            .expect("q");
        assert!(nobody.is_empty());
    }

    #[test]
    fn feedback_is_counted_per_commune() {
        let s = scripted();
        let unit = |id: &str, count| UnitCount {
            unit_id: id.into(),
            count,
        };
        assert_eq!(
            s.store.report_units(&s.period, None).expect("q"),
            vec![unit(BAN_HO, 4), unit(TA_VAN, 1)]
        );
        assert_eq!(
            s.store.report_units(&s.period, Some(TA_VAN)).expect("q"),
            vec![unit(TA_VAN, 1)]
        );
    }

    #[test]
    fn first_reply_times_are_median_and_p90_per_week() {
        let s = scripted();
        let province = s.store.report_reply_times(&s.period, None).expect("q");
        assert_eq!(
            province,
            vec![
                ReplyWeek {
                    week_start_ms: s.w1,
                    submitted: 3,
                    replied: 3,
                    median_secs: Some(7200),
                    p90_secs: Some(586_800),
                },
                ReplyWeek {
                    week_start_ms: s.w2,
                    submitted: 2,
                    replied: 0,
                    median_secs: None,
                    p90_secs: None,
                },
            ],
            "a status move without a reply is not a reply"
        );
        let ban_ho = s
            .store
            .report_reply_times(&s.period, Some(BAN_HO))
            .expect("q");
        assert_eq!(ban_ho[0].median_secs, Some((1800 + 7200) / 2));
        assert_eq!(ban_ho[0].p90_secs, Some(7200));
        assert_eq!((ban_ho[0].submitted, ban_ho[0].replied), (2, 2));
    }

    #[test]
    fn ratings_give_a_weekly_mean_and_the_satisfied_count() {
        let s = scripted();
        let province = s.store.report_ratings(&s.period, None).expect("q");
        assert_eq!(
            province,
            vec![
                RatingWeek {
                    week_start_ms: s.w1,
                    ratings: 4,
                    mean_score: Some(3.0), // (5 + 4 + 2 + 1) / 4
                    satisfied: 2,
                },
                RatingWeek {
                    week_start_ms: s.w2,
                    ratings: 1,
                    mean_score: Some(3.0),
                    satisfied: 0,
                },
            ]
        );
        let ban_ho = s.store.report_ratings(&s.period, Some(BAN_HO)).expect("q");
        assert_eq!(ban_ho[0].ratings, 3, "the filtered tap is not counted");
        assert_eq!(ban_ho[0].mean_score, Some(11.0 / 3.0));
    }

    #[test]
    fn contributions_come_from_the_ledger_and_a_commune_sees_its_pledges() {
        let s = scripted();
        let province = s.store.report_campaigns(&s.period, None).expect("q");
        assert_eq!(province.len(), 1);
        // 70 000 poster + 200 000 pledge + 100 000 pledge - 100 000 refund + 5 000 correction.
        assert_eq!(province[0].confirmed_vnd, 275_000);
        assert_eq!(province[0].donors, 2, "the refunded gift is no donor");
        assert_eq!(province[0].title, "Quỹ Vì người nghèo");
        let ban_ho = s
            .store
            .report_campaigns(&s.period, Some(BAN_HO))
            .expect("q");
        assert_eq!((ban_ho[0].confirmed_vnd, ban_ho[0].donors), (200_000, 1));
        let ta_van = s
            .store
            .report_campaigns(&s.period, Some(TA_VAN))
            .expect("q");
        assert_eq!((ta_van[0].confirmed_vnd, ta_van[0].donors), (0, 0));
    }

    #[test]
    fn meetings_held_list_their_rooms_and_links() {
        let s = scripted();
        let province = s.store.report_meetings(&s.period, None).expect("q");
        let summary: Vec<_> = province
            .iter()
            .map(|m| {
                (
                    m.meeting_id.as_str(),
                    m.host_unit_id.as_str(),
                    m.rooms_invited,
                    m.browser_links,
                    m.ended_at_ms.is_some(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![("m1", BAN_HO, 2, 2, true), ("m2", TA_VAN, 1, 0, false)]
        );
        let ban_ho = s.store.report_meetings(&s.period, Some(BAN_HO)).expect("q");
        assert_eq!(ban_ho.len(), 1, "Bản Hồ was invited to m1 only");
        let ta_van = s.store.report_meetings(&s.period, Some(TA_VAN)).expect("q");
        assert_eq!(ta_van.len(), 2, "Tả Van was invited to m1 and hosted m2");
    }

    #[test]
    fn channels_are_counted_per_week_and_a_phone_item_counts_for_the_unit_it_came_to() {
        use crate::feedback::Channel;
        let s = scripted();
        let phone = crate::store::ChannelItem {
            id: Uuid::now_v7(),
            channel: Channel::Phone,
            unit_id: TA_VAN.into(),
            record: match feedback("LCP-AAAAA", "roads", s.w1 + 7 * HOUR) {
                Record::Feedback(f) => f,
                _ => unreachable!("feedback() makes feedback"),
            },
            photo_sha256: None,
        };
        s.store
            .store_channel_feedback(&phone, s.w1 + 7 * HOUR)
            .expect("phone item");
        let weeks = s.store.report_channel_weeks(&s.period, None).expect("q");
        let got: Vec<(i64, Channel, u64)> = weeks
            .iter()
            .map(|r| (r.week_start_ms, r.channel, r.count))
            .collect();
        let w2 = s.w2;
        // Week 1: A01, A02, B04 from kiosks (B05 hidden) and the phone item; week 2: A03, A08.
        assert_eq!(
            got,
            vec![
                (s.w1, Channel::Kiosk, 3),
                (s.w1, Channel::Phone, 1),
                (w2, Channel::Kiosk, 2)
            ]
        );
        let ta_van = s
            .store
            .report_channel_weeks(&s.period, Some(TA_VAN))
            .expect("q");
        assert_eq!(
            ta_van
                .iter()
                .map(|r| (r.channel, r.count))
                .collect::<Vec<_>>(),
            vec![(Channel::Kiosk, 1), (Channel::Phone, 1)]
        );
        let units = s.store.report_units(&s.period, None).expect("q");
        assert!(
            units.iter().any(|u| u.unit_id == TA_VAN && u.count == 2),
            "{units:?}"
        );
        assert_eq!(
            s.store
                .public_ticket("LCP-AAAAA")
                .expect("q")
                .expect("public")
                .unit_id,
            TA_VAN
        );
    }

    #[test]
    fn the_whole_report_holds_the_same_numbers() {
        let s = scripted();
        let report = s.store.report(&s.period, Some(BAN_HO)).expect("report");
        assert_eq!(report.unit.as_deref(), Some(BAN_HO));
        assert_eq!(report.by_unit.len(), 1);
        assert_eq!(report.reply_times.len(), 2);
        assert_eq!(report.meetings.len(), 1);
    }

    #[test]
    fn public_tickets_carry_no_personal_data_and_never_hidden_items() {
        let s = scripted();
        let all = s
            .store
            .public_tickets(&PublicTicketQuery {
                limit: 100,
                ..Default::default()
            })
            .expect("q");
        let codes: Vec<&str> = all.iter().map(|t| t.ticket_code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "LC-9ZB07", "LC-7KA08", "LC-7KA03", "LC-9ZB04", "LC-7KA02", "LC-7KA01", "LC-7KA06"
            ],
            "newest first, the hidden one left out"
        );
        assert!(s.store.public_ticket("LC-9ZB05").expect("q").is_none());
        let open = s
            .store
            .public_tickets(&PublicTicketQuery {
                statuses: vec![Status::Acknowledged],
                categories: vec!["welfare".into(), "roads".into()],
                from_ms: Some(s.w1),
                to_ms: Some(s.period.to_ms),
                limit: 100,
                ..Default::default()
            })
            .expect("q");
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].ticket_code, "LC-7KA03");
        let by_code = s
            .store
            .public_tickets(&PublicTicketQuery {
                codes: vec!["LC-7KA01".into(), "LC-9ZB05".into()],
                statuses: vec![Status::Closed],
                limit: 100,
                ..Default::default()
            })
            .expect("q");
        assert_eq!(
            by_code.len(),
            1,
            "codes override other filters; hidden stays hidden"
        );
        assert_eq!(
            by_code[0].reply.as_deref(),
            Some("Đã chuyển cán bộ giao thông")
        );
        let page = s
            .store
            .public_tickets(&PublicTicketQuery {
                limit: 2,
                offset: 2,
                ..Default::default()
            })
            .expect("q");
        let codes: Vec<&str> = page.iter().map(|t| t.ticket_code.as_str()).collect();
        assert_eq!(codes, ["LC-7KA03", "LC-9ZB04"]);
    }
}
