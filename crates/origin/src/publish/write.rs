//! Writing a generation: each file with its `.br` and `.gz`, the version
//! directory built aside and renamed into place, the search directory if
//! new, then the pointer (atomically), then pruning what is past its grace.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::Context;
use rayon::prelude::*;

use super::build::{json, File, Generation};

/// Search shards are written once per commune list, so they get the best
/// compression.
const SEARCH_BROTLI_QUALITY: u32 = 11;

/// The smallest brotli window (log2, 10 to 22) that holds the whole body:
/// compresses as well as a larger one, and the encoder's tables (at
/// quality 11, tens of megabytes for a 4 MB window) are sized by it.
fn brotli_window(len: usize) -> u32 {
    (10..22).find(|w| (1usize << w) - 16 >= len).unwrap_or(22)
}

/// A file and its two precompressed variants.
pub fn compressed(body: &[u8], brotli_quality: u32) -> (Vec<u8>, Vec<u8>) {
    let mut br = Vec::with_capacity(body.len() / 4);
    {
        let window = brotli_window(body.len());
        let mut w = brotli::CompressorWriter::new(&mut br, 4096, brotli_quality, window);
        w.write_all(body).expect("in-memory write");
    }
    let mut gz = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 3),
        flate2::Compression::new(6),
    );
    gz.write_all(body).expect("in-memory write");
    (br, gz.finish().expect("in-memory write"))
}

fn write_with_variants(root: &Path, files: &[File], brotli_quality: u32) -> anyhow::Result<u64> {
    let written: Vec<u64> = files
        .par_iter()
        .map(|f| -> anyhow::Result<u64> {
            let path = root.join(&f.path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let (br, gz) = compressed(&f.body, brotli_quality);
            std::fs::write(&path, &f.body)
                .with_context(|| format!("writing {}", path.display()))?;
            std::fs::write(with_suffix(&path, ".br"), &br)?;
            std::fs::write(with_suffix(&path, ".gz"), &gz)?;
            Ok((f.body.len() + br.len() + gz.len()) as u64)
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(written.into_iter().sum())
}

/// Write `.br` and `.gz` beside every compressible file of a folder (the
/// built web app) where they are missing or older than the file.
pub fn precompress_dir(dir: &Path) -> anyhow::Result<usize> {
    let mut done = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in
            std::fs::read_dir(&folder).with_context(|| format!("reading {}", folder.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if !matches!(
                ext,
                "html" | "js" | "wasm" | "css" | "svg" | "json" | "txt" | "ics"
            ) {
                continue;
            }
            let modified = std::fs::metadata(&path)?.modified()?;
            let br = with_suffix(&path, ".br");
            let fresh = std::fs::metadata(&br)
                .and_then(|m| m.modified())
                .is_ok_and(|m| m >= modified);
            if fresh {
                continue;
            }
            let body = std::fs::read(&path)?;
            let (b, g) = compressed(&body, 11);
            std::fs::write(&br, b)?;
            std::fs::write(with_suffix(&path, ".gz"), g)?;
            done += 1;
        }
    }
    Ok(done)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// What one publication did.
#[derive(Debug)]
pub struct Published {
    pub version: String,
    pub files: usize,
    pub bytes: u64,
    pub pruned: usize,
    /// What was uploaded, with `--publish-to`.
    pub uploaded: Option<super::Uploaded>,
}

/// Write a generation: version directory (built aside, then renamed into
/// place), the search directory if new, then the pointer, then pruning.
pub fn write(
    generation: &Generation,
    out: &Path,
    brotli_quality: u32,
    grace: Duration,
) -> anyhow::Result<Published> {
    let versions = out.join("v");
    std::fs::create_dir_all(&versions)
        .with_context(|| format!("creating {}", versions.display()))?;
    let mut bytes = 0;

    // Search shards: content-addressed, written once.
    let search = out.join(&generation.search_dir);
    if !search.exists() {
        let staging = out.join(format!("{}.tmp", generation.search_dir));
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir_all(&staging)?;
        let files: Vec<File> = generation
            .search_files
            .iter()
            .map(|f| File {
                path: f.path.replacen(
                    &generation.search_dir,
                    &format!("{}.tmp", generation.search_dir),
                    1,
                ),
                body: f.body.clone(),
            })
            .collect();
        bytes += write_with_variants(out, &files, SEARCH_BROTLI_QUALITY)?;
        std::fs::rename(&staging, &search)?;
    }

    // The version directory appears whole or not at all.
    let version = &generation.pointer.version;
    let staging_name = format!(".tmp-{version}");
    let staged: Vec<File> = generation
        .version_files
        .iter()
        .map(|f| File {
            path: f
                .path
                .replacen(&format!("v/{version}"), &format!("v/{staging_name}"), 1),
            body: f.body.clone(),
        })
        .collect();
    let staging = versions.join(&staging_name);
    let _ = std::fs::remove_dir_all(&staging);
    bytes += write_with_variants(out, &staged, brotli_quality)?;
    std::fs::rename(&staging, versions.join(version))
        .context("moving the generation into place")?;

    // The pointer: each variant replaced by rename, so a reader gets the old
    // or the new one whole.
    let body = json(&generation.pointer);
    let (br, gz) = compressed(&body, brotli_quality);
    for (suffix, content) in [(".br", &br), (".gz", &gz), ("", &body)] {
        let target = out.join(format!("latest.json{suffix}"));
        let tmp = out.join(format!(".latest.json{suffix}.tmp"));
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(content)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &target)?;
    }
    bytes += (body.len() + br.len() + gz.len()) as u64;
    // The SMART Scheduling Links manifest at its stable address, swapped
    // the same way once the files it names are in place.
    match &generation.smart_manifest {
        Some(body) => {
            let tmp = out.join(".$bulk-publish.tmp");
            std::fs::write(&tmp, body)?;
            std::fs::rename(&tmp, out.join("$bulk-publish"))?;
        }
        // Turned off: no manifest naming files that will be pruned.
        None => match std::fs::remove_file(out.join("$bulk-publish")) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        },
    }
    // The grace period of the generation this one replaces counts from now,
    // when readers start to see the new pointer: stamp the directory so
    // (its own time is when staging last added an entry, possibly long ago).
    std::fs::File::open(versions.join(version))
        .and_then(|dir| dir.set_modified(SystemTime::now()))
        .context("stamping the generation's publication time")?;
    let pruned = prune(out, version, &generation.search_dir, grace)?;
    Ok(Published {
        version: version.clone(),
        files: 3 * (generation.version_files.len() + 1),
        bytes,
        pruned,
        uploaded: None,
    })
}

/// Remove generations (and search directories) superseded more than
/// `grace` ago; the current one is always kept.
fn prune(
    out: &Path,
    current: &str,
    current_search: &str,
    grace: Duration,
) -> anyhow::Result<usize> {
    let now = SystemTime::now();
    let mut pruned = 0;
    let mut versions: Vec<(String, SystemTime)> = Vec::new();
    for entry in std::fs::read_dir(out.join("v"))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_string();
        let modified = entry.metadata()?.modified()?;
        if name.starts_with(".tmp-") {
            if now.duration_since(modified).unwrap_or_default() > grace {
                std::fs::remove_dir_all(entry.path())?;
            }
            continue;
        }
        versions.push((name, modified));
    }
    versions.sort();
    // A version is superseded when the next one was published; it may go
    // once that successor is older than the grace period.
    for pair in versions.windows(2) {
        let (old, successor) = (&pair[0], &pair[1]);
        if old.0 != current && now.duration_since(successor.1).unwrap_or_default() > grace {
            std::fs::remove_dir_all(out.join("v").join(&old.0))?;
            pruned += 1;
        }
    }
    if let Ok(entries) = std::fs::read_dir(out.join("search")) {
        let current_name = current_search.trim_start_matches("search/");
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().to_string();
            let age = now
                .duration_since(entry.metadata()?.modified()?)
                .unwrap_or_default();
            if name != current_name && age > grace * 2 {
                std::fs::remove_dir_all(entry.path())?;
                pruned += 1;
            }
        }
    }
    Ok(pruned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn the_brotli_window_holds_the_body_and_round_trips() {
        assert_eq!(brotli_window(0), 10);
        assert_eq!(brotli_window(1008), 10);
        assert_eq!(brotli_window(1009), 11);
        assert_eq!(brotli_window(50 << 20), 22);
        for len in [0, 700, 5_000, 300_000] {
            let body: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let (br, gz) = compressed(&body, 11);
            let mut back = Vec::new();
            brotli::Decompressor::new(&br[..], 4096)
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, body, "{len} bytes through brotli");
            let mut back = Vec::new();
            flate2::read::GzDecoder::new(&gz[..])
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, body, "{len} bytes through gzip");
        }
    }
}
