//! Login rate limiting: a token bucket per key (user name, client address), in memory.
//!
//! Each bucket holds `burst` attempts and refills one every `period / burst`. Buckets that
//! are full again are forgotten, so memory is bounded by the keys tried in one period.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Token buckets by key.
#[derive(Debug)]
pub struct RateLimiter {
    burst: f64,
    per_second: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// At most `burst` attempts at once, `burst` per `period` in the long run.
    pub fn new(burst: u32, period: Duration) -> RateLimiter {
        let burst = f64::from(burst.max(1));
        RateLimiter {
            burst,
            per_second: burst / period.as_secs_f64().max(0.001),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one attempt for `key` at `now`: `Ok` when allowed, else how long until the next.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > 10_000 {
            let (burst, rate) = (self.burst, self.per_second);
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.saturating_duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        let (tokens, at) = buckets.entry(key.to_string()).or_insert((self.burst, now));
        let refilled = (*tokens
            + now.saturating_duration_since(*at).as_secs_f64() * self.per_second)
            .min(self.burst);
        *at = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            Ok(())
        } else {
            *tokens = refilled;
            Err(Duration::from_secs_f64((1.0 - refilled) / self.per_second))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refill() {
        let rl = RateLimiter::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(rl.check("alice", t0).is_ok());
        }
        let wait = rl.check("alice", t0).unwrap_err();
        assert!(
            wait > Duration::from_secs(19) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert!(rl.check("bob", t0).is_ok(), "keys are independent");
        assert!(rl.check("alice", t0 + Duration::from_secs(21)).is_ok());
        assert!(rl.check("alice", t0 + Duration::from_secs(22)).is_err());
    }
}
