//! DIAGNOSE 288, the watchdog timer (rules as QEMU's `handle_diag_288` and
//! `hw/watchdog/wdt_diag288.c`): register R1 (even) holds the function, R1+1 the
//! timeout in seconds, R3 the action (must be 0). Function 0 arms the watchdog,
//! 1 changes the timeout of an armed one, 2 cancels it; a timeout below 15 seconds
//! (except for cancel), an odd R1, a nonzero action, changing or cancelling a disarmed
//! watchdog and unknown functions are specification exceptions.
//!
//! Time is the machine's virtual TOD clock; the machine checks [`Watchdog::deadline`]
//! and performs its configured [`crate::config::WatchdogAction`] on expiry.

use crate::host::TOD_PER_SECOND;

/// Watchdog functions.
pub mod function {
    /// Arm with a timeout.
    pub const INIT: u64 = 0;
    /// Change the timeout of an armed watchdog.
    pub const CHANGE: u64 = 1;
    /// Disarm.
    pub const CANCEL: u64 = 2;
}

/// The shortest timeout accepted, in seconds.
pub const MIN_TIMEOUT: u64 = 15;

/// A rejected DIAG 288: the caller raises a specification exception.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejected;

/// The watchdog of one machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Watchdog {
    deadline: Option<u64>,
}

impl Watchdog {
    /// The TOD value at which the armed watchdog expires.
    pub const fn deadline(&self) -> Option<u64> {
        self.deadline
    }

    /// Disarms (after expiry, or on a machine reset).
    pub fn disarm(&mut self) {
        self.deadline = None;
    }

    /// Executes DIAG 288 with the R1 field, the registers R1, R1+1 and R3, at TOD `now`.
    pub fn execute(
        &mut self,
        r1: u8,
        func: u64,
        timeout: u64,
        action: u64,
        now: u64,
    ) -> Result<(), Rejected> {
        if !r1.is_multiple_of(2) || action != 0 {
            return Err(Rejected);
        }
        if func != function::CANCEL && timeout < MIN_TIMEOUT {
            return Err(Rejected);
        }
        match func {
            function::INIT | function::CHANGE => {
                if func == function::CHANGE && self.deadline.is_none() {
                    return Err(Rejected);
                }
                let span = timeout.saturating_mul(TOD_PER_SECOND);
                self.deadline = Some(now.saturating_add(span));
                Ok(())
            }
            function::CANCEL => self.deadline.take().map(|_| ()).ok_or(Rejected),
            _ => Err(Rejected),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        let mut w = Watchdog::default();
        assert_eq!(w.execute(1, 0, 30, 0, 0), Err(Rejected), "odd R1");
        assert_eq!(w.execute(2, 0, 30, 1, 0), Err(Rejected), "action");
        assert_eq!(w.execute(2, 0, 14, 0, 0), Err(Rejected), "too short");
        assert_eq!(w.execute(2, 1, 30, 0, 0), Err(Rejected), "change while disarmed");
        assert_eq!(w.execute(2, 2, 0, 0, 0), Err(Rejected), "cancel while disarmed");
        assert_eq!(w.execute(2, 3, 30, 0, 0), Err(Rejected), "unknown function");
        assert_eq!(w.execute(2, 0, 15, 0, 100), Ok(()));
        assert_eq!(w.deadline(), Some(100 + 15 * TOD_PER_SECOND));
        assert_eq!(w.execute(4, 1, 20, 0, 200), Ok(()));
        assert_eq!(w.deadline(), Some(200 + 20 * TOD_PER_SECOND));
        assert_eq!(w.execute(0, 2, 0, 0, 300), Ok(()));
        assert_eq!(w.deadline(), None);
        w.execute(2, 0, 15, 0, 0).unwrap();
        w.disarm();
        assert_eq!(w, Watchdog::default());
    }
}
