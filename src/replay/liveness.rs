//! Noticing at once that a browser or one of its pages died — the browser process exited, the
//! DevTools connection dropped, a page's renderer crashed or was detached — so that the browser
//! step waiting on it fails then, instead of at its timeout.
//!
//! An [`Alarm`] is raised once, with the reason; [`Watch`] is what a browser step holds to race
//! its work against the alarms of its page and of its browser.

use super::ReplayError;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use tokio::sync::watch;

/// A one-shot alarm carrying why something died. The first reason raised is kept.
#[derive(Debug)]
pub struct Alarm {
    tx: watch::Sender<Option<String>>,
}

impl Default for Alarm {
    fn default() -> Self {
        Alarm {
            tx: watch::Sender::new(None),
        }
    }
}

impl Alarm {
    /// Raises the alarm (unless it was raised already).
    pub fn raise(&self, why: impl Into<String>) {
        let why = why.into();
        self.tx.send_if_modified(|current| {
            if current.is_some() {
                return false;
            }
            *current = Some(why);
            true
        });
    }

    /// Why it was raised, if it was.
    pub fn reason(&self) -> Option<String> {
        self.tx.borrow().clone()
    }

    pub fn subscribe(&self) -> watch::Receiver<Option<String>> {
        self.tx.subscribe()
    }
}

/// Resolves with the reason once the alarm behind `rx` is raised; never, if it never is.
async fn raised(mut rx: watch::Receiver<Option<String>>) -> String {
    let why = rx
        .wait_for(Option::is_some)
        .await
        .ok()
        .and_then(|w| w.clone());
    match why {
        Some(why) => why,
        None => std::future::pending().await,
    }
}

/// The step timeout and the alarms a browser step races against.
#[derive(Clone)]
pub struct Watch {
    pub timeout: Duration,
    alarms: Vec<watch::Receiver<Option<String>>>,
}

impl Watch {
    pub fn new(timeout: Duration, alarms: &[&Alarm]) -> Self {
        Watch {
            timeout,
            alarms: alarms.iter().map(|a| a.subscribe()).collect(),
        }
    }

    /// The same, also watching `alarm`.
    pub fn and(&self, alarm: &Alarm) -> Self {
        let mut w = self.clone();
        w.alarms.push(alarm.subscribe());
        w
    }

    /// The same alarms with another timeout.
    pub fn with_timeout(&self, timeout: Duration) -> Self {
        Watch {
            timeout,
            alarms: self.alarms.clone(),
        }
    }

    /// Runs `fut` until it finishes, the step timeout passes, or an alarm is raised, naming the
    /// step in the error.
    pub async fn step<T, E: std::fmt::Display>(
        &self,
        what: &str,
        fut: impl Future<Output = Result<T, E>>,
    ) -> Result<T, ReplayError> {
        let mut alarms: Vec<Pin<Box<dyn Future<Output = String> + Send>>> = self
            .alarms
            .iter()
            .cloned()
            .map(|rx| Box::pin(raised(rx)) as _)
            .collect();
        alarms.push(Box::pin(std::future::pending()));
        let alarms = futures::future::select_all(alarms);
        tokio::select! {
            biased;
            done = tokio::time::timeout(self.timeout, fut) => match done {
                Ok(Ok(v)) => Ok(v),
                Ok(Err(e)) => Err(ReplayError::Browser(format!("{what}: {e}"))),
                Err(_) => Err(ReplayError::Timeout {
                    step: what.to_string(),
                    after: self.timeout,
                }),
            },
            (why, _, _) = alarms => Err(ReplayError::Crashed {
                step: what.to_string(),
                reason: why,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn a_raised_alarm_ends_the_step_at_once() {
        let page = Alarm::default();
        let browser = Alarm::default();
        let watch = Watch::new(Duration::from_secs(30), &[&browser]).and(&page);
        let forever = std::future::pending::<Result<(), String>>();
        let started = std::time::Instant::now();
        let (result, ()) = tokio::join!(watch.step("seeking", forever), async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            page.raise("the page's renderer crashed");
            page.raise("a later reason is ignored");
        });
        assert!(started.elapsed() < Duration::from_secs(5));
        match result {
            Err(ReplayError::Crashed { step, reason }) => {
                assert_eq!(step, "seeking");
                assert_eq!(reason, "the page's renderer crashed");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            page.reason().as_deref(),
            Some("the page's renderer crashed")
        );
        assert!(browser.reason().is_none());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn without_alarms_steps_finish_or_time_out() {
        let watch = Watch::new(Duration::from_millis(50), &[]);
        assert_eq!(
            watch.step("x", async { Ok::<_, String>(5) }).await.unwrap(),
            5
        );
        let hang = watch
            .step("hanging", std::future::pending::<Result<(), String>>())
            .await;
        assert!(matches!(hang, Err(ReplayError::Timeout { .. })), "{hang:?}");
    }
}
