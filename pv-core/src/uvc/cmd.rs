//! The UVC command set (uv-spec.md §1.4): code, issuer, bit in the QUI installed-calls
//! list, required UVCB length and the handle the UVCB carries, kept in ONE table
//! ([`UvcCmd::info`]).

/// Who may issue a command (uv-spec.md §1.4 "issuer").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Issuer {
    /// The host (hypervisor) only.
    Host,
    /// A secure guest only.
    Guest,
    /// Both.
    Both,
}

/// The rule for the UVCB header's `len` (uv-spec.md §1.2, §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LenRule {
    /// `len` must equal this value, else rc 0x0005.
    Exact(u16),
    /// Query UV Information: `len >= min`, else rc 0x0005; the UV writes up to
    /// `min(len, full)` bytes and answers rc 0x0100 when `len < full`.
    AtLeast {
        /// The smallest accepted length (0xa8).
        min: u16,
        /// The UV's full UVCB size (0x120).
        full: u16,
    },
}

impl LenRule {
    /// The largest number of bytes the UV reads or writes for this command.
    pub const fn max_len(self) -> u16 {
        match self {
            Self::Exact(n) => n,
            Self::AtLeast { full, .. } => full,
        }
    }
}

/// Which handle a UVCB carries at which offset; the dispatcher validates it before the
/// command's own checks (uv-spec.md §9 item 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HandleField {
    /// No handle (or an output handle).
    None,
    /// A secure-configuration (guest) handle at this offset; invalid → rc 0x0020.
    Config(usize),
    /// A secure-CPU handle at this offset; invalid → rc 0x0021.
    Cpu(usize),
}

/// Everything the command table says about one command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CmdInfo {
    /// The command.
    pub cmd: UvcCmd,
    /// Its name in uv-spec.md §1.4.
    pub name: &'static str,
    /// Who may issue it.
    pub issuer: Issuer,
    /// Its bit in the QUI installed-calls list (MSB0 over 4 doublewords); `None` where no
    /// source assigns one (Destroy Secure Storage).
    pub qui_bit: Option<u8>,
    /// The UVCB length rule.
    pub len: LenRule,
    /// The handle it carries.
    pub handle: HandleField,
}

macro_rules! commands {
    ($( $(#[$m:meta])* $var:ident = $code:literal, $name:literal, $issuer:ident, $bit:expr,
        $len:expr, $handle:expr; )*) => {
        /// A UVC command code (uv-spec.md §1.4).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum UvcCmd {
            $( $(#[$m])* $var = $code, )*
        }

        impl UvcCmd {
            /// Every command, in code order.
            pub const ALL: &'static [UvcCmd] = &[ $( UvcCmd::$var, )* ];

            /// The command with this code, if any.
            pub const fn from_code(code: u16) -> Option<Self> {
                match code {
                    $( $code => Some(Self::$var), )*
                    _ => None,
                }
            }

            /// The command table entry (uv-spec.md §1.4).
            pub const fn info(self) -> CmdInfo {
                match self {
                    $( Self::$var => CmdInfo {
                        cmd: self,
                        name: $name,
                        issuer: Issuer::$issuer,
                        qui_bit: $bit,
                        len: $len,
                        handle: $handle,
                    }, )*
                }
            }
        }
    };
}

use HandleField::{Config as Cfg, Cpu, None as NoH};
use LenRule::Exact;

/// The QUI length rule: at least 0xa8, full 0x120 (uv-spec.md §2).
pub const QUI_LEN: LenRule = LenRule::AtLeast { min: 0xa8, full: 0x120 };

commands! {
    /// Query Ultravisor Information.
    Qui = 0x0001, "Query Ultravisor Information", Both, Some(0), QUI_LEN, NoH;
    /// Query Ultravisor Keys.
    QueryKeys = 0x0002, "Query Ultravisor Keys", Host, Some(34), Exact(0x200), NoH;
    /// Initialize Ultravisor.
    Init = 0x000f, "Initialize Ultravisor", Host, Some(1), Exact(0x48), NoH;
    /// Create Secure Configuration.
    CreateConfig = 0x0100, "Create Secure Configuration", Host, Some(2), Exact(0x80), NoH;
    /// Destroy Secure Configuration.
    DestroyConfig = 0x0101, "Destroy Secure Configuration", Host, Some(3), Exact(0x40), Cfg(0x18);
    /// Destroy Secure Configuration Fast.
    DestroyConfigFast = 0x0102, "Destroy Secure Configuration Fast", Host, Some(23), Exact(0x48),
        Cfg(0x18);
    /// Create Secure CPU.
    CreateCpu = 0x0120, "Create Secure CPU", Host, Some(4), Exact(0x60), Cfg(0x20);
    /// Destroy Secure CPU.
    DestroyCpu = 0x0121, "Destroy Secure CPU", Host, Some(5), Exact(0x40), Cpu(0x18);
    /// Convert to Secure Storage (import).
    ConvertToSecure = 0x0200, "Convert to Secure Storage", Host, Some(6), Exact(0x28), Cfg(0x18);
    /// Convert from Secure Storage (export).
    ConvertFromSecure = 0x0201, "Convert from Secure Storage", Host, Some(7), Exact(0x20), NoH;
    /// Destroy Secure Storage (destroy page).
    DestroyPage = 0x0202, "Destroy Secure Storage", Host, None, Exact(0x20), NoH;
    /// Set Secure Configuration Parameters (set SE header).
    SetParams = 0x0300, "Set Secure Configuration Parameters", Host, Some(11), Exact(0x50),
        Cfg(0x18);
    /// Unpack.
    Unpack = 0x0301, "Unpack", Host, Some(13), Exact(0x50), Cfg(0x18);
    /// Verify Unpack.
    Verify = 0x0302, "Verify Unpack", Host, Some(14), Exact(0x40), Cfg(0x18);
    /// CPU Reset (normal).
    CpuReset = 0x0310, "CPU Reset", Host, Some(15), Exact(0x40), Cpu(0x18);
    /// CPU Reset Initial.
    CpuResetInitial = 0x0311, "CPU Reset Initial", Host, Some(16), Exact(0x40), Cpu(0x18);
    /// Prepare Reset.
    PrepareReset = 0x0320, "Prepare Reset", Host, Some(18), Exact(0x40), Cfg(0x18);
    /// CPU Reset Clear.
    CpuResetClear = 0x0321, "CPU Reset Clear", Host, Some(19), Exact(0x40), Cpu(0x18);
    /// Set CPU State.
    SetCpuState = 0x0330, "Set CPU State", Host, Some(17), Exact(0x50), Cpu(0x18);
    /// Set Unshare All.
    UnshareAll = 0x0340, "Set Unshare All", Host, Some(20), Exact(0x40), Cfg(0x18);
    /// Pin Page Shared.
    PinShared = 0x0341, "Pin Page Shared", Host, Some(21), Exact(0x20), NoH;
    /// Unpin Page Shared.
    UnpinShared = 0x0342, "Unpin Page Shared", Host, Some(22), Exact(0x28), Cfg(0x18);
    /// Dump Initialize.
    DumpInit = 0x0400, "Dump Initialize", Host, Some(24), Exact(0x40), Cfg(0x18);
    /// Dump Configuration Storage State.
    DumpStorState = 0x0401, "Dump Configuration Storage State", Host, Some(25), Exact(0x50),
        Cfg(0x18);
    /// Dump CPU.
    DumpCpu = 0x0402, "Dump CPU", Host, Some(26), Exact(0x50), Cpu(0x18);
    /// Dump Complete.
    DumpComplete = 0x0403, "Dump Complete", Host, Some(27), Exact(0x50), Cfg(0x18);
    /// Set Shared Access (guest).
    SetShared = 0x1000, "Set Shared Access", Guest, Some(8), Exact(0x30), NoH;
    /// Remove Shared Access (guest).
    RemoveShared = 0x1001, "Remove Shared Access", Guest, Some(9), Exact(0x30), NoH;
    /// Retrieve Attestation Measurement (guest).
    Attest = 0x1020, "Retrieve Attestation Measurement", Guest, Some(28), Exact(0x188), NoH;
    /// Add Secret (guest).
    AddSecret = 0x1031, "Add Secret", Guest, Some(29), Exact(0x48), NoH;
    /// List Secrets (guest).
    ListSecrets = 0x1033, "List Secrets", Guest, Some(30), Exact(0x48), NoH;
    /// Lock Secret Store (guest).
    LockSecrets = 0x1034, "Lock Secret Store", Guest, Some(31), Exact(0x40), NoH;
    /// Retrieve Secret (guest).
    RetrieveSecret = 0x1035, "Retrieve Secret", Guest, Some(33), Exact(0x48), NoH;
}

impl UvcCmd {
    /// The command code.
    pub const fn code(self) -> u16 {
        self as u16
    }
}

/// The installed-calls list (uv-spec.md §2, QUI+0x10): 256 bits, MSB0 over four
/// doublewords.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct InstalledCalls(pub [u64; 4]);

impl InstalledCalls {
    /// Sets bit `bit` (MSB0).
    pub const fn with(mut self, bit: u8) -> Self {
        let (w, b) = ((bit / 64) as usize, bit % 64);
        self.0[w] |= 1u64 << (63 - b);
        self
    }

    /// Whether bit `bit` (MSB0) is set.
    pub const fn has(&self, bit: u8) -> bool {
        let (w, b) = ((bit / 64) as usize, bit % 64);
        self.0[w] & (1u64 << (63 - b)) != 0
    }

    /// Whether `cmd` is installed: its bit is set (Destroy Secure Storage, which has no
    /// bit, counts as installed whenever Convert from Secure Storage is).
    pub const fn installs(&self, cmd: UvcCmd) -> bool {
        match cmd.info().qui_bit {
            Some(bit) => self.has(bit),
            None => self.has(7),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        for &c in UvcCmd::ALL {
            assert_eq!(UvcCmd::from_code(c.code()), Some(c));
            let i = c.info();
            assert!(i.len.max_len() >= 0x20, "{}", i.name);
            if let HandleField::Config(off) | HandleField::Cpu(off) = i.handle {
                assert!(off + 8 <= usize::from(i.len.max_len()));
            }
        }
        assert_eq!(UvcCmd::from_code(0x0003), None);
        assert_eq!(UvcCmd::Attest.info().len, Exact(0x188));
        assert_eq!(UvcCmd::CreateCpu.info().handle, HandleField::Config(0x20));
        // Bits are unique.
        let mut seen = InstalledCalls::default();
        for &c in UvcCmd::ALL {
            if let Some(b) = c.info().qui_bit {
                assert!(!seen.has(b), "bit {b} twice");
                seen = seen.with(b);
            }
        }
    }

    #[test]
    fn installed_bits_are_msb0() {
        let c = InstalledCalls::default().with(0).with(34).with(63).with(66);
        assert_eq!(c.0[0], 0x8000_0000_2000_0001);
        assert_eq!(c.0[1], 0x2000_0000_0000_0000);
        assert!(c.installs(UvcCmd::Qui) && c.installs(UvcCmd::QueryKeys));
        assert!(!c.installs(UvcCmd::Init) && !c.installs(UvcCmd::DestroyPage));
    }
}
