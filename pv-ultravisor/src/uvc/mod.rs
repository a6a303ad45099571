//! The command handlers: one file per UVC (uv-spec.md §1.4), each with its checks in the
//! order uv-spec.md §1.6 lists them, every check commented with its rule. The generic
//! checks (privilege, I3, UVCB access, command, length, initialization, handle) have
//! already been done by [`crate::dispatch`].

mod add_secret;
mod attest;
mod convert_from_secure;
mod convert_to_secure;
mod cpu_reset;
mod create_config;
mod create_cpu;
mod destroy_config;
mod destroy_cpu;
mod destroy_page;
mod dump;
mod init;
mod list_secrets;
mod lock_secrets;
mod pin_shared;
mod prepare_reset;
mod query;
mod query_keys;
mod retrieve_secret;
mod set_cpu_state;
mod set_params;
mod share;
mod unpack;
mod unpin_shared;
mod unshare_all;
mod verify;

use pv_core::uvc::{UvcCmd, rc};

use crate::dispatch::{Call, Response};
use crate::error::Result;
use crate::sec_cpu::ResetKind;
use crate::ultravisor::Ultravisor;

/// Runs the handler of `call.cmd`.
pub(crate) fn handle(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    use UvcCmd as C;
    match call.cmd {
        C::Qui => query::qui(uv, call),
        C::QueryKeys => query_keys::query_keys(uv, call),
        C::Init => init::init(uv, call),
        C::CreateConfig => create_config::create_config(uv, call),
        C::DestroyConfig | C::DestroyConfigFast => destroy_config::destroy_config(uv, call),
        C::CreateCpu => create_cpu::create_cpu(uv, call),
        C::DestroyCpu => destroy_cpu::destroy_cpu(uv, call),
        C::ConvertToSecure => convert_to_secure::convert_to_secure(uv, call),
        C::ConvertFromSecure => convert_from_secure::convert_from_secure(uv, call),
        C::DestroyPage => destroy_page::destroy_page(uv, call),
        C::SetParams => set_params::set_params(uv, call),
        C::Unpack => unpack::unpack(uv, call),
        C::Verify => verify::verify(uv, call),
        C::CpuReset => cpu_reset::cpu_reset(uv, call, ResetKind::Normal),
        C::CpuResetInitial => cpu_reset::cpu_reset(uv, call, ResetKind::Initial),
        C::CpuResetClear => cpu_reset::cpu_reset(uv, call, ResetKind::Clear),
        C::PrepareReset => prepare_reset::prepare_reset(uv, call),
        C::SetCpuState => set_cpu_state::set_cpu_state(uv, call),
        C::UnshareAll => unshare_all::unshare_all(uv, call),
        C::PinShared => pin_shared::pin_shared(uv, call),
        C::UnpinShared => unpin_shared::unpin_shared(uv, call),
        C::DumpInit => dump::dump_init(uv, call),
        C::DumpStorState => dump::dump_stor_state(uv, call),
        C::DumpCpu => dump::dump_cpu(uv, call),
        C::DumpComplete => dump::dump_complete(uv, call),
        C::SetShared => share::set_shared(uv, call),
        C::RemoveShared => share::remove_shared(uv, call),
        C::Attest => attest::attest(uv, call),
        C::AddSecret => add_secret::add_secret(uv, call),
        C::ListSecrets => list_secrets::list_secrets(uv, call),
        C::LockSecrets => lock_secrets::lock_secrets(uv, call),
        C::RetrieveSecret => retrieve_secret::retrieve_secret(uv, call),
        _ => Ok(Response::rc(rc::INV_CMD)),
    }
}

/// Truncates an address to its page.
pub(crate) const fn page_of(addr: u64) -> u64 {
    addr & !(pv_core::PAGE_SIZE_U64 - 1)
}
