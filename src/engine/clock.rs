//! Time, injected: the engine never reads the system clock itself.
//!
//! The browser passes a clock backed by `Date.now()`, the native server a [`SystemClock`], and
//! tests and lessons a [`VirtualClock`] they advance by hand, so expiry and blocking timeouts
//! are deterministic.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// A source of wall-clock time in microseconds since the Unix epoch.
pub trait Clock: Send {
    fn now_us(&self) -> i64;
    fn now_ms(&self) -> i64 {
        self.now_us().div_euclid(1000)
    }
}

/// The operating system's clock (native builds only: `SystemTime` panics on wasm32).
#[cfg(not(target_arch = "wasm32"))]
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

#[cfg(not(target_arch = "wasm32"))]
impl Clock for SystemClock {
    fn now_us(&self) -> i64 {
        match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => d.as_micros() as i64,
            Err(_) => 0,
        }
    }
}

/// A clock that only moves when told to. Clones share the same time.
#[derive(Clone, Debug)]
pub struct VirtualClock {
    us: Arc<AtomicI64>,
}

impl VirtualClock {
    /// A virtual clock starting at `start_ms` milliseconds since the epoch.
    pub fn new(start_ms: i64) -> Self {
        VirtualClock { us: Arc::new(AtomicI64::new(start_ms.saturating_mul(1000))) }
    }
    pub fn advance_ms(&self, ms: i64) {
        self.us.fetch_add(ms.saturating_mul(1000), Ordering::SeqCst);
    }
    pub fn advance_us(&self, us: i64) {
        self.us.fetch_add(us, Ordering::SeqCst);
    }
    pub fn set_ms(&self, ms: i64) {
        self.us.store(ms.saturating_mul(1000), Ordering::SeqCst);
    }
}

impl Default for VirtualClock {
    /// 2024-01-01T00:00:00Z, a fixed and readable starting point.
    fn default() -> Self {
        VirtualClock::new(1_704_067_200_000)
    }
}

impl Clock for VirtualClock {
    fn now_us(&self) -> i64 {
        self.us.load(Ordering::SeqCst)
    }
}

/// A clock backed by any function returning milliseconds (the browser's `Date.now()`).
pub struct FnClock<F: Fn() -> f64 + Send>(pub F);

impl<F: Fn() -> f64 + Send> Clock for FnClock<F> {
    fn now_us(&self) -> i64 {
        ((self.0)() * 1000.0) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_clock_is_shared_and_advances() {
        let c = VirtualClock::new(1000);
        let c2 = c.clone();
        c.advance_ms(500);
        assert_eq!(c2.now_ms(), 1500);
        c2.advance_us(1500);
        assert_eq!(c.now_us(), 1_501_500);
    }
}
