//! A pool of browsers: launched ones (`--browsers K`) or attached ones (`--browser-ws URL,...`).
//! Work is spread over the slots; a slot whose browser crashed or hangs is replaced (relaunched or
//! reattached) once per failure, however many tasks noticed it.

use super::ReplayError;
use super::chrome::{BrowserInfo, BrowserOptions, BrowserSession};
use std::sync::Arc;
use tokio::sync::Mutex;

struct Slot {
    ws: Option<String>,
    /// The current browser and how many times it was replaced.
    current: Mutex<(Arc<BrowserSession>, u64)>,
}

pub struct BrowserPool {
    opts: BrowserOptions,
    slots: Vec<Slot>,
}

/// A browser handed out by the pool, with what is needed to report it broken.
#[derive(Clone)]
pub struct Lease {
    pub session: Arc<BrowserSession>,
    pub slot: usize,
    pub generation: u64,
}

impl BrowserPool {
    /// Starts (or attaches to) every browser of the pool.
    pub async fn start(opts: &BrowserOptions) -> Result<BrowserPool, ReplayError> {
        let targets: Vec<Option<String>> = if opts.browser_ws.is_empty() {
            vec![None; opts.browsers.max(1)]
        } else {
            opts.browser_ws.iter().cloned().map(Some).collect()
        };
        let mut slots: Vec<Slot> = Vec::with_capacity(targets.len());
        for ws in targets {
            match BrowserSession::start(opts, ws.as_deref()).await {
                Ok(session) => slots.push(Slot {
                    ws,
                    current: Mutex::new((Arc::new(session), 0)),
                }),
                Err(e) => {
                    for s in &slots {
                        s.current.lock().await.0.close().await;
                    }
                    return Err(e);
                }
            }
        }
        Ok(BrowserPool {
            opts: opts.clone(),
            slots,
        })
    }

    /// The browser of the slot that job `n` runs on.
    pub async fn lease(&self, n: usize) -> Lease {
        let slot = n % self.slots.len();
        let guard = self.slots[slot].current.lock().await;
        Lease {
            session: guard.0.clone(),
            slot,
            generation: guard.1,
        }
    }

    /// Whether the leased browser still works.
    pub async fn healthy(&self, lease: &Lease) -> bool {
        lease.session.is_healthy().await
    }

    /// Replaces the browser of a lease that failed, unless someone already did.
    pub async fn replace(&self, lease: &Lease) -> Result<(), ReplayError> {
        let slot = &self.slots[lease.slot];
        let mut guard = slot.current.lock().await;
        if guard.1 != lease.generation {
            return Ok(());
        }
        tracing::warn!(
            "browser {} crashed or hangs; starting a new one",
            guard.0.label
        );
        guard.0.kill();
        guard.0.close().await;
        let fresh = BrowserSession::start(&self.opts, slot.ws.as_deref()).await?;
        *guard = (Arc::new(fresh), guard.1 + 1);
        Ok(())
    }

    /// What the pool's browsers are, each kind once, in slot order: more than one when the
    /// browsers attached to are not all the same.
    pub async fn browsers(&self) -> Vec<BrowserInfo> {
        let mut out: Vec<BrowserInfo> = Vec::new();
        for s in &self.slots {
            let info = s.current.lock().await.0.info.clone();
            if !out.contains(&info) {
                out.push(info);
            }
        }
        out
    }

    /// Closes every browser.
    pub async fn close(&self) {
        for s in &self.slots {
            s.current.lock().await.0.close().await;
        }
    }
}
