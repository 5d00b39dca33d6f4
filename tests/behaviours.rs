//! Every integration test, one module per behaviour (`tests/<behaviour>.rs`), linked into one
//! test binary. Cargo's default of one binary per file linked ~50 copies of the whole appliance
//! (about 150 MB each): 7 GB of `target/` and most of a cold `make test`'s link time.
//! Run one behaviour with `cargo test --test behaviours <behaviour>::`.

mod browser_common;
mod common;
mod contrib_common;
mod contrib_fixtures;
mod coturn_common;
mod janus_common;
mod kiosk_common;
mod log_scan_common;
mod media_common;
mod meet_watch_common;
mod meeting_common;
mod phone_common;
mod staff_common;
mod zalo_common;

mod acknowledged_write_survives_kill_9;
mod architecture_invariants_hold;
mod backup_while_writing_then_restore;
mod bench_light_meeting_counts_real_frames;
mod bench_light_meeting_on_janus_counts_real_frames;
mod browser_joins_meeting_by_link;
mod browser_on_a_limited_link_gets_the_low_simulcast_layer;
mod campaign_csv_quotes_formulas_from_bank_memos;
mod chromium_joins_a_janus_meeting_and_follows_the_floor;
mod config_files_are_checked;
mod contrib_casso_v2_deliveries_count_once;
mod contrib_concurrent_and_out_of_order_deliveries_count_once;
mod contrib_ledger_is_append_only_and_totals_derive_from_it;
mod contrib_payos_deliveries_count_once;
mod contrib_pledge_at_the_box_is_confirmed_by_the_bank_webhook;
mod contrib_poster_pdf;
mod contrib_public_page_hides_personal_data;
mod contrib_public_page_in_chromium;
mod contrib_sepay_deliveries_in_both_modes;
mod contrib_staff_api_manages_campaigns_from_the_hub_itself;
mod contrib_staff_pledge_by_phone_or_cash;
mod contrib_statement_import;
mod contrib_transfer_matches_pledge_by_reference_in_bank_text;
mod contrib_webhook_retried_three_times_counts_once;
mod contrib_wrong_amount_goes_to_unallocated;
mod contrib_wrong_signature_records_nothing;
mod database_is_checked_at_start;
mod demo_history_shows_a_held_meeting_on_the_dashboard;
mod demo_opens_the_kiosk_window;
mod demo_prints_no_warnings;
mod demo_shows_rooms_connected;
mod feedback_exports_and_cli_hold_no_personal_data;
mod feedback_reaches_the_hub_and_the_reply_comes_back;
mod floor_given_switches_the_picture;
mod hub_closes_slow_and_idle_connections;
mod hub_knows_the_caller_before_reading_the_body;
mod hub_over_tls_tells_browsers_to_stay_on_https;
mod hub_serves_https_to_rooms;
mod hub_stops_cleanly_on_sigterm;
mod hub_user_commands_manage_staff_accounts;
mod janus_client_speaks_the_janus_api;
mod janus_down_at_meeting_start_is_reported_then_retried;
mod janus_meeting_carries_media;
mod janus_restarted_mid_meeting_rooms_rejoin;
mod janus_simulcast_follows_the_subscribers_link;
mod kiosk_bench_ui_meeting_decodes_live_pictures;
mod kiosk_contribute_flow_shows_a_qr_and_thanks;
mod kiosk_failed_submission_is_explained_in_vietnamese;
mod kiosk_feedback_box_shows_three_lines_above_the_keyboard;
mod kiosk_flows_store_what_the_screen_says;
mod kiosk_font_draws_every_vietnamese_letter;
mod kiosk_home_shows_the_next_meeting;
mod kiosk_idle_reset_clears_a_typed_draft;
mod kiosk_keyboard_types_vietnamese;
mod kiosk_meeting_chair_controls;
mod kiosk_meeting_screen;
mod kiosk_roster_shows_who_speaks;
mod kiosk_screenshot_renders_home;
mod kiosk_setup_screen_sets_up_a_new_box;
mod kiosk_shows_the_link_with_the_province;
mod kiosk_staff_join_now_and_leave;
mod kiosk_staff_pin_locks_out_after_five_wrong_tries;
mod kiosk_targets_and_text_are_large_enough;
mod kiosk_tiles_lead_to_their_screens_and_back_home;
mod logs_hold_no_secrets;
mod media_reads_text_aloud;
mod media_records_and_plays_back_voice;
mod meeting_chair_from_the_kiosks;
mod meeting_on_janus_has_a_videoroom_while_it_runs;
mod meeting_report_counts_a_dropped_link_as_one_gap;
mod meeting_roster_shows_who_speaks;
mod meeting_schedule_end_grace_is_configurable;
mod meeting_schedule_from_the_command_line;
mod meeting_schedule_reaches_the_kiosk;
mod meeting_schedule_rooms_join_by_themselves;
mod meeting_schedule_starts_on_time;
mod meeting_schedule_through_the_staff_api;
mod meeting_staff_join_now_and_leave;
mod muted_room_is_not_heard;
mod news_dashboard_posts_and_withdraws;
mod news_kiosk_screen_shows_and_reads_the_news;
mod news_posted_at_the_hub_reaches_the_kiosk;
mod offline_room_catches_up_exactly_once;
mod open311_lists_requests_without_personal_data;
mod phone_page_flood_is_refused_and_the_disk_stays_bounded;
mod phone_page_in_chromium_sends_voice_and_a_photo_without_location;
mod phone_page_refuses_bad_input_and_stores_nothing;
mod phone_poster_is_printed_for_the_units_own_staff;
mod public_pages_send_security_headers_and_metrics_stay_private;
mod rate_limits_count_each_client_behind_a_trusted_proxy;
mod relay_only_chromium_gets_media_through_coturn_on_janus;
mod relay_only_participant_gets_media_through_coturn;
mod report_page_shows_each_member_only_their_scope;
mod revoked_room_leaves_its_meetings_at_once;
mod room_back_from_a_long_outage_gets_replies_at_once;
mod room_reconnects_after_hub_restart;
mod room_refuses_what_a_hostile_hub_sends;
mod room_rejoins_meeting_after_restart;
mod room_setup_checks_the_hub_and_enrolls;
mod room_uses_the_sound_devices_it_finds;
mod room_websocket_refuses_oversized_messages;
mod rooms_enroll_connect_and_revoked_room_is_cut_off;
mod rooms_see_and_hear_each_other;
mod sender_steps_down_under_a_cap_and_back_up;
mod staff_contribution_pages_run_campaigns_pledges_and_the_queue;
mod staff_contributions_queue_in_chromium;
mod staff_dashboard_fits_a_phone_in_chromium;
mod staff_dashboard_in_chromium;
mod staff_feedback_triage_is_scoped_and_audited;
mod staff_login_form_needs_its_csrf_token;
mod staff_meeting_and_room_pages_show_what_runs_and_what_rooms_report;
mod staff_news_posted_in_chromium_reaches_the_room;
mod staff_reports_page_in_chromium;
mod staff_routes_refuse_without_the_right_credential;
mod staff_schedules_a_meeting_from_the_dashboard;
mod subscription_change_switches_the_picture;
mod sync_batch_rejects_bad_items_and_moves_on;
mod sync_survives_loss_and_a_hub_outage;
mod thirty_kills_lose_and_double_nothing;
mod video_retransmissions_are_negotiated;
mod vietqr_agrees_with_vietnam_qr_pay;
mod vietqr_cli_rejects_bad_input;
mod vietqr_properties;
mod vietqr_public_vectors_round_trip;
mod vietqr_rendered_png_decodes;
mod voice_upload_resumes_after_the_link_drops;
mod voice_uploaded_twice_at_once_is_kept_whole;
mod webhook_signature_flood_leaves_the_hub_answering;
mod zalo_bad_signature_stores_nothing;
mod zalo_console_test_events_are_acknowledged_not_stored;
mod zalo_domain_check_file_is_served;
mod zalo_event_delivered_twice_is_one_item;
mod zalo_expired_token_is_refreshed_then_sent;
mod zalo_published_examples_land_in_the_units_inbox;
mod zalo_staff_reply_goes_back_as_one_message;
mod zalo_user_id_stays_out_of_logs_and_pages;

/// Cargo no longer finds test files by itself (`autotests = false`): a behaviour file that is
/// not declared above would silently never run.
#[test]
fn every_behaviour_file_is_part_of_this_binary() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let declared = include_str!("behaviours.rs");
    for entry in std::fs::read_dir(&dir).expect("tests dir") {
        let path = entry.expect("entry").path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(module) = name.strip_suffix(".rs") else {
            continue;
        };
        if module == "behaviours" {
            continue;
        }
        assert!(
            declared.contains(&format!("\nmod {module};\n")),
            "tests/{name} is not declared in tests/behaviours.rs: add `mod {module};`"
        );
    }
}
