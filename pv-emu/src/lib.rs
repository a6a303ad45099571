//! pv-emu
