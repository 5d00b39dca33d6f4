//! The command line: every clap type of `phonghop` lives in this module (and only here), so
//! the rest of the library takes typed arguments and never parses a command line.
//! `src/main.rs` parses with [`Cli`], sets up logging, calls [`run()`] and exits with
//! [`CliError::exit_code`].

// The doc comments below are clap's help texts, which name config sections such as `[tls]`
// in brackets: not links.
#![allow(rustdoc::broken_intra_doc_links)]

pub mod contrib;
pub mod error;
pub mod feedback;
pub mod generate;
pub mod hub;
mod listing;
pub mod news;
pub mod qr;
pub mod room;
pub mod run;
pub mod schedule;
pub mod setup;
pub mod user;
pub mod zalo;

pub use error::CliError;
pub use run::run;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "phonghop",
    version,
    about = "Digital meeting room appliance: hub and room modes"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the province hub, or manage its rooms and certificate.
    Hub(HubArgs),
    /// Run a room box (the kiosk needs a display; --headless runs without), or enroll it.
    Room(RoomArgs),
    /// Start a hub and two rooms on this machine and show them connected.
    Demo {
        /// No window: print a status line every second.
        #[arg(long)]
        headless: bool,
        /// Stop after this many seconds (default: run until Ctrl-C).
        #[arg(long)]
        seconds: Option<u64>,
    },
    /// Validate a hub or room configuration file; exit 0 when valid, 2 when not.
    CheckConfig { file: PathBuf },
    /// Copy the database to FILE while the appliance runs.
    Backup {
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        to: PathBuf,
    },
    /// Replace the database with a backup (the appliance must be stopped).
    Restore {
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        from: PathBuf,
    },
    /// Measurements that print numbers.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Read a staff PIN on standard input and print its hash for [staff] pin_hash.
    HashPin,
    /// VietQR payloads and QR images for contributions by bank transfer.
    #[command(subcommand)]
    Qr(qr::QrCommand),
    /// Manual pages and shell completions for packaging (not for people).
    #[command(subcommand, hide = true)]
    Generate(generate::GenerateCommand),
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// A hub and a room on this machine: submit N feedback items, measure storing and syncing.
    Sync {
        #[arg(long, default_value_t = 2000)]
        records: usize,
        /// Print one JSON object (the default prints the same fields as text).
        #[arg(long)]
        json: bool,
    },
    /// A hub and N rooms as separate processes on this machine in one meeting: time to
    /// first frame, glass-to-glass latency, frame rate, CPU and memory per process.
    Meeting {
        #[arg(long, default_value_t = 2)]
        rooms: usize,
        /// Length of the measured window once every room is live.
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// Also join headless Chromium (scripts/meet-browser.mjs) and measure it alongside.
        #[arg(long)]
        vs_chromium: bool,
        /// The best picture the rooms send: 720p, 360p or 180p (default 720p; 360p with
        /// --light, the layer the senders' clip is encoded at).
        #[arg(long, value_parser = ["720p", "360p", "180p"])]
        max_layer: Option<String>,
        /// Light participants in this process instead of room processes: senders replay a
        /// clip encoded once, receive-only rooms count packets and frames without decoding.
        #[arg(long)]
        light: bool,
        /// What moves the media (with --light): builtin or janus.
        #[arg(long, default_value = "builtin", value_parser = ["builtin", "janus"])]
        engine: String,
        /// How many of the --rooms only receive (with --light); the others send.
        #[arg(long, default_value_t = 0)]
        receive_only: usize,
        /// How many receive-only rooms also decode their first picture (with --light).
        #[arg(long, default_value_t = 0)]
        decode_sample: usize,
        /// Print one JSON object (the default prints a table).
        #[arg(long)]
        json: bool,
    },
    /// The light meeting (`bench meeting --light`) at growing sizes, a fresh hub each: JSON
    /// per size, a summary, and a chart of the engine's CPU, memory and the worst delivered
    /// frame rate against the number of participants.
    Capacity {
        /// What moves the media: builtin or janus.
        #[arg(long, default_value = "builtin", value_parser = ["builtin", "janus"])]
        engine: String,
        #[arg(long, default_value_t = 40)]
        max_rooms: usize,
        #[arg(long, default_value_t = 10)]
        step: usize,
        /// Rooms that send (replayed) at every size; the rest only receive.
        #[arg(long, default_value_t = 2)]
        senders: usize,
        /// Receive-only rooms that also decode their first picture, at every size.
        #[arg(long, default_value_t = 1)]
        decode_sample: usize,
        /// Length of each size's measured window.
        #[arg(long, default_value_t = 15)]
        seconds: u64,
        /// The picture the senders replay: 720p, 360p or 180p.
        #[arg(long, default_value = "360p", value_parser = ["720p", "360p", "180p"])]
        max_layer: String,
        /// Where the SVG chart goes.
        #[arg(long, default_value = "capacity.svg")]
        out: PathBuf,
    },
    /// SIGKILL a room taking submissions, then a hub taking uploads and bank webhooks, N
    /// times at seeded random moments; count what was acknowledged and lost or doubled.
    Crash {
        #[arg(long, default_value_t = 30)]
        kills: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Print one JSON object (the default prints it indented).
        #[arg(long)]
        json: bool,
    },
    /// The hub and two rooms as processes in a meeting, with feedback uploads and bank
    /// webhooks, for M minutes: memory and CPU of each process as JSON lines, then a summary
    /// line with memory growth.
    Soak {
        #[arg(long, default_value_t = 10)]
        minutes: u64,
        #[arg(long, default_value_t = 10)]
        sample_secs: u64,
    },
    /// The room process `bench crash` starts and kills (not for people).
    #[command(hide = true)]
    CrashRoomChild {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        hub_url: url::Url,
        #[arg(long)]
        from: u64,
        #[arg(long)]
        no_submit: bool,
    },
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct HubArgs {
    #[command(subcommand)]
    pub command: Option<HubCommand>,
    /// The hub configuration file.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum HubCommand {
    /// First configuration of the province server: writes the config (--config, default
    /// /etc/phonghop/hub.toml) from answers and a CSV of units, and a certificate.
    Setup(HubSetupArgs),
    /// Register a room for a unit and print its one-time enrollment code (valid 24 hours).
    AddRoom {
        #[arg(long)]
        unit: String,
        #[arg(long)]
        name: String,
    },
    /// Cut a room off: its credential stops working and its session is closed at once.
    RevokeRoom {
        #[arg(long)]
        room: String,
    },
    /// List rooms with their ids, units and state.
    ListRooms,
    /// Contribution campaigns: create, list, close.
    #[command(subcommand)]
    Campaign(contrib::CampaignCommand),
    /// Residents' feedback: list, show, change status, reply, export.
    #[command(subcommand)]
    Feedback(feedback::FeedbackCommand),
    /// Announcements for the kiosks' News tile: post, list, withdraw.
    #[command(subcommand)]
    News(news::NewsCommand),
    /// Write a campaign's A4 poster (static VietQR, account, how to give) as PDF.
    Poster(contrib::PosterArgs),
    /// Import a bank statement; transfers already recorded count once.
    ImportStatement(contrib::ImportStatementArgs),
    /// The queue of transfers no campaign was credited with, and assigning them.
    #[command(subcommand)]
    Transfers(contrib::TransfersCommand),
    /// The append-only contributions ledger: corrections, refunds, listing.
    #[command(subcommand)]
    Ledger(contrib::LedgerCommand),
    /// Pledges taken by phone, at a meeting or in cash: add one, mark cash received.
    #[command(subcommand)]
    Pledge(contrib::PledgeCommand),
    /// Meetings between rooms (until scheduling arrives): start, stop, browser links, list.
    #[command(subcommand)]
    Meeting(MeetingCommand),
    /// Staff accounts for the dashboard and API: add, list, disable, reset, tokens.
    #[command(subcommand)]
    User(user::UserCommand),
    /// The committees' Zalo Official Accounts: connect one (its refresh token), token state.
    #[command(subcommand)]
    Zalo(zalo::ZaloCommand),
    /// Write a self-signed certificate and key to the paths in [tls].
    GenCert {
        /// Extra DNS names or IP addresses the certificate is valid for.
        #[arg(long, value_delimiter = ',')]
        names: Vec<String>,
        /// Replace existing files.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum MeetingCommand {
    /// Start a meeting now; prints its id. The rooms named join by themselves.
    Start {
        /// Room id of the host (the chairing room).
        #[arg(long)]
        host: String,
        /// Room ids invited, comma-separated (the host is added if not named).
        #[arg(long, value_delimiter = ',')]
        rooms: Vec<String>,
    },
    /// End a meeting: every room and browser leaves.
    Stop { id: String },
    /// Print a link with which a browser joins this meeting (and only this one).
    Link {
        id: String,
        /// Who the link is for; shown to the others.
        #[arg(long)]
        name: String,
    },
    /// List running meetings.
    List,
    #[command(flatten)]
    Schedule(schedule::ScheduleCommand),
}

#[derive(Debug, Args)]
pub struct HubSetupArgs {
    /// How rooms and browsers reach the hub, e.g. `https://hub.laocai.mttq.vn:8443`.
    #[arg(long)]
    pub public_url: url::Url,
    /// A CSV of the unit tree with a header line `id,name,level,parent`: the province
    /// (level province, no parent), then its communes (level commune, parent the province).
    #[arg(long)]
    pub units_csv: PathBuf,
    /// Address and port to listen on.
    #[arg(long, default_value = "0.0.0.0:8443")]
    pub listen: std::net::SocketAddr,
    /// Where the hub keeps its database and files.
    #[arg(long, default_value = "/var/lib/phonghop/hub")]
    pub data_dir: PathBuf,
    /// Replace an existing config (kept as .bak) and certificate.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct RoomSetupArgs {
    /// The hub's address, as `hub add-room` printed it.
    #[arg(long)]
    pub hub: url::Url,
    /// The unit (commune) the code was issued for.
    #[arg(long)]
    pub unit: String,
    /// The one-time enrollment code.
    #[arg(long)]
    pub code: String,
    /// SHA-256 fingerprint of the hub's certificate, as `hub add-room` printed it (needed
    /// unless the hub's certificate is from a public authority).
    #[arg(long)]
    pub fingerprint: Option<String>,
    /// Where the box keeps its database and credential.
    #[arg(long, default_value = "/var/lib/phonghop/room")]
    pub data_dir: PathBuf,
    /// Replace an existing config (the old one is kept as .bak).
    #[arg(long)]
    pub force: bool,
    /// Do not enable and start phonghop-room.service (e.g. in a test or a chroot).
    #[arg(long)]
    pub no_start: bool,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct RoomArgs {
    #[command(subcommand)]
    pub command: Option<RoomCommand>,
    /// The room configuration file.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Run without the kiosk window.
    #[arg(long)]
    pub headless: bool,
    /// Render one kiosk screen with demo data into this PNG and exit (needs a display,
    /// e.g. Xvfb).
    #[arg(long, value_name = "FILE.png")]
    pub screenshot: Option<PathBuf>,
    /// The screen for --screenshot and --bench-ui: home, feedback, rating, ticket,
    /// contribute, news, meeting, staff, staff-panel, fault.
    #[arg(long, default_value = "home")]
    pub screen: String,
    /// Language for --screenshot and --bench-ui: vi, en or hmn.
    #[arg(long, default_value = "vi")]
    pub lang: String,
    /// Logical window size for --screenshot and --bench-ui, e.g. 1280x800 or 1080x1920.
    #[arg(long, default_value = "1280x800")]
    pub size: String,
    /// Print which kiosk texts each language lacks (shown in Vietnamese instead).
    #[arg(long)]
    pub i18n_report: bool,
    /// Render the --screen --frames times as fast as possible, alternating with as many
    /// empty frames (the renderer's baseline), and print one JSON line of frame times and
    /// their ratio. `--screen meeting` shows a live meeting of an in-process hub and rooms.
    #[arg(long)]
    pub bench_ui: bool,
    #[arg(long, default_value_t = 600)]
    pub frames: u32,
}

#[derive(Debug, Subcommand)]
pub enum RoomCommand {
    /// Exchange a one-time code from `phonghop hub add-room` for this box's credential.
    Enroll {
        /// The hub's URL (must match [hub] url in the config; defaults to it).
        #[arg(long)]
        hub: Option<url::Url>,
        #[arg(long)]
        code: String,
    },
    /// First boot: check the hub's certificate, enroll with the code `hub add-room` printed,
    /// write the config (--config, default /etc/phonghop/room.toml) and start the service.
    /// Reads the staff PIN for the kiosk on standard input.
    Setup(RoomSetupArgs),
}
