//! The `creneau` command: parse, set up the logs, run the subcommand
//! ([`creneau::cli`]).

use clap::Parser;
use creneau::cli::{Cli, LogFormat};

/// mimalloc rather than glibc's malloc: see Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // Lines are handed to a writer thread: if standard error is a pipe no
    // one reads, lines are dropped (and counted by tracing-appender) rather
    // than every request waiting on the pipe. Flushed when `_flush` drops.
    let (stderr, _flush) = tracing_appender::non_blocking(std::io::stderr());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(stderr);
    match cli.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }
    cli.run().await
}
