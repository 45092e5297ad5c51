//! The HTTP side: the four endpoints of the protocol (`coachline_relay_protocol`), the
//! checks every signed request passes, refusals, the request log and the retention
//! sweep.
//!
//! A signed request is checked in this order, each step refusing with the protocol's
//! code (and a JSON `ErrorBody`, like every refusal, 404 and 405 included):
//!
//! 1. the path names a mailbox (64 lower-case hex digits) — else `bad_request`;
//! 2. the four signature headers are there and well-formed — `unsigned`,
//!    `bad_signature`;
//! 3. the body is within the endpoint's bound (a message: `MAX_MESSAGE_BYTES`, else
//!    `too_large`) — read before the signature, which covers it;
//! 4. the signature verifies over the method, the path and query *as received*, the
//!    body and this relay's audience, and its time is within the clock window —
//!    `bad_signature`, `stale`;
//! 5. the key has requests left (only verified keys are counted, see [`crate::rate`])
//!    — `rate_limited` with `Retry-After`;
//! 6. fetch and acknowledge only in one's own mailbox — `not_your_mailbox`; the
//!    query or body parses — `bad_request`;
//! 7. the request was not accepted before: its replay id is remembered in the
//!    storage, so that every process over one PostgreSQL shares it, for twice the
//!    clock window — `replayed`;
//!
//! and only then does the storage act (`quota_exceeded`, `unavailable`).

use std::future::{Future, IntoFuture};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use axum::Router;
use coachline_relay_protocol::auth::Signed;
use coachline_relay_protocol::batch::decode_ids;
use coachline_relay_protocol::{
    Acknowledged, Audience, Auth, Deposited, ErrorBody, ErrorCode, Mailbox, CLOCK_SKEW_MS,
    DEFAULT_RETENTION_DAYS, HEALTH_PATH, MAX_ACK, MAX_FETCH, MAX_MESSAGE_BYTES,
};
use http_body_util::BodyExt;
use serde::Serialize;

use crate::logging::MailboxTags;
use crate::rate::RateLimiter;
use crate::storage::{Deposit, Storage, StorageError};

/// The route templates, as routed and as logged.
const MESSAGES_ROUTE: &str = "/v1/mailboxes/{mailbox}/messages";
const ACK_ROUTE: &str = "/v1/mailboxes/{mailbox}/ack";

/// How often the retention sweep runs (and idle rate buckets are forgotten).
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// How long requests under way may take to finish once the relay is asked to stop.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// How long a client may take to send a body.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// A body over its endpoint's bound is still read (and dropped) up to this many
/// bytes, so that the client, still sending, reads the refusal rather than a reset
/// connection; one declared larger is refused without reading.
const DRAIN_BYTES: usize = 1024 * 1024;

/// What the relay allows.
#[derive(Clone, Debug)]
pub struct Limits {
    /// The most bytes of messages one mailbox holds.
    pub quota_bytes: u64,
    /// Requests per minute per key, on average; 0 for no limit.
    pub rate_per_minute: u32,
    /// Requests per key at once (the bucket's size).
    pub burst: u32,
    /// How long an unacknowledged message is kept.
    pub retention: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            quota_bytes: 16 * 1024 * 1024,
            rate_per_minute: 600,
            burst: 60,
            retention: Duration::from_secs(u64::from(DEFAULT_RETENTION_DAYS) * 86_400),
        }
    }
}

/// A relay: its storage, its name and its limits.
pub struct Relay<S> {
    storage: S,
    audience: Audience,
    limits: Limits,
    rate: RateLimiter,
    tags: MailboxTags,
}

impl<S: Storage> Relay<S> {
    /// A relay that answers requests signed for `audience` (its own base URL).
    pub fn new(storage: S, audience: Audience, limits: Limits) -> Self {
        Self {
            rate: RateLimiter::new(limits.rate_per_minute, limits.burst),
            tags: MailboxTags::random(),
            storage,
            audience,
            limits,
        }
    }

    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// The routes, every refusal in the protocol's JSON, every request logged.
    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route(HEALTH_PATH, get(health::<S>))
            .route(MESSAGES_ROUTE, post(deposit::<S>).get(fetch::<S>))
            .route(ACK_ROUTE, post(ack::<S>))
            .fallback(not_found)
            .method_not_allowed_fallback(method_not_allowed)
            .layer(middleware::from_fn_with_state(
                Arc::clone(&self),
                log_request::<S>,
            ))
            .with_state(self)
    }

    /// One retention sweep, logged.
    pub async fn sweep(&self) {
        match self.storage.sweep(now_ms(), self.limits.retention).await {
            Ok(swept) if swept == Default::default() => {}
            Ok(swept) => tracing::info!(
                messages = swept.messages,
                replay_ids = swept.replay_ids,
                mailboxes = swept.mailboxes,
                "swept"
            ),
            Err(e) => tracing::error!(error = %e, "the retention sweep failed"),
        }
        self.rate.forget_idle(Instant::now());
    }
}

/// Serves `relay` on `listener` until `shutdown` completes, then finishes the
/// requests under way, for at most [`SHUTDOWN_GRACE`] (a client stalled in the middle
/// of a request must not keep the relay from stopping). Sweeps on start and every
/// minute.
pub async fn serve<S: Storage>(
    listener: tokio::net::TcpListener,
    relay: Arc<Relay<S>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let sweeper = tokio::spawn({
        let relay = Arc::clone(&relay);
        async move {
            let mut every = tokio::time::interval(SWEEP_EVERY);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                relay.sweep().await;
            }
        }
    });
    let stopping = Arc::new(tokio::sync::Notify::new());
    let signalled = {
        let stopping = Arc::clone(&stopping);
        async move {
            shutdown.await;
            stopping.notify_one();
        }
    };
    // Small answers go out at once rather than wait for Nagle's algorithm.
    let listener = listener.tap_io(|stream| {
        let _ = stream.set_nodelay(true);
    });
    let serving = axum::serve(listener, relay.router()).with_graceful_shutdown(signalled);
    let served = tokio::select! {
        served = serving.into_future() => served,
        () = async {
            stopping.notified().await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } => {
            tracing::warn!("stopping with requests still under way");
            Ok(())
        }
    };
    sweeper.abort();
    served
}

/// A request refused: its code, and how long to wait for `rate_limited`.
#[derive(Debug)]
struct Refusal {
    code: ErrorCode,
    retry_after: Option<Duration>,
    /// A status other than the code's own (405 for a method the path does not take).
    status: Option<StatusCode>,
}

impl From<ErrorCode> for Refusal {
    fn from(code: ErrorCode) -> Self {
        Self {
            code,
            retry_after: None,
            status: None,
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let status = self.status.unwrap_or_else(|| {
            StatusCode::from_u16(self.code.status()).expect("the protocol's statuses are valid")
        });
        let mut response = json(status, &ErrorBody::from(self.code));
        if let Some(wait) = self.retry_after {
            // Whole seconds, rounded up: never earlier than a token is there.
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        }
        response.extensions_mut().insert(self.code);
        response
    }
}

/// Logged as an answer's message count.
#[derive(Clone, Copy)]
struct Messages(usize);

fn json(status: StatusCode, value: &impl Serialize) -> Response {
    let body = serde_json::to_vec(value).expect("the protocol's bodies serialise");
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

fn now_ms() -> i64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

/// The mailbox a `/v1/mailboxes/{mailbox}/…` path names, if it is one.
fn mailbox_in_path(path: &str) -> Option<Mailbox> {
    path.strip_prefix("/v1/mailboxes/")?
        .split('/')
        .next()?
        .parse()
        .ok()
}

/// A signed request that passed steps 1 to 5.
struct Checked {
    auth: Auth,
    mailbox: Mailbox,
    query: Option<String>,
    body: Vec<u8>,
    now_ms: i64,
}

impl<S: Storage> Relay<S> {
    /// Steps 1 to 5 (see the module comment); `body_limit` bytes at most, a longer
    /// body refused with `over_limit`.
    async fn check(
        &self,
        request: Request,
        body_limit: usize,
        over_limit: ErrorCode,
    ) -> Result<Checked, Refusal> {
        let (parts, body) = request.into_parts();
        let mailbox = mailbox_in_path(parts.uri.path()).ok_or(ErrorCode::BadRequest)?;
        let auth = Auth::from_headers(|name| {
            parts
                .headers
                .get(name)
                .and_then(|value| value.to_str().ok())
        })?;
        let body = match read_body(body, &parts.headers, body_limit).await {
            Ok(body) => body,
            Err(BodyError::TooLong) => return Err(over_limit.into()),
            Err(BodyError::Unreadable) => return Err(ErrorCode::BadRequest.into()),
        };
        let path = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
        let now_ms = now_ms();
        auth.verify(
            &Signed {
                method: parts.method.as_str(),
                path,
                body: &body,
                audience: &self.audience,
            },
            now_ms,
        )?;
        if let Err(wait) = self.rate.check(&auth.key, Instant::now()) {
            return Err(Refusal {
                retry_after: Some(wait),
                ..ErrorCode::RateLimited.into()
            });
        }
        Ok(Checked {
            auth,
            mailbox,
            query: parts.uri.query().map(str::to_owned),
            body,
            now_ms,
        })
    }

    /// Step 7: refuses a request whose replay id was seen, and remembers it
    /// otherwise for twice the clock window (a request is accepted up to one window
    /// after its signed time, which is at most one window after now).
    async fn first_use(&self, request: &Checked) -> Result<(), Refusal> {
        let expires_ms = request.now_ms.saturating_add(2 * CLOCK_SKEW_MS);
        match self
            .storage
            .first_use(request.auth.replay_id(), expires_ms)
            .await
        {
            Ok(true) => Ok(()),
            Ok(false) => Err(ErrorCode::Replayed.into()),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn deposit(&self, request: Request) -> Result<Response, Refusal> {
        let request = self
            .check(request, MAX_MESSAGE_BYTES, ErrorCode::TooLarge)
            .await?;
        // A sealed message is never empty, nor is a deposit's path followed by a query.
        if request.query.is_some() || request.body.is_empty() {
            return Err(ErrorCode::BadRequest.into());
        }
        self.first_use(&request).await?;
        let deposited = self
            .storage
            .deposit(
                request.mailbox,
                &request.body,
                request.now_ms,
                self.limits.quota_bytes,
            )
            .await
            .map_err(unavailable)?;
        let (status, id) = match deposited {
            Deposit::Stored(id) => (StatusCode::CREATED, id),
            Deposit::AlreadyHeld(id) => (StatusCode::OK, id),
            Deposit::QuotaExceeded => return Err(ErrorCode::QuotaExceeded.into()),
        };
        let mut response = json(status, &Deposited { id });
        response.extensions_mut().insert(Messages(1));
        Ok(response)
    }

    async fn fetch(&self, request: Request) -> Result<Response, Refusal> {
        let request = self.check(request, 0, ErrorCode::BadRequest).await?;
        if request.auth.mailbox() != request.mailbox {
            return Err(ErrorCode::NotYourMailbox.into());
        }
        let (after, limit) = fetch_query(request.query.as_deref())?;
        self.first_use(&request).await?;
        let batch = self
            .storage
            .fetch(request.mailbox, after, limit)
            .await
            .map_err(unavailable)?;
        let count = batch.messages.len();
        let mut response = (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            )],
            batch.encode(),
        )
            .into_response();
        response.extensions_mut().insert(Messages(count));
        Ok(response)
    }

    async fn ack(&self, request: Request) -> Result<Response, Refusal> {
        let request = self
            .check(request, MAX_ACK * 8, ErrorCode::BadRequest)
            .await?;
        if request.auth.mailbox() != request.mailbox {
            return Err(ErrorCode::NotYourMailbox.into());
        }
        if request.query.is_some() {
            return Err(ErrorCode::BadRequest.into());
        }
        let ids = decode_ids(&request.body).map_err(|_| ErrorCode::BadRequest)?;
        self.first_use(&request).await?;
        let deleted = self
            .storage
            .ack(request.mailbox, &ids)
            .await
            .map_err(unavailable)?;
        let mut response = json(StatusCode::OK, &Acknowledged { deleted });
        response
            .extensions_mut()
            .insert(Messages(usize::try_from(deleted).unwrap_or(usize::MAX)));
        Ok(response)
    }
}

/// A storage failure: logged (its text names no device, see [`StorageError`]) and
/// answered `unavailable`, which the phones retry.
fn unavailable(e: StorageError) -> Refusal {
    tracing::error!(error = %e, "storage failed");
    ErrorCode::Unavailable.into()
}

/// `after` and `limit`, each at most once, both optional (`0` and [`MAX_FETCH`]); a
/// limit above [`MAX_FETCH`] gets [`MAX_FETCH`], a limit of 0 is refused.
fn fetch_query(query: Option<&str>) -> Result<(u64, usize), ErrorCode> {
    let (mut after, mut limit) = (None, None);
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').ok_or(ErrorCode::BadRequest)?;
        // Digits only: `parse` would take a leading `+`, which fetch_path never writes.
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ErrorCode::BadRequest);
        }
        let value: u64 = value.parse().map_err(|_| ErrorCode::BadRequest)?;
        let slot = match name {
            "after" => &mut after,
            "limit" => &mut limit,
            _ => return Err(ErrorCode::BadRequest),
        };
        if slot.replace(value).is_some() {
            return Err(ErrorCode::BadRequest);
        }
    }
    let limit = match limit {
        None => MAX_FETCH,
        Some(0) => return Err(ErrorCode::BadRequest),
        Some(n) => usize::try_from(n).unwrap_or(usize::MAX).min(MAX_FETCH),
    };
    Ok((after.unwrap_or(0), limit))
}

enum BodyError {
    TooLong,
    Unreadable,
}

/// Reads a body of at most `limit` bytes. A longer one is read on, and dropped, up to
/// [`DRAIN_BYTES`] (see there); one whose declared length is longer than that is
/// refused at once.
async fn read_body(body: Body, headers: &HeaderMap, limit: usize) -> Result<Vec<u8>, BodyError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > DRAIN_BYTES as u64) {
        return Err(BodyError::TooLong);
    }
    let read = async {
        let mut body = body;
        let mut bytes = Vec::new();
        let mut total = 0usize;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| BodyError::Unreadable)?;
            if let Ok(data) = frame.into_data() {
                total = total.saturating_add(data.len());
                if total <= limit {
                    bytes.extend_from_slice(&data);
                } else if total > DRAIN_BYTES {
                    break;
                }
            }
        }
        if total > limit {
            Err(BodyError::TooLong)
        } else {
            Ok(bytes)
        }
    };
    tokio::time::timeout(BODY_TIMEOUT, read)
        .await
        .unwrap_or(Err(BodyError::Unreadable))
}

async fn deposit<S: Storage>(State(relay): State<Arc<Relay<S>>>, request: Request) -> Response {
    relay
        .deposit(request)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn fetch<S: Storage>(State(relay): State<Arc<Relay<S>>>, request: Request) -> Response {
    relay
        .fetch(request)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn ack<S: Storage>(State(relay): State<Arc<Relay<S>>>, request: Request) -> Response {
    relay
        .ack(request)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// Unsigned: load balancers and monitors call it. `200` once the storage answered.
async fn health<S: Storage>(State(relay): State<Arc<Relay<S>>>) -> Response {
    #[derive(Serialize)]
    struct Health {
        status: &'static str,
        storage: &'static str,
    }
    match relay.storage.check().await {
        Ok(()) => json(
            StatusCode::OK,
            &Health {
                status: "ok",
                storage: relay.storage.kind(),
            },
        ),
        Err(e) => unavailable(e).into_response(),
    }
}

async fn not_found() -> Response {
    Refusal::from(ErrorCode::NotFound).into_response()
}

/// A path of the protocol with a method it does not take: no such endpoint, with
/// HTTP's own status for it.
async fn method_not_allowed() -> Response {
    Refusal {
        status: Some(StatusCode::METHOD_NOT_ALLOWED),
        ..ErrorCode::NotFound.into()
    }
    .into_response()
}

/// One JSON line per request (see [`crate::logging`] for what it may hold).
async fn log_request<S: Storage>(
    State(relay): State<Arc<Relay<S>>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    // The template a path matched (`/v1/mailboxes/{mailbox}/messages`), never the path.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let mailbox = mailbox_in_path(request.uri().path()).map(|m| relay.tags.tag(m.key()));
    let bytes_in = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    let response = next.run(request).await;
    let error = response.extensions().get::<ErrorCode>().map(|c| c.as_str());
    let messages = response.extensions().get::<Messages>().map(|m| m.0);
    let bytes_out = axum::body::HttpBody::size_hint(response.body()).exact();
    tracing::info!(
        method = method.as_str(),
        route = route.as_str(),
        status = response.status().as_u16(),
        duration_ms = started.elapsed().as_micros() as f64 / 1000.0,
        error,
        bytes_in,
        bytes_out,
        messages,
        mailbox,
        "request"
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fetch_query_is_after_and_limit() {
        assert_eq!(fetch_query(None), Ok((0, MAX_FETCH)));
        assert_eq!(fetch_query(Some("after=7&limit=3")), Ok((7, 3)));
        assert_eq!(fetch_query(Some("limit=3&after=7")), Ok((7, 3)));
        assert_eq!(fetch_query(Some("limit=100000")), Ok((0, MAX_FETCH)));
        for bad in [
            "after",
            "after=",
            "after=-1",
            "after=+1",
            "after=1&after=2",
            "limit=0",
            "before=3",
            "after=99999999999999999999",
        ] {
            assert_eq!(fetch_query(Some(bad)), Err(ErrorCode::BadRequest), "{bad}");
        }
    }

    #[test]
    fn a_mailbox_is_read_from_its_path() {
        let m = Mailbox::of_key(&[0xab; 32]);
        assert_eq!(
            mailbox_in_path(&coachline_relay_protocol::messages_path(&m)),
            Some(m)
        );
        assert_eq!(
            mailbox_in_path(&coachline_relay_protocol::ack_path(&m)),
            Some(m)
        );
        assert_eq!(mailbox_in_path("/v1/mailboxes/abc/messages"), None);
        assert_eq!(mailbox_in_path(HEALTH_PATH), None);
    }
}
