//! `creneau serve`: precompress the app, publish the first snapshot, start
//! the publisher and the bookings' upkeep, open the metrics address, then
//! serve until SIGTERM or SIGINT.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use super::{MessageArgs, ServeArgs};
use crate::alerts::Alerts;
use crate::booking::limits::LimitsConfig;
use crate::booking::{self, Bookings};
use crate::notify::compose::Channels;
use crate::notify::email::{Mailer, SmtpConfig};
use crate::notify::sender::Sender;
use crate::notify::sms::{Gateway, GatewayConfig};
use crate::store::Pool;
use crate::{http, publish, server};

pub async fn serve(pool: Pool, database: &str, args: ServeArgs) -> anyhow::Result<()> {
    let ServeArgs {
        addr,
        dist,
        no_publisher,
        shutdown_timeout,
        header_read_timeout,
        body_read_timeout,
        max_connections,
        metrics_addr,
        publish: args,
        booking,
        messages,
    } = args;
    if dist.join("index.html").exists() {
        publish::precompress_dir(&dist)?;
    } else {
        tracing::warn!(
            "{} has no index.html: build the web app first (make build)",
            dist.display()
        );
    }
    let (channels, sender) = message_sender(&pool, &messages, &args.public_url)?;
    let alerts = Arc::new(Alerts::new(pool.clone(), channels.clone()));
    if !no_publisher {
        // The first generation is written before the socket opens, so
        // the app never meets a missing pointer; with several origins on
        // one PostgreSQL, only by the one that leads (the others serve
        // what it publishes).
        let mut leadership = publish::Leadership::for_store(database);
        let options = args.options()?;
        if leadership.lead().await {
            publish::publish_once(&pool, &options, chrono::Utc::now()).await?;
        } else {
            tracing::info!(
                "another origin publishes the snapshot; this one takes over if it stops"
            );
        }
        tokio::spawn(publish::run(
            pool.clone(),
            options,
            Duration::from_secs(args.interval.max(1)),
            leadership,
            Some(alerts.clone()),
        ));
    }
    let config = http::Config {
        dist,
        snapshot_dir: args.out.clone(),
        snapshot_interval: Duration::from_secs(args.interval.max(1)),
    };
    // One file for both: what the API applies is what the app says.
    let eligibility = args.eligibility()?;
    let limits = LimitsConfig {
        bookings_per_minute: booking.bookings_per_minute,
        lookups_per_minute: booking.lookups_per_minute,
        alert_sign_ups_per_hour: booking.alert_sign_ups_per_hour,
        wrong_tries_per_reference_per_hour: booking.wrong_tries_per_reference_per_hour,
        wrong_tries_per_address_per_hour: booking.wrong_tries_per_address_per_hour,
        max_in_flight: booking.max_in_flight,
        retry_after_secs: booking.retry_after,
        trusted_proxies: booking.trusted_proxy.clone(),
    };
    let bookings = Arc::new(
        Bookings::new(eligibility, limits, args.horizon_days, &pool)?.with_messages(channels),
    );
    if let Some(sender) = sender {
        tokio::spawn(Arc::new(sender).run());
    }
    tokio::spawn(booking::maintain(
        bookings.clone(),
        booking.purge_after_days,
    ));
    let app = http::app(http::ApiContext {
        pool,
        config: Arc::new(config),
        bookings,
        alerts,
    });
    let metrics_listener = tokio::net::TcpListener::bind(metrics_addr)
        .await
        .with_context(|| format!("listening on {metrics_addr} for /metrics"))?;
    tokio::spawn(server::serve(
        metrics_listener,
        http::operator::metrics_app(args.out.clone()),
        server::ConnectionLimits::default(),
        std::future::pending(),
        Duration::ZERO,
    ));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr}"))?;
    tracing::info!("serving http://{addr}");
    // On SIGTERM or SIGINT: stop accepting, answer what is in flight
    // (a booking waiting on the writer is answered once its batch is
    // committed), then exit 0; after --shutdown-timeout, exit anyway.
    // A publish cut short leaves only a staging folder: the pointer
    // names a generation once it is whole.
    server::serve(
        listener,
        app,
        server::ConnectionLimits {
            header_read: Duration::from_secs(header_read_timeout.max(1)),
            body_read: Duration::from_secs(body_read_timeout.max(1)),
            max_connections,
        },
        server::stop_signal(),
        Duration::from_secs(shutdown_timeout),
    )
    .await;
    tracing::info!("stopped");
    Ok(())
}

/// The channels booking steps write messages for, and the sender that
/// delivers them (none with --no-sender, or with no channel). Every
/// setting is checked here, before the socket opens.
fn message_sender(
    pool: &Pool,
    m: &MessageArgs,
    public_url: &str,
) -> anyhow::Result<(Channels, Option<Sender>)> {
    let mailer = m
        .smtp_relay
        .as_ref()
        .map(|relay| {
            Mailer::new(&SmtpConfig {
                relay: relay.clone(),
                port: m.smtp_port,
                tls: m.smtp_tls,
                user: m.smtp_user.clone(),
                password: m.smtp_password.clone(),
                from: m.mail_from.clone(),
            })
        })
        .transpose()?;
    let gateway = m
        .sms_gateway
        .as_deref()
        .map(|path| GatewayConfig::read(path).and_then(Gateway::new))
        .transpose()?;
    let public_url = public_url.trim_end_matches('/').to_string();
    anyhow::ensure!(
        public_url.starts_with("https://") || public_url.starts_with("http://"),
        "--public-url {public_url:?} must start with https://"
    );
    let channels = Channels {
        email: mailer.is_some(),
        sms: gateway.is_some(),
        public_url,
    };
    if !channels.email && !channels.sms {
        tracing::info!("no SMTP relay or SMS gateway: no messages are sent");
        return Ok((channels, None));
    }
    let sender = (!m.no_sender).then(|| {
        Sender::new(
            pool.clone(),
            mailer,
            gateway,
            Duration::from_secs(m.message_retry_after.max(1)),
            Duration::from_secs(2),
        )
    });
    Ok((channels, sender))
}
