//! The request rate per key: a token bucket per device key, in this process's memory.
//!
//! Each relay process limits on its own: behind a load balancer over two processes a
//! key may make up to twice the rate. That is enough for what the limit is for (one
//! misbehaving or hostile device must not starve the others or fill the disk with
//! requests), and it keeps PostgreSQL out of every request's rate check.
//!
//! Only requests whose signature verified are counted, against the key that signed
//! them: counting before the check would let anyone exhaust a device's allowance by
//! sending garbage under its public key.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Token buckets per key.
pub struct RateLimiter {
    /// Tokens added per second; `None` when there is no limit.
    per_second: Option<f64>,
    burst: f64,
    buckets: Mutex<HashMap<[u8; 32], Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    /// `per_minute` requests a minute on average, up to `burst` at once; a
    /// `per_minute` of 0 means no limit.
    pub fn new(per_minute: u32, burst: u32) -> Self {
        Self {
            per_second: (per_minute > 0).then(|| f64::from(per_minute) / 60.0),
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token from `key`'s bucket, or answers how long until one is there.
    pub fn check(&self, key: &[u8; 32], now: Instant) -> Result<(), Duration> {
        let Some(per_second) = self.per_second else {
            return Ok(());
        };
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let bucket = buckets.entry(*key).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(self.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }

    /// Forgets the buckets that have filled up again: a key idle that long is the
    /// same as a key never seen. Keeps the map as small as the set of active keys.
    pub fn forget_idle(&self, now: Instant) {
        let Some(per_second) = self.per_second else {
            return;
        };
        let burst = self.burst;
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        buckets.retain(|_, bucket| {
            let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
            bucket.tokens + elapsed * per_second < burst
        });
    }

    /// How many keys have a bucket (for tests).
    pub fn tracked(&self) -> usize {
        self.buckets.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_one_request_per_interval() {
        let limiter = RateLimiter::new(60, 3);
        let (key, other) = ([1; 32], [2; 32]);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check(&key, t0), Ok(()));
        }
        let wait = limiter.check(&key, t0).unwrap_err();
        assert!(wait > Duration::from_millis(900) && wait <= Duration::from_secs(1));
        assert_eq!(
            limiter.check(&other, t0),
            Ok(()),
            "another key has its own bucket"
        );
        assert_eq!(limiter.check(&key, t0 + Duration::from_secs(1)), Ok(()));
        assert!(limiter.check(&key, t0 + Duration::from_secs(1)).is_err());
    }

    #[test]
    fn idle_buckets_are_forgotten_and_zero_means_no_limit() {
        let limiter = RateLimiter::new(60, 2);
        let t0 = Instant::now();
        limiter.check(&[1; 32], t0).unwrap();
        limiter.forget_idle(t0);
        assert_eq!(limiter.tracked(), 1);
        limiter.forget_idle(t0 + Duration::from_secs(2));
        assert_eq!(limiter.tracked(), 0);

        let unlimited = RateLimiter::new(0, 1);
        for _ in 0..1000 {
            assert_eq!(unlimited.check(&[1; 32], t0), Ok(()));
        }
        assert_eq!(unlimited.tracked(), 0);
    }
}
