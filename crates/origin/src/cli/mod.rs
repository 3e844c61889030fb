//! The `creneau` command's subcommands and what each runs; `serve`'s
//! wiring is in [`serve`]. Each subcommand is documented by
//! `creneau <command> --help`.

mod serve;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::import::{self, centres, communes};
use crate::store::{self, operations};
use crate::{demo, publish};

#[derive(Parser)]
#[command(
    name = "creneau",
    version,
    about = "Créneau: vaccination-centre finder and booking service (origin)."
)]
pub struct Cli {
    /// Database URL: sqlite://path (created on first run) or postgres://…
    #[arg(
        long,
        global = true,
        env = "CRENEAU_DATABASE",
        default_value = "sqlite://var/creneau.db"
    )]
    pub database: String,
    /// Log lines as text, or as JSON objects one a line (for a log
    /// collector). Never a body, a name, a birth date or a reference.
    #[arg(
        long,
        global = true,
        env = "CRENEAU_LOG_FORMAT",
        default_value = "text"
    )]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
pub enum Command {
    /// Import an open-data file into the store (one transaction each).
    #[command(subcommand)]
    Import(ImportCommand),
    /// Load the shipped reference data and the demonstration centres.
    Demo {
        /// Folder holding communes.csv and departements.csv.
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// Also write the generated centres file here (official format).
        #[arg(long)]
        write_csv: Option<PathBuf>,
    },
    /// Publish the availability snapshot: one generation with --once, or every --interval.
    Snapshot {
        /// Write one generation and exit (for cron or a CDN upload job).
        #[arg(long)]
        once: bool,
        #[command(flatten)]
        publish: PublishArgs,
    },
    /// Serve the web app, the snapshot and the API, and publish the snapshot every --interval.
    Serve(Box<ServeArgs>),
    /// Bookings: the centre's day list, and purging old personal data.
    #[command(subcommand)]
    Bookings(BookingsCommand),
    /// Copy a live SQLite store to a new file, consistent while bookings go on.
    /// Restore: stop serve, put the copy in place of the store, start serve.
    Backup {
        /// The copy to write (refused if it exists).
        #[arg(long)]
        to: PathBuf,
    },
    /// Print the nginx edge's include for this build (deploy/nginx): the
    /// Content-Security-Policy the origin sends, whose script and style
    /// hashes change with each build. Reads --dist only, not the store.
    EdgeCsp {
        /// The built web app the edge serves (Trunk's output).
        #[arg(long, default_value = "dist")]
        dist: PathBuf,
    },
}

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// The built web app (Trunk's output).
    #[arg(long, default_value = "dist")]
    pub dist: PathBuf,
    /// Do not publish; only serve what is in --out.
    #[arg(long)]
    pub no_publisher: bool,
    /// On SIGTERM or SIGINT: seconds to finish the requests in flight
    /// (no new ones are accepted) before exiting anyway.
    #[arg(long, default_value_t = 10)]
    pub shutdown_timeout: u64,
    /// Seconds a client has to send a request's headers; also how long
    /// an idle keep-alive connection stays open.
    #[arg(long, default_value_t = 10)]
    pub header_read_timeout: u64,
    /// Seconds a client has to send a request's body.
    #[arg(long, default_value_t = 10)]
    pub body_read_timeout: u64,
    /// Address of /metrics (Prometheus), apart from the public one.
    #[arg(long, default_value = "127.0.0.1:9464")]
    pub metrics_addr: SocketAddr,
    /// Connections open at once; past it, new ones wait in the kernel's
    /// queue (keep it under the open-files limit, `ulimit -n`).
    #[arg(long, default_value_t = 4096)]
    pub max_connections: usize,
    #[command(flatten)]
    pub publish: PublishArgs,
    #[command(flatten)]
    pub booking: BookingArgs,
    #[command(flatten)]
    pub messages: MessageArgs,
}

/// Messages to people (docs/deployment.md, "Messages"): with neither a
/// relay nor a gateway, none are written or sent.
#[derive(Args)]
pub struct MessageArgs {
    /// SMTP relay for e-mails (confirmations, reminders): host name.
    #[arg(long, env = "CRENEAU_SMTP_RELAY")]
    pub smtp_relay: Option<String>,
    /// The relay's port (587 for STARTTLS, 465 for TLS, 25 on a private network).
    #[arg(long, env = "CRENEAU_SMTP_PORT", default_value_t = 587)]
    pub smtp_port: u16,
    /// How the connection to the relay is secured.
    #[arg(long, env = "CRENEAU_SMTP_TLS", value_enum, default_value = "starttls")]
    pub smtp_tls: crate::notify::email::TlsMode,
    /// The relay's user name, if it asks for one.
    #[arg(long, env = "CRENEAU_SMTP_USER")]
    pub smtp_user: Option<String>,
    /// Its password: from the environment, rather than the command line.
    #[arg(long, env = "CRENEAU_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,
    /// The From of e-mails.
    #[arg(
        long,
        env = "CRENEAU_MAIL_FROM",
        default_value = "Créneau <ne-pas-repondre@creneau.example>"
    )]
    pub mail_from: String,
    /// SMS gateway: a TOML file describing its HTTP request (see docs/deployment.md).
    #[arg(long, env = "CRENEAU_SMS_GATEWAY")]
    pub sms_gateway: Option<PathBuf>,
    /// Seconds before a failed message is tried again (doubling each time, up to an hour).
    #[arg(long, default_value_t = 30)]
    pub message_retry_after: u64,
    /// Do not run the sender here (messages are still written; another origin sends them).
    #[arg(long)]
    pub no_sender: bool,
}

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Communes: Créneau's data/communes.csv or La Poste's postcode base (detected from the header).
    Communes { file: PathBuf },
    /// Départements and their time zones (data/departements.csv).
    Departements { file: PathBuf },
    /// The official list of vaccination centres ("Lieux de vaccination contre la Covid-19").
    Centres {
        file: PathBuf,
        /// Refuse the whole file on the first row problem.
        #[arg(long)]
        strict: bool,
        /// Slot length in minutes where the file does not give one.
        #[arg(long, default_value_t = 10)]
        slot_minutes: u16,
        /// People per slot where the file does not give it.
        #[arg(long, default_value_t = 2)]
        capacity: u32,
    },
}

#[derive(Subcommand)]
pub enum BookingsCommand {
    /// Write a centre's appointments of one day as CSV (for its staff).
    Export {
        #[arg(long)]
        centre: String,
        /// Local date, YYYY-MM-DD.
        #[arg(long)]
        date: chrono::NaiveDate,
        /// File to write; standard output when absent.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check the store: no slot over capacity, counts equal to the bookings.
    Check,
    /// Delete bookings whose second appointment is more than --days days past.
    Purge {
        #[arg(long, default_value_t = 30)]
        days: u32,
    },
}

#[derive(Args)]
pub struct BookingArgs {
    /// Booking requests handled at once; past this, 503 with Retry-After at once.
    #[arg(long, default_value_t = 64)]
    pub max_in_flight: usize,
    /// Base of the Retry-After sent with a 503 (seconds; up to twice this, at random).
    #[arg(long, default_value_t = 10)]
    pub retry_after: u64,
    /// Bookings per minute per client address.
    #[arg(long, default_value_t = 20)]
    pub bookings_per_minute: u32,
    /// Lookups and cancellations per minute per client address.
    #[arg(long, default_value_t = 20)]
    pub lookups_per_minute: u32,
    /// Alert sign-ups ("Me prévenir") per hour per client address.
    #[arg(long, default_value_t = 10)]
    pub alert_sign_ups_per_hour: u32,
    /// Wrong reference and birth-date pairs one address may send for one
    /// reference, per hour (then 429 for that address only).
    #[arg(long, default_value_t = 5)]
    pub wrong_tries_per_reference_per_hour: u32,
    /// Wrong pairs one address may send per hour, all references together.
    #[arg(long, default_value_t = 30)]
    pub wrong_tries_per_address_per_hour: u32,
    /// Proxies (CDN, load balancer) whose X-Forwarded-For is believed; comma-separated IPs.
    #[arg(long, value_delimiter = ',')]
    pub trusted_proxy: Vec<std::net::IpAddr>,
    /// Days after the second appointment when a booking's personal data is deleted.
    #[arg(long, default_value_t = 30)]
    pub purge_after_days: u32,
}

#[derive(Args, Clone)]
pub struct PublishArgs {
    /// Snapshot root (served under /data/).
    #[arg(long, default_value = "var/snapshot")]
    pub out: PathBuf,
    /// Seconds between generations.
    #[arg(long, default_value_t = 60)]
    pub interval: u64,
    /// Days of availability published.
    #[arg(long, default_value_t = 28)]
    pub horizon_days: u32,
    /// Seconds a file no longer named by the pointer stays readable before
    /// it is removed (a reader holding the old pointer finds it meanwhile).
    #[arg(long, default_value_t = 300)]
    pub grace: u64,
    /// Brotli quality of each generation's precompressed files (0–11); 5 keeps
    /// a France-scale generation well under a second. Search shards, written
    /// once, always use 11.
    #[arg(long, default_value_t = 5)]
    pub brotli_quality: u32,
    /// Eligibility rules (TOML); the built-in config/eligibility.toml when
    /// absent. The booking API applies them; the snapshot tells the app.
    #[arg(long)]
    pub eligibility: Option<PathBuf>,
    /// Also upload each generation to S3-compatible object storage,
    /// pointer last by compare-and-swap (`creneau snapshot --to`, `creneau
    /// serve --publish-to`). Endpoint, region and credentials from the
    /// AWS_* environment variables (AWS_ENDPOINT_URL, AWS_ALLOW_HTTP=true
    /// for a local server, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION).
    #[arg(
        long = "publish-to",
        visible_alias = "to",
        value_name = "s3://BUCKET/PREFIX"
    )]
    pub publish_to: Option<String>,
    /// The site's public address: the SMART Scheduling Links manifest
    /// (`/data/$bulk-publish`) names its files and the booking flow by
    /// full URL, and messages link to "Gérer mon rendez-vous" there.
    #[arg(long, default_value = publish::DEFAULT_PUBLIC_URL)]
    pub public_url: String,
    /// Do not write the SMART Scheduling Links files (about 13 MB a
    /// generation for France's 2,000 centres, most of it Slots).
    #[arg(long)]
    pub no_smart_links: bool,
}

impl PublishArgs {
    pub fn eligibility(&self) -> anyhow::Result<crate::booking::eligibility::Eligibility> {
        Ok(match &self.eligibility {
            Some(path) => crate::booking::eligibility::Eligibility::from_file(path)?,
            None => crate::booking::eligibility::Eligibility::default(),
        })
    }

    pub fn options(&self) -> anyhow::Result<publish::Options> {
        Ok(publish::Options {
            out: self.out.clone(),
            horizon_days: self.horizon_days,
            grace: Duration::from_secs(self.grace),
            brotli_quality: self.brotli_quality.min(11),
            eligibility: self.eligibility()?.rule(),
            remote: match &self.publish_to {
                Some(url) => Some(std::sync::Arc::new(tokio::sync::Mutex::new(
                    publish::Remote::from_url(url)?,
                ))),
                None => None,
            },
            public_url: (!self.no_smart_links).then(|| self.public_url.clone()),
            retention: Default::default(),
            reuse: Default::default(),
        })
    }
}

fn print_report(report: &import::Report) {
    print!("{report}");
}

impl Cli {
    /// Run the subcommand on the store `--database` names.
    pub async fn run(self) -> anyhow::Result<()> {
        if let Command::EdgeCsp { dist } = &self.command {
            print!("{}", crate::http::edge_csp_include(dist)?);
            return Ok(());
        }
        let pool = store::connect(&self.database).await?;
        match self.command {
            Command::Import(ImportCommand::Communes { file }) => {
                print_report(&communes::import_file(&pool, &file).await?)
            }
            Command::Import(ImportCommand::Departements { file }) => {
                print_report(&communes::import_departements(&pool, &file).await?)
            }
            Command::Import(ImportCommand::Centres {
                file,
                strict,
                slot_minutes,
                capacity,
            }) => {
                let options = centres::Options {
                    strict,
                    slot_minutes,
                    capacity,
                    demo: false,
                };
                print_report(&centres::import_file(&pool, &file, &options).await?);
            }
            Command::Demo { data, write_csv } => {
                print_report(
                    &communes::import_departements(&pool, &data.join("departements.csv")).await?,
                );
                print_report(&communes::import_file(&pool, &data.join("communes.csv")).await?);
                let former = data.join("communes-anciennes.csv");
                if former.exists() {
                    print_report(&communes::import_former(&pool, &former).await?);
                } else {
                    eprintln!(
                        "no {}: former commune names will not be found by search",
                        former.display()
                    );
                }
                let text = import::read_utf8(&data.join("communes.csv"))?;
                let (rows, _) = communes::parse("communes.csv", &text)?;
                let csv = demo::centres_csv(&rows);
                if let Some(path) = write_csv {
                    std::fs::write(&path, &csv)
                        .with_context(|| format!("writing {}", path.display()))?;
                }
                let options = centres::Options {
                    demo: true,
                    ..Default::default()
                };
                print_report(&centres::import_text(&pool, "demo centres", &csv, &options).await?);
            }
            Command::Snapshot {
                once,
                publish: args,
            } => {
                // The same lock as `serve`'s publisher: on PostgreSQL, a
                // generation is written by one process at a time.
                let mut leadership = publish::Leadership::for_store(&self.database);
                let options = args.options()?;
                if once {
                    if !leadership.lead().await {
                        anyhow::bail!("another process publishes the snapshot of this store (it holds the publisher lock); nothing written");
                    }
                    let p = publish::publish_once(&pool, &options, chrono::Utc::now()).await?;
                    println!(
                        "published {} in {}: {} files written ({} bytes), {} unchanged, {} removed",
                        p.version,
                        args.out.display(),
                        p.files,
                        p.bytes,
                        p.unchanged,
                        p.pruned
                    );
                    if let (Some(u), Some(to)) = (&p.uploaded, &args.publish_to) {
                        println!(
                            "uploaded to {to}: {} objects ({} bytes), {} already there, {} removed",
                            u.objects, u.bytes, u.skipped, u.deleted
                        );
                    }
                } else {
                    // One now (when leading), then every interval.
                    if leadership.lead().await {
                        publish::publish_once(&pool, &options, chrono::Utc::now()).await?;
                    }
                    publish::run(
                        pool,
                        options,
                        Duration::from_secs(args.interval.max(1)),
                        leadership,
                        // Alerts are sent by `serve`, which has the message channels.
                        None,
                    )
                    .await;
                }
            }
            Command::Bookings(BookingsCommand::Export { centre, date, out }) => {
                let csv = operations::export_day(&pool, &centre, date).await?;
                match out {
                    Some(path) => std::fs::write(&path, csv)
                        .with_context(|| format!("writing {}", path.display()))?,
                    None => print!("{csv}"),
                }
            }
            Command::Backup { to } => {
                store::backup(&pool, &to).await?;
                println!("backed up to {}", to.display());
            }
            Command::Bookings(BookingsCommand::Check) => {
                let audit = operations::audit(&pool).await?;
                println!(
                "{} confirmed bookings; {} slots over capacity; {} slots whose count differs from their bookings",
                audit.confirmed, audit.over_capacity, audit.mismatched
            );
                if audit.over_capacity > 0 || audit.mismatched > 0 {
                    anyhow::bail!("the store is not consistent");
                }
            }
            Command::Bookings(BookingsCommand::Purge { days }) => {
                let deleted = operations::purge(&pool, chrono::Utc::now(), days).await?;
                println!("{deleted} bookings deleted");
            }
            Command::Serve(args) => serve::serve(pool, &self.database, *args).await?,
            // Answered above, without the store.
            Command::EdgeCsp { .. } => unreachable!("edge-csp needs no store"),
        }
        Ok(())
    }
}
