//! The host side effects a machine has (DESIGN.md: side effects come in through small
//! traits with no-op implementations): the console behind the SCLP ASCII console event
//! (machine.md, "Console: SCLP") and the clock that sets the TOD clock at power-on.

use std::collections::VecDeque;

/// Where the guest's console output goes and its input comes from.
pub trait Console {
    /// The guest wrote `bytes` (the text of one ASCII console event buffer).
    fn output(&mut self, bytes: &[u8]);

    /// Input that is available now, without blocking.
    fn poll_input(&mut self) -> Option<Vec<u8>> {
        None
    }

    /// Blocks until input arrives; `None` when no input will ever arrive. Called only
    /// when nothing else in the machine can make progress.
    fn wait_input(&mut self) -> Option<Vec<u8>> {
        None
    }
}

/// A console that discards output and never has input.
#[derive(Debug, Clone, Copy, Default)]
pub struct NullConsole;

impl Console for NullConsole {
    fn output(&mut self, _bytes: &[u8]) {}
}

/// A console that collects output in memory and replays queued input (for tests).
#[derive(Debug, Clone, Default)]
pub struct BufferConsole {
    /// Everything the guest wrote.
    pub out: Vec<u8>,
    /// Input chunks handed to the guest one per poll.
    pub input: VecDeque<Vec<u8>>,
}

impl Console for BufferConsole {
    fn output(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    fn poll_input(&mut self) -> Option<Vec<u8>> {
        self.input.pop_front()
    }

    fn wait_input(&mut self) -> Option<Vec<u8>> {
        self.input.pop_front()
    }
}

/// A shared [`BufferConsole`] handle: the machine owns one clone, the test keeps the other.
#[derive(Debug, Clone, Default)]
pub struct SharedConsole(pub std::rc::Rc<std::cell::RefCell<BufferConsole>>);

impl SharedConsole {
    /// Everything the guest wrote so far, lossily as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.borrow().out).into_owned()
    }

    /// Queues an input chunk.
    pub fn push_input(&self, bytes: &[u8]) {
        self.0.borrow_mut().input.push_back(bytes.to_vec());
    }
}

impl Console for SharedConsole {
    fn output(&mut self, bytes: &[u8]) {
        self.0.borrow_mut().output(bytes);
    }

    fn poll_input(&mut self) -> Option<Vec<u8>> {
        self.0.borrow_mut().poll_input()
    }

    fn wait_input(&mut self) -> Option<Vec<u8>> {
        self.0.borrow_mut().wait_input()
    }
}

/// The source of the TOD clock value at power-on (afterwards the clock is virtual and
/// advances with executed instructions, pv-emu's `Model::tod_per_insn`).
pub trait Clock {
    /// The current TOD clock value (bit 51 = 1 microsecond, epoch 1900-01-01).
    fn tod(&self) -> u64;
}

/// A clock that always reads the same value (deterministic runs).
#[derive(Debug, Clone, Copy, Default)]
pub struct FixedClock(pub u64);

impl Clock for FixedClock {
    fn tod(&self) -> u64 {
        self.0
    }
}

/// TOD clock units per second (2^12 per microsecond).
pub const TOD_PER_SECOND: u64 = 1_000_000 << 12;

/// The TOD clock value of 1970-01-01 00:00:00 UTC.
pub const TOD_UNIX_EPOCH: u64 = 0x7d91_048b_ca00_0000;

/// The TOD clock value for a time given in microseconds since 1970.
pub const fn tod_from_unix_micros(us: u64) -> u64 {
    TOD_UNIX_EPOCH.wrapping_add(us << 12)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consoles_and_clock() {
        let shared = SharedConsole::default();
        let mut c = shared.clone();
        c.output(b"hi ");
        c.output(b"there");
        assert_eq!(shared.text(), "hi there");
        shared.push_input(b"x");
        assert_eq!(c.poll_input(), Some(b"x".to_vec()));
        assert_eq!(c.wait_input(), None);
        NullConsole.output(b"gone");
        assert_eq!(NullConsole.poll_input(), None);
        assert_eq!(FixedClock(5).tod(), 5);
        // 1970 + 1 s: the epoch value plus 4096 * 10^6.
        assert_eq!(tod_from_unix_micros(1_000_000), TOD_UNIX_EPOCH + TOD_PER_SECOND);
    }
}
