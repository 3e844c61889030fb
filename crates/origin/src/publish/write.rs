//! Writing a generation: each file not there yet with its `.br` and `.gz`
//! (the files are named by their content, so one already there is the
//! same), then the pointer (atomically), then removing what no pointer has
//! named for the grace period ([`Retention`]).

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::Context;
use rayon::prelude::*;

use super::build::{json, File, Generation};
use super::retention::Retention;

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
    /// Files written, twins and pointer included.
    pub files: usize,
    pub bytes: u64,
    /// Files the generation names that were there already.
    pub unchanged: usize,
    /// Files removed, their grace period over (twins not counted).
    pub pruned: usize,
    /// What was uploaded, with `--publish-to`.
    pub uploaded: Option<super::Uploaded>,
    /// The centres with free places, for the alerts.
    pub openings: Vec<creneau_model::alerts::Opening>,
}

/// Write `body` at `path` by rename, so a reader or a crash sees the old
/// file or the new one whole, never part of one.
fn write_whole(path: &Path, body: &[u8], sync: bool) -> anyhow::Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let mut file =
        std::fs::File::create(&tmp).with_context(|| format!("writing {}", tmp.display()))?;
    file.write_all(body)
        .with_context(|| format!("writing {}", tmp.display()))?;
    if sync {
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Write the generation's files not there yet, each with its twins (the
/// plain file last: its presence says the twins are there), in parallel.
/// Files written and bytes, and files already there.
fn write_new_files(
    out: &Path,
    files: &[File],
    brotli_quality: u32,
) -> anyhow::Result<(usize, u64, usize)> {
    let written: Vec<Option<u64>> = files
        .par_iter()
        .map(|f| -> anyhow::Result<Option<u64>> {
            let path = out.join(&f.path);
            if path.exists() {
                return Ok(None);
            }
            let Some(body) = &f.body else {
                // Reused from the previous generation, which wrote it; it
                // went since (removed by hand, a disk restored).
                anyhow::bail!(
                    "{} is missing though the previous generation wrote it; the next generation writes every file again",
                    path.display()
                );
            };
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating {}", parent.display()))?;
            }
            // Search shards are written once per commune list: the best
            // compression is worth its time.
            let quality = if f.path.starts_with("search/") {
                SEARCH_BROTLI_QUALITY
            } else {
                brotli_quality
            };
            let (br, gz) = compressed(body, quality);
            write_whole(&with_suffix(&path, ".br"), &br, false)?;
            write_whole(&with_suffix(&path, ".gz"), &gz, false)?;
            write_whole(&path, body, false)?;
            Ok(Some((body.len() + br.len() + gz.len()) as u64))
        })
        .collect::<anyhow::Result<_>>()?;
    let new: Vec<u64> = written.iter().flatten().copied().collect();
    Ok((3 * new.len(), new.iter().sum(), written.len() - new.len()))
}

/// Write a generation: the files not there yet, then the pointer
/// (atomically), then remove what no pointer has named for `grace`.
pub fn write(
    generation: &Generation,
    out: &Path,
    brotli_quality: u32,
    grace: Duration,
    retention: &mut Retention,
) -> anyhow::Result<Published> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let (mut files, mut bytes, unchanged) =
        write_new_files(out, &generation.files, brotli_quality)?;

    // The pointer: each variant replaced by rename, so a reader gets the old
    // or the new one whole; the plain one last and synced.
    let body = json(&generation.pointer);
    let (br, gz) = compressed(&body, brotli_quality);
    for (suffix, content) in [(".br", &br), (".gz", &gz), ("", &body)] {
        write_whole(&out.join(format!("latest.json{suffix}")), content, true)?;
    }
    files += 3;
    bytes += (body.len() + br.len() + gz.len()) as u64;
    // The SMART Scheduling Links manifest at its stable address, swapped
    // the same way once the files it names are in place.
    match &generation.smart_manifest {
        Some(body) => write_whole(&out.join("$bulk-publish"), body, false)?,
        // Turned off: no manifest naming files that will be pruned.
        None => match std::fs::remove_file(out.join("$bulk-publish")) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        },
    }

    let referenced: HashSet<String> = generation.files.iter().map(|f| f.path.clone()).collect();
    let listed = retention
        .needs_listing()
        .then(|| list_files(out))
        .transpose()?;
    let expired = retention.published(referenced, listed, SystemTime::now(), grace);
    for path in &expired {
        remove_with_twins(out, path)?;
    }
    Ok(Published {
        version: generation.pointer.version.clone(),
        files,
        bytes,
        unchanged,
        pruned: expired.len(),
        uploaded: None,
        openings: Vec::new(),
    })
}

/// Every file of the snapshot folder but the pointer and the stable
/// manifest, twins folded into their original (relative paths).
fn list_files(out: &Path) -> anyhow::Result<Vec<String>> {
    let mut found = HashSet::new();
    let mut stack = vec![out.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in
            std::fs::read_dir(&folder).with_context(|| format!("reading {}", folder.display()))?
        {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                stack.push(path);
                continue;
            }
            let Ok(relative) = path.strip_prefix(out) else {
                continue;
            };
            let relative = relative.to_string_lossy();
            let original = relative
                .strip_suffix(".br")
                .or_else(|| relative.strip_suffix(".gz"))
                .unwrap_or(&relative);
            let stable = original.trim_start_matches('.');
            if folder == out
                && (stable.starts_with("latest.json") || stable.starts_with("$bulk-publish"))
            {
                continue;
            }
            found.insert(original.to_string());
        }
    }
    Ok(found.into_iter().collect())
}

/// Remove a file and its twins, then its folders left empty.
fn remove_with_twins(out: &Path, relative: &str) -> anyhow::Result<()> {
    let path = out.join(relative);
    for suffix in ["", ".br", ".gz"] {
        match std::fs::remove_file(with_suffix(&path, suffix)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("removing {}", path.display()))
            }
            _ => {}
        }
    }
    let mut folder = path.parent();
    while let Some(dir) = folder.filter(|d| *d != out && d.starts_with(out)) {
        // Fails, harmlessly, while the folder still holds something.
        if std::fs::remove_dir(dir).is_err() {
            break;
        }
        folder = dir.parent();
    }
    Ok(())
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
