//! Building an image from the `create` options: keys, flags and component checks here,
//! the layout and the bytes in `pv_ipl::image::create_image`.

use std::fs::File;
use std::io::Cursor;

use pv_core::Psw;
use pv_header::hdr::SeHdrBuilder;
use pv_header::rand::OsRandom;
use pv_ipl::image::{CreateOptions, ImageInputs, create_image, write_image_file};

use crate::cli::CreateArgs;
use crate::cmd::create::{check_kernel, cmdline_component, control_flags};
use crate::cmd::parse_u64;
use crate::error::CliError;
use crate::files::{read_file, read_key};

/// Builds the image `a` describes and writes it atomically.
pub fn create_image_from_args(a: &CreateArgs) -> Result<pv_ipl::image::ImageSummary, CliError> {
    if !a.overwrite && a.output.exists() {
        return Err(CliError::OutputExists(a.output.clone()));
    }
    let (pcf, scf) = control_flags(&a.flags, a.x_pcf.as_deref(), a.x_scf.as_deref())?;
    let max_cmdline = if a.no_component_check {
        eprintln!("WARNING: The component check is turned off!");
        None
    } else {
        Some(check_kernel(&a.kernel)?)
    };
    // More than 95 keys: the header builder refuses, with pvimg's message.
    let hkds = crate::cmd::hkd::load_verified(&a.certs)?;

    // Placeholder PSW: the writer sets the real entry once the layout is known.
    let mut builder = SeHdrBuilder::new(hkds.iter().map(|h| *h.public_key()), Psw::new_64bit(0))
        .pcf(pcf)
        .scf(scf);
    if let Some(p) = &a.cck {
        builder = builder.cck(read_key::<32>(p)?);
    }
    if let Some(p) = &a.hdr_key {
        builder = builder.prot_key(read_key::<32>(p)?);
    }
    if let Some(p) = &a.image_key {
        builder = builder.xts_key(read_key::<64>(p)?);
    }
    let options = CreateOptions {
        header_psw: a
            .x_psw
            .as_deref()
            .map(|x| parse_u64("--x-psw", x))
            .transpose()?
            .map(Psw::new_64bit),
        ..CreateOptions::default()
    };

    let mut kernel = File::open(&a.kernel).map_err(|e| CliError::io(&a.kernel, e))?;
    let mut ramdisk = match &a.ramdisk {
        Some(p) => Some(File::open(p).map_err(|e| CliError::io(p, e))?),
        None => None,
    };
    let mut cmdline = match &a.parmfile {
        Some(p) => Some(Cursor::new(cmdline_component(read_file(p)?, max_cmdline)?)),
        None => None,
    };
    let summary = write_image_file(&a.output, a.overwrite, |out| {
        let inputs = ImageInputs {
            kernel: &mut kernel,
            ramdisk: ramdisk.as_mut().map(|r| r as _),
            cmdline: cmdline.as_mut().map(|r| r as _),
            stage3a: (!a.x_no_loaders).then_some(pv_ipl::loaders::STAGE3A),
            stage3b: (!a.x_no_loaders).then_some(pv_ipl::loaders::STAGE3B),
        };
        create_image(out, builder, inputs, &options, &mut OsRandom)
    })?;
    Ok(summary)
}
