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
    let app = router(store.clone(), config);
    spawn_snapshots(store.clone());
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

/// Every hour (and at start), measures the computed indicators not yet measured in their
/// current period: a period is measured once however many instances share the database (the
/// measurement's key is the indicator and the period), and a restart after downtime catches up.
fn spawn_snapshots(store: crate::store::Store) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            let ctx = crate::service::Services::new(store.clone()).system();
            match crate::registers::objective::service::snapshot_due(&ctx).await {
                Ok(done) if !done.is_empty() => {
                    tracing::info!(indicators = %done.join(", "), "measured the computed indicators")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "measuring the computed indicators failed"),
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
