//! `annex serve`: prepare the store, listen, print the URL, and stop cleanly on SIGINT or
//! SIGTERM (requests in flight finish first).

use super::router;
use crate::config::Config;
use crate::domain::clock::Clock;
use anyhow::Context;
use std::net::SocketAddr;

pub async fn run(config: Config) -> anyhow::Result<()> {
    init_logging(&config.log, config.log_spans);
    let started = std::time::Instant::now();
    let (store, report) = crate::app::prepare(&config, Clock::system()).await?;
    if !report.loaded.is_empty() {
        tracing::info!(frameworks = %report.loaded.join(", "), "loaded catalogues");
    }
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("listening on {}", config.bind))?;
    let bound = listener.local_addr()?;
    let url = config.display_url(bound);
    let set_up = store.is_set_up().await?;
    let services = crate::service::Services::configured(store.clone(), &config);
    let app = router(store.clone(), config);
    spawn_scheduler(services);
    tracing::info!(
        ready_ms = started.elapsed().as_millis() as u64,
        "Annex is running at {url}{}",
        if set_up {
            ""
        } else {
            " (open it to set up the first administrator)"
        }
    );
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .context("serving HTTP")?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Every 30 seconds (and at start), runs the scheduler's jobs that are due (digests,
/// escalations, deadline warnings, stale hosts, indicators, upload clean-up, the outbox):
/// each is taken by one instance at a time through its lease in the database, so several
/// instances sharing it run each job once, and a restart after downtime catches up once.
fn spawn_scheduler(services: crate::service::Services) {
    tokio::spawn(async move {
        let instance = crate::registers::jobs::service::instance_name();
        let ctx = services.system();
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match crate::registers::jobs::service::tick(&ctx, &instance).await {
                Ok(ran) => {
                    for (job, outcome) in ran {
                        match outcome {
                            Ok(o) if job == "outbox" && o.starts_with("0 sent, 0") => {}
                            Ok(o) => {
                                tracing::info!(job = %job, outcome = %o, "ran a scheduled job")
                            }
                            Err(e) => {
                                tracing::warn!(job = %job, error = %e, "a scheduled job failed")
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "the scheduler could not run"),
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

fn init_logging(filter: &str, spans: bool) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only on a terminal; a log file or journal gets plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    // `log_spans` logs each use case's span as it closes, with the time it was busy.
    let spans = if spans {
        tracing_subscriber::fmt::format::FmtSpan::CLOSE
    } else {
        tracing_subscriber::fmt::format::FmtSpan::NONE
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(spans)
        .with_target(false)
        .with_ansi(ansi)
        .try_init();
}
