//! SE boot images (se-format.md §3): writing ([`create_image`], [`write_image_file`];
//! feature `std`) and reading ([`ImageInfo`]).

#[cfg(feature = "std")]
mod file;
mod reader;
#[cfg(feature = "std")]
mod writer;

#[cfg(feature = "std")]
pub use file::{part_path, write_image_file};
pub use reader::{ImageInfo, ImageSource};
#[cfg(feature = "std")]
pub use writer::{CreateOptions, ImageInputs, ImageSummary, Input, create_image};
