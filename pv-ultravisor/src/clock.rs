//! The ultravisor's view of the host clock (DESIGN.md: side effects come in through small
//! traits). The only rule that needs it is the CPU-timer rule of uv-spec.md §5.1: the host
//! may not raise a secure CPU's timer, nor lower it by more than the time the CPU spent
//! outside SIE. The default [`VirtualClock`] counts only the TOD units the secure guests
//! execute, so with it no time passes outside SIE and every lowering is refused; a test
//! (or a host model with a real clock) plugs in its own.

/// A TOD clock (bit 51 ticks once per microsecond).
pub trait UvClock {
    /// The TOD value now.
    fn now(&mut self) -> u64;
    /// Called when a secure CPU executed for `tod` TOD units inside SIE. A clock that
    /// runs by itself ignores it.
    fn advance(&mut self, _tod: u64) {}
}

/// The default clock: advanced only by the guests' executed instructions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VirtualClock {
    /// The TOD value.
    pub tod: u64,
}

impl UvClock for VirtualClock {
    fn now(&mut self) -> u64 {
        self.tod
    }

    fn advance(&mut self, tod: u64) {
        self.tod = self.tod.wrapping_add(tod);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_clock_runs_with_the_guests() {
        let mut c = VirtualClock::default();
        assert_eq!(c.now(), 0);
        c.advance(0x1000);
        c.advance(0x10);
        assert_eq!(c.now(), 0x1010);
    }
}
