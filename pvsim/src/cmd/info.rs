//! `pvsim image info`: pvimg's `info` (se-format.md §5, §6.1-6.2), on a full image or a
//! bare header.

use std::io::{Cursor, IsTerminal, Read, Seek};
use std::path::Path;

use pv_header::hdr::SeHdr;

use crate::cli::InfoArgs;
use crate::error::CliError;
use crate::files::read_key;
use pv_header::info::{Format, InfoView, NOT_VERIFIED_WARNING};

/// Reads the SE header of an image or header file, without reading the whole image.
pub fn read_header(path: &Path) -> Result<SeHdr, CliError> {
    let mut f = std::fs::File::open(path).map_err(|e| CliError::io(path, e))?;
    Ok(read_header_from(&mut f)?)
}

fn read_header_from<R: Read + Seek>(f: &mut R) -> pv_header::Result<SeHdr> {
    pv_header::hdr::read_from(f).map(|(_, hdr)| hdr)
}

/// Says (on stderr, so stdout stays pvimg's) when a full image has no boot loader: pvsim's
/// own loaders come later, and until then its images are not bootable.
fn note_missing_loader<R: Read + Seek>(f: &mut R) {
    if f.rewind().is_err() {
        return;
    }
    if let Ok(img) = pv_ipl::image::ImageInfo::read_from(f)
        && img.metadata.is_some()
        && !img.loader_present
    {
        eprintln!(
            "NOTE: this image has no boot loader (stage3a/stage3b) yet, so it cannot be \
             booted; the header and components are complete"
        );
    }
}

/// The host name for the JSON `meta` object.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "unknown".into())
}

/// Renders the info document for `hdr` (opened with `hdr_key` if given).
pub fn render(
    hdr: &SeHdr,
    hdr_key: Option<&pv_header::secret::Secret<32>>,
    show_secrets: bool,
    format: Format,
) -> Result<String, CliError> {
    let dec = match hdr_key {
        Some(k) => Some(hdr.open(k)?),
        None => None,
    };
    let shown = if show_secrets { dec.as_ref() } else { None };
    let v = InfoView::new(hdr, dec.is_some(), shown);
    Ok(match format {
        Format::Text => pv_header::info::to_text(&v, false),
        Format::TextFull => pv_header::info::to_text(&v, true),
        Format::JsonPretty | Format::JsonMinify => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            let mut s = pv_header::info::to_json(
                &v,
                pv_header::info::meta(
                    now,
                    &host_name(),
                    concat!("pvsim ", env!("CARGO_PKG_VERSION")),
                ),
                format,
            );
            s.push('\n');
            s
        }
    })
}

/// Runs `image info`.
pub fn run(a: &InfoArgs) -> Result<(), CliError> {
    if a.print_schema.is_some() {
        crate::out::text(pv_header::info::SCHEMA_V1)?;
        return Ok(());
    }
    let input = a.input.as_deref().ok_or(CliError::Usage("image info needs an INPUT"))?;
    let format = match &a.format {
        Some(f) => Format::parse(f).ok_or(CliError::Usage(
            "invalid value for --format: use text, text:full, json, json:pretty or json:minify",
        ))?,
        None if std::io::stdout().is_terminal() => Format::Text,
        None => Format::JsonPretty,
    };
    // The header search seeks: a regular file is read where needed, anything else (a pipe,
    // `/dev/stdin`, a FIFO) is read into memory first, as the header may sit anywhere
    // the image's metadata says.
    let mut f = std::fs::File::open(input).map_err(|e| CliError::io(input, e))?;
    let hdr = if f.metadata().is_ok_and(|m| m.is_file()) {
        let hdr = read_header_from(&mut f)?;
        note_missing_loader(&mut f);
        hdr
    } else {
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).map_err(|e| CliError::io(input, e))?;
        let mut image = Cursor::new(bytes);
        let hdr = read_header_from(&mut image)?;
        note_missing_loader(&mut image);
        hdr
    };
    let key = a.hdr_key.as_deref().map(read_key::<32>).transpose()?;
    if key.is_none() {
        eprintln!("{NOT_VERIFIED_WARNING}");
    }
    let out = render(&hdr, key.as_ref(), a.show_secrets, format)?;
    crate::out::text(&out)?;
    Ok(())
}
