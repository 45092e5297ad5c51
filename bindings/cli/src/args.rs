//! The command line, as clap types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Coachline: the DBT phone-coaching agreement, call log and 24-hour rule, offline.
#[derive(Parser, Debug)]
#[command(name = "coachline", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug)]
pub struct Global {
    /// The store file, encrypted; its key is in STORE.key beside it (created by init), or in
    /// $COACHLINE_KEY (64 hex digits) [default: $COACHLINE_STORE, else coachline.db in the
    /// platform data directory]
    #[arg(long, global = true, env = "COACHLINE_STORE")]
    pub store: Option<PathBuf>,
    /// The current time for everything recorded or decided (RFC 3339) [default: the system clock]
    #[arg(long, global = true)]
    pub now: Option<String>,
    /// Machine-readable output on stdout
    #[arg(long, global = true)]
    pub json: bool,
    /// The agreement to act on (needed only when the store holds more than one)
    #[arg(long, global = true)]
    pub agreement: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create this device's identity
    Init {
        #[arg(long)]
        role: String,
        #[arg(long)]
        name: String,
    },
    /// Show this device's identity
    Whoami,
    /// The coaching agreement
    #[command(subcommand)]
    Agreement(AgreementCommand),
    /// Phone calls
    #[command(subcommand)]
    Call(CallCommand),
    /// Target behaviour reports
    #[command(subcommand)]
    Behavior(BehaviorCommand),
    /// May the client call now? Lockout, availability, callbacks, resources
    Status,
    /// The therapist's preparation for the next session
    Summary {
        /// Start of the period (RFC 3339) [default: the last in-person session, else 7 days ago]
        #[arg(long)]
        since: Option<String>,
    },
    /// In-person sessions
    #[command(subcommand)]
    Session(SessionCommand),
    /// Calls and reports, newest first
    Log {
        /// How many entries
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// One screen of the apps, computed as the phones compute it: readable text, or with
    /// --json the record the apps draw; session-prep can also be written as a page to print
    /// (--html FILE)
    Screen(ScreenArgs),
    /// Invite the other party's phone to pair: a therapist invites the client's phone (or its
    /// replacement); a client invites the therapist's new phone, in person. Prints one line
    Invite,
    /// Pair with the other party's phone using its invitation line
    Join { code: String },
    /// This store's paired peers, with their key fingerprints
    Peers,
    /// Sealed phone-to-phone sync with the agreement's paired peer: by file, or through a relay
    #[command(subcommand)]
    Sync(SyncCommand),
    /// This phone's relay: show it, set it or clear it
    Relay(RelayArgs),
    /// Copy what can still be read from a damaged store into a new store; reports what was recovered and what was lost (the damaged file is only read)
    Salvage {
        /// The new store file to write (must not exist)
        #[arg(long)]
        out: PathBuf,
    },
    /// Encrypt the store under a new key, kept in its key file (the old key no longer opens it)
    Rekey,
    /// A scripted walk-through with two phones (a therapist's and a client's store)
    Demo {
        /// Where to put the two stores [default: a new temporary directory]
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum AgreementCommand {
    /// Draft a new agreement with the seed form's defaults (therapist only)
    New {
        #[arg(long)]
        client: String,
        /// The therapist's IANA time zone
        #[arg(long, default_value = "UTC")]
        time_zone: String,
    },
    /// The agreements in this store
    List,
    /// The agreement's terms, collections and signature status
    Show,
    /// Edit one term (list terms take one item per line)
    Set {
        key: String,
        #[arg(allow_hyphen_values = true)]
        value: String,
    },
    /// Crisis resources
    #[command(subcommand)]
    Resource(ResourceCommand),
    /// Target behaviours
    #[command(subcommand)]
    Behavior(BehaviorListCommand),
    /// Phone holidays
    #[command(subcommand)]
    Holiday(HolidayCommand),
    /// Sign the current terms with this device's key
    Sign,
    /// Write the whole agreement to a file, sealed in the age format: with a passphrase
    /// (--passphrase-file, or $COACHLINE_BACKUP_PASSPHRASE) or for an age recipient
    /// (--recipient); --plain writes an unencrypted Automerge document instead
    Export {
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        seal: SealArgs,
    },
    /// Merge an exported agreement into this store; a sealed one needs its passphrase
    /// (--passphrase-file, or $COACHLINE_BACKUP_PASSPHRASE) or identity (--identity)
    Import {
        file: PathBuf,
        /// The file holding the passphrase it was sealed with (its content, less a
        /// final line break)
        #[arg(long, conflicts_with = "identity")]
        passphrase_file: Option<PathBuf>,
        /// An age identity file (AGE-SECRET-KEY-1…, as age-keygen writes it), for an
        /// export sealed for its recipient
        #[arg(long)]
        identity: Option<PathBuf>,
    },
}

/// What `agreement export` seals with: exactly one of these, or
/// $COACHLINE_BACKUP_PASSPHRASE.
#[derive(Args, Debug)]
pub struct SealArgs {
    /// Seal with the passphrase in this file (its content, less a final line break).
    /// It cannot be recovered: without it the file never opens
    #[arg(long, conflicts_with_all = ["recipient", "plain"])]
    pub passphrase_file: Option<PathBuf>,
    /// Seal for an age recipient (age1…): only its identity opens the file
    #[arg(long, conflicts_with = "plain")]
    pub recipient: Option<String>,
    /// Write a plain, unencrypted Automerge document, which any Automerge reader loads
    /// (and anyone who finds the file reads)
    #[arg(long)]
    pub plain: bool,
}

#[derive(Subcommand, Debug)]
pub enum ResourceCommand {
    Add { name: String, contact: String },
    Remove { id: String },
}

#[derive(Subcommand, Debug)]
pub enum BehaviorListCommand {
    Add {
        label: String,
        /// Reporting this behaviour does not start the 24-hour rule
        #[arg(long)]
        no_lockout: bool,
    },
    Remove {
        id: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum HolidayCommand {
    /// FROM and TO are inclusive dates (YYYY-MM-DD) in the therapist's time zone
    Add {
        from: String,
        to: String,
        #[arg(long)]
        note: Option<String>,
    },
    Remove {
        id: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum CallCommand {
    /// Start a call, with the pre-call worksheet
    Start {
        #[arg(long, default_value = "coaching")]
        reason: String,
        /// A skill already tried (repeatable)
        #[arg(long)]
        tried: Vec<String>,
        /// Urge before the call, 0-5
        #[arg(long, allow_negative_numbers = true)]
        urge: Option<i64>,
        #[arg(long)]
        situation: Option<String>,
    },
    /// End a call
    End {
        id: String,
        /// A skill suggested (repeatable)
        #[arg(long)]
        suggested: Vec<String>,
        /// Urge after the call, 0-5
        #[arg(long, allow_negative_numbers = true)]
        urge_after: Option<i64>,
        /// completed or missed
        #[arg(long)]
        outcome: Option<String>,
    },
    /// Return a callback request (therapist)
    Return { id: String },
}

#[derive(Subcommand, Debug)]
pub enum SessionCommand {
    /// Record an in-person session (the summary starts from the last one)
    Record {
        /// When it took place (RFC 3339) [default: now]
        #[arg(long)]
        at: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum BehaviorCommand {
    /// Report a target behaviour (without --behavior: an unnamed one that starts the lockout)
    Report {
        #[arg(long)]
        behavior: Option<String>,
        /// When it occurred (RFC 3339) [default: now]
        #[arg(long)]
        at: Option<String>,
    },
    /// Retract a report made by mistake
    Retract { id: String },
}

#[derive(Subcommand, Debug)]
pub enum SyncCommand {
    /// Write every sealed message due for the peer into FILE (nothing is written if none is due)
    Send {
        #[arg(long)]
        out: PathBuf,
    },
    /// Apply the sealed messages in FILE (exit 2 if any is rejected, with the reason)
    Receive { file: PathBuf },
    /// One full pass through a relay, for every paired agreement: send what is due, fetch
    /// this phone's mailbox, apply, acknowledge (exit 4 if the relay cannot be reached or
    /// asks to be tried later; nothing is lost, run it again)
    #[command(after_help = "\
The relay: URL, else --relay, else $COACHLINE_RELAY, else this phone's relay (the one the
invitation it joined with named, or set with `coachline relay set`). A URL given here or
with --relay becomes this phone's relay once a pass through it succeeds, so that its
invitations name it.")]
    Relay {
        /// The relay's base URL (http://HOST:PORT or https://HOST)
        url: Option<String>,
        /// The same as URL
        #[arg(long = "relay", value_name = "URL", conflicts_with = "url")]
        relay: Option<String>,
    },
}

/// `coachline relay [set URL | clear]`.
#[derive(Args, Debug)]
pub struct RelayArgs {
    #[command(subcommand)]
    pub command: Option<RelayCommand>,
}

#[derive(Subcommand, Debug)]
pub enum RelayCommand {
    /// Show this phone's relay (the same as `coachline relay`)
    Show,
    /// Sync through the relay at URL from now on; invitations this phone issues name it
    Set { url: String },
    /// Forget this phone's relay: its invitations name none, and it syncs by file
    Clear,
}

/// `coachline screen NAME`.
#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  coachline screen home --json             the client's Home: can_call, headline, message, actions
  coachline screen clients --json          the therapist's clients, most pressing first
  coachline screen during-call --call ID   the call in progress
  coachline screen session-prep --html prep.html --time-zone America/New_York")]
pub struct ScreenArgs {
    /// Which screen
    #[arg(value_enum)]
    pub name: ScreenName,
    /// The viewer's IANA time zone, for every time in a sentence [default: $TZ when it
    /// names an IANA zone (Europe/London), else UTC]
    #[arg(long, value_name = "ZONE")]
    pub time_zone: Option<String>,
    /// The call, for during-call and after-call
    #[arg(long, value_name = "ID")]
    pub call: Option<String>,
    /// session-prep only: write the screen as a self-contained HTML page to print
    /// (no script, nothing fetched) into FILE, instead of printing it
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

/// The screens `coachline screen` shows.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScreenName {
    /// The client's Home: may I call now, and what to do instead
    Home,
    /// The pre-call worksheet
    BeforeCall,
    /// A call in progress (--call ID)
    DuringCall,
    /// The after-call worksheet (--call ID)
    AfterCall,
    /// Reporting a target behaviour
    Report,
    /// The agreement as both read and sign it
    Agreement,
    /// Entering a pairing code
    Pairing,
    /// Sync with the paired phone
    Sync,
    /// The therapist's clients, most pressing first
    Clients,
    /// One client's log
    Client,
    /// The therapist's preparation for the next session
    SessionPrep,
    /// Editing the agreement's terms
    Editor,
    /// Inviting the other party's phone
    Invite,
}
