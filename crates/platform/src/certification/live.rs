//! Live events of certification sessions: when a candidate joins, is authorised, starts, answers,
//! raises an alert or finishes, every invigilator screen of that session refreshes, whichever node
//! it is connected to. On PostgreSQL an event goes through `NOTIFY` and every node's listener hands
//! it to its screens; on SQLite (one node) it goes straight to them.

use std::{convert::Infallible, time::Duration};

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

use crate::{AppState, db::Db};

/// The `NOTIFY` channel shared by the nodes.
const CHANNEL: &str = "pix_certification_sessions";

/// "Every session may have changed": sent after the listener lost its connection (notifications
/// are not queued while it is away).
const EVERYTHING: Uuid = Uuid::nil();

/// This node's switchboard: session events in, open screens out.
#[derive(Clone)]
pub struct Hub {
    events: broadcast::Sender<Uuid>,
    closing: watch::Sender<bool>,
}

impl Default for Hub {
    fn default() -> Hub {
        Hub::new()
    }
}

impl Hub {
    /// A hub with no screen yet.
    pub fn new() -> Hub {
        // A slow screen that misses events only refreshes once for all of them.
        Hub { events: broadcast::channel(1024).0, closing: watch::Sender::new(false) }
    }

    fn deliver(&self, session: Uuid) {
        // No screen open on this node is not an error.
        let _ = self.events.send(session);
    }

    /// Ends every open stream (the node is shutting down: browsers reconnect to another node).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }
}

/// Tells every screen of the session, on every node, that something changed. Returns at once: the
/// answer that caused it does not wait for the notification.
pub fn publish(state: &AppState, session: Uuid) {
    match &state.db {
        Db::Sqlite(..) => state.live.deliver(session),
        Db::Postgres(pool) => {
            let (pool, hub) = (pool.clone(), state.live.clone());
            tokio::spawn(async move {
                let sent = sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(CHANNEL)
                    .bind(session.to_string())
                    .execute(&pool)
                    .await;
                if let Err(e) = sent {
                    // This node's screens at least.
                    tracing::warn!(error = %e, "could not notify the other nodes of a session event");
                    hub.deliver(session);
                }
            });
        }
    }
}

/// On PostgreSQL, hands the other nodes' (and this node's) events to this node's screens until the
/// node stops; reconnects by itself.
pub async fn listen(state: AppState) {
    let Db::Postgres(pool) = &state.db else { return };
    loop {
        let mut listener = match sqlx::postgres::PgListener::connect_with(pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "live events: cannot connect, retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %e, "live events: cannot listen, retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        // Listening (again): what was sent while nobody listened is unknown, so every screen catches up.
        state.live.deliver(EVERYTHING);
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) => {
                    if let Ok(session) = Uuid::parse_str(n.payload()) {
                        state.live.deliver(session);
                    }
                }
                // The connection dropped and comes back: what happened meanwhile is unknown.
                Ok(None) => state.live.deliver(EVERYTHING),
                Err(e) => {
                    tracing::warn!(error = %e, "live events: listener failed, reconnecting");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    break;
                }
            }
        }
    }
}

/// The event stream of one session's screen: a `change` event whenever something happened to it.
pub fn stream(state: &AppState, session: Uuid) -> Sse<impl Stream<Item = Result<Event, Infallible>> + use<>> {
    let events = state.live.events.subscribe();
    let closing = state.live.closing.subscribe();
    let stream = futures_util::stream::unfold((events, closing), move |(mut events, mut closing)| async move {
        loop {
            if *closing.borrow() {
                return None;
            }
            tokio::select! {
                received = events.recv() => match received {
                    Ok(s) if s == session || s == EVERYTHING => break,
                    Ok(_) => {}
                    // Missed some: refresh once for all of them.
                    Err(broadcast::error::RecvError::Lagged(_)) => break,
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                _ = closing.changed() => return None,
            }
        }
        // Browsers drop an event without data (EventSource rules): say which session changed.
        Some((Ok(Event::default().event("change").data(session.to_string())), (events, closing)))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
