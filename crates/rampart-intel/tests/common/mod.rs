//! Test support: where the shared corpus of real data is. The locator lives in
//! `rampart_formats::corpus`, a dev-dependency only: the intel library itself never depends on
//! the formats crate.

#![allow(unused_imports)]

pub use rampart_formats::corpus::{dir, file, files};
