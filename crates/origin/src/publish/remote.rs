//! Publishing each generation to S3-compatible object storage
//! (`--publish-to s3://BUCKET/PREFIX`), so a CDN serves the snapshot from
//! there and the surge never reaches an origin.
//!
//! The generation is first written to the local folder as always; its
//! files and their `.br` and `.gz` twins are then uploaded from there,
//! each with its Content-Type, Content-Encoding and Cache-Control, in
//! parallel, skipping objects already present (every file is named by its
//! content, so one there is the same). The pointer
//! goes last, and only by compare-and-swap on the ETag it had when this
//! publication began: a publisher that lost its leadership, or raced
//! another, cannot overwrite a newer pointer. A failed upload leaves the
//! published pointer as it was and says why. Transient failures are
//! retried with exponential backoff by the client (`object_store`).
//!
//! Endpoint, region and credentials come from the standard `AWS_*`
//! environment variables (`AWS_ENDPOINT_URL`, `AWS_ALLOW_HTTP=true` for a
//! local test server, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_REGION`).

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::{bail, Context};
use creneau_model::snapshot::Pointer;
use futures::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3Builder, S3ConditionalPut};
use object_store::path::Path as ObjectPath;
use object_store::{
    Attribute, Attributes, BackoffConfig, ObjectStore, ObjectStoreExt, PutMode, PutOptions,
    PutPayload, RetryConfig, UpdateVersion,
};

use super::build::json;
use super::retention::Retention;

/// Uploads at once: enough to hide each request's latency.
const PARALLEL_UPLOADS: usize = 32;

pub const POINTER_CACHE: &str = "public, max-age=30, stale-while-revalidate=30";
pub const IMMUTABLE_CACHE: &str = "public, max-age=31536000, immutable";

/// An S3 bucket and prefix the snapshot is published to.
pub struct Remote {
    store: Arc<dyn ObjectStore>,
    url: String,
    /// `PREFIX/`, or empty for the bucket's root.
    prefix: String,
    /// Objects known to be there: listed once, then added as uploaded.
    present: Option<HashSet<String>>,
    /// Which objects may go ([`Retention`]).
    retention: Retention,
}

/// What one upload did.
#[derive(Debug, Default)]
pub struct Uploaded {
    pub objects: usize,
    pub skipped: usize,
    pub bytes: u64,
    pub deleted: usize,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Remote({})", self.url)
    }
}

impl Remote {
    /// `s3://BUCKET` or `s3://BUCKET/PREFIX`.
    pub fn from_url(url: &str) -> anyhow::Result<Self> {
        let Some(rest) = url.strip_prefix("s3://") else {
            bail!("--publish-to {url:?}: expected s3://BUCKET/PREFIX");
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            bail!("--publish-to {url:?}: the bucket name is missing (s3://BUCKET/PREFIX)");
        }
        // rustls needs a crypto provider; ring's, as the features chose
        // (Cargo.toml). A second install (another Remote) is refused, harmlessly.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let store = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_conditional_put(S3ConditionalPut::ETagMatch)
            .with_retry(RetryConfig {
                backoff: BackoffConfig {
                    init_backoff: Duration::from_millis(100),
                    max_backoff: Duration::from_secs(5),
                    base: 2.0,
                },
                max_retries: 5,
                retry_timeout: Duration::from_secs(30),
            })
            .build()
            .with_context(|| format!("--publish-to {url}"))?;
        Ok(Remote::new(Arc::new(store), url, prefix))
    }

    /// A remote on a store already built (`url` only names it in messages).
    pub fn new(store: Arc<dyn ObjectStore>, url: &str, prefix: &str) -> Self {
        let prefix = prefix.trim_matches('/');
        Remote {
            store,
            url: url.to_string(),
            prefix: if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}/")
            },
            present: None,
            retention: Retention::default(),
        }
    }

    /// Forget what is known of the bucket: after this publisher lost the
    /// lead, another may have uploaded and removed objects since.
    pub fn forget(&mut self) {
        self.present = None;
        self.retention.forget();
    }

    fn path(&self, relative: &str) -> ObjectPath {
        ObjectPath::from(format!("{}{relative}", self.prefix))
    }

    /// Upload a generation written under `root`: the `files` it names
    /// (relative paths, each with its `.br` and `.gz`) not there yet, then
    /// the pointer; then remove the objects no pointer has named for `grace`.
    pub async fn publish(
        &mut self,
        root: &Path,
        files: &[String],
        pointer: &Pointer,
        grace: Duration,
    ) -> anyhow::Result<Uploaded> {
        let condition = self.condition(pointer).await?;
        let mut uploaded = self.upload(root, files).await?;
        uploaded.bytes += self.swap(pointer, condition).await?;
        uploaded.objects += 1;
        // The SMART Scheduling Links manifest's stable copy, once the
        // pointer names its generation (a plain put: the pointer's swap
        // already decided who publishes).
        if pointer.smart.is_some() {
            let manifest = tokio::fs::read(root.join("$bulk-publish"))
                .await
                .context("reading $bulk-publish")?;
            uploaded.bytes += manifest.len() as u64;
            self.store
                .put_opts(
                    &self.path("$bulk-publish"),
                    PutPayload::from(manifest),
                    options("$bulk-publish", POINTER_CACHE, None, PutMode::Overwrite),
                )
                .await
                .context("uploading $bulk-publish")?;
            uploaded.objects += 1;
        } else {
            // Turned off: no manifest naming objects that will be pruned.
            match self.store.delete(&self.path("$bulk-publish")).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e).context("removing $bulk-publish"),
            }
        }
        uploaded.deleted = self.prune(files, grace).await?;
        Ok(uploaded)
    }

    /// The published pointer's version, the condition of the swap; refused
    /// when it already names this generation or a newer one.
    pub async fn condition(&self, pointer: &Pointer) -> anyhow::Result<Option<UpdateVersion>> {
        let pointer_path = self.path("latest.json");
        match self.store.get(&pointer_path).await {
            Ok(found) => {
                let meta = found.meta.clone();
                let body = found.bytes().await?;
                let published: Pointer = serde_json::from_slice(&body)
                    .with_context(|| format!("reading the published {pointer_path}"))?;
                if published.version >= pointer.version {
                    bail!(
                        "{}: the published pointer names {}, not older than this generation ({}); left as it is",
                        self.url,
                        published.version,
                        pointer.version
                    );
                }
                Ok(Some(UpdateVersion {
                    e_tag: meta.e_tag,
                    version: meta.version,
                }))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {pointer_path}")),
        }
    }

    /// Upload what is not there yet of `files` (relative paths under
    /// `root`, each with its `.br` and `.gz`).
    pub async fn upload(&mut self, root: &Path, files: &[String]) -> anyhow::Result<Uploaded> {
        if self.present.is_none() {
            let listed: HashSet<String> = self
                .store
                .list(Some(&ObjectPath::from(self.prefix.trim_end_matches('/'))))
                .map_ok(|meta| meta.location.to_string())
                .try_collect()
                .await
                .with_context(|| format!("listing {}", self.url))?;
            self.present = Some(listed);
        }
        let present = self.present.as_ref().expect("listed above");
        let mut wanted: Vec<(String, Option<&'static str>)> = Vec::new();
        let mut uploaded = Uploaded::default();
        for file in files {
            for (suffix, encoding) in [("", None), (".br", Some("br")), (".gz", Some("gzip"))] {
                let relative = format!("{file}{suffix}");
                if present.contains(self.path(&relative).as_ref()) {
                    uploaded.skipped += 1;
                } else {
                    wanted.push((relative, encoding));
                }
            }
        }
        // Futures made first, then run some at a time: a closure in the
        // stream itself trips rustc's higher-ranked Send check in tokio::spawn.
        let uploads: Vec<_> = wanted
            .into_iter()
            .map(|(relative, encoding)| {
                upload(
                    self.store.clone(),
                    self.path(&relative),
                    root.join(&relative),
                    encoding,
                )
            })
            .collect();
        let done: Vec<(String, u64)> = futures::stream::iter(uploads)
            .buffer_unordered(PARALLEL_UPLOADS)
            .try_collect()
            .await?;
        let present = self.present.as_mut().expect("listed above");
        for (location, size) in done {
            present.insert(location);
            uploaded.objects += 1;
            uploaded.bytes += size;
        }

        Ok(uploaded)
    }

    /// Every object the pointer names is there: swap it, if no one else
    /// has since `condition` was read. The pointer alone, without twins:
    /// 300 bytes, and one object is one compare-and-swap. Its size.
    pub async fn swap(
        &self,
        pointer: &Pointer,
        condition: Option<UpdateVersion>,
    ) -> anyhow::Result<u64> {
        let pointer_path = self.path("latest.json");
        let mode = match condition {
            Some(version) => PutMode::Update(version),
            None => PutMode::Create,
        };
        let body = json(pointer);
        let size = body.len() as u64;
        match self
            .store
            .put_opts(&pointer_path, PutPayload::from(body), options("latest.json", POINTER_CACHE, None, mode))
            .await
        {
            Ok(_) => Ok(size),
            Err(object_store::Error::Precondition { .. } | object_store::Error::AlreadyExists { .. }) => bail!(
                "{}: the pointer changed while generation {} was uploaded (another publisher wrote it); left as it is",
                self.url,
                pointer.version
            ),
            Err(e) => Err(e).with_context(|| format!("swapping {pointer_path}")),
        }
    }

    /// Remove the objects (with their twins) that no pointer has named
    /// for `grace` ([`Retention`]), `files` being what the new one names.
    async fn prune(&mut self, files: &[String], grace: Duration) -> anyhow::Result<usize> {
        let listed = self.retention.needs_listing().then(|| {
            let present = self.present.iter().flatten();
            let originals: HashSet<String> = present
                .filter_map(|key| key.strip_prefix(&self.prefix))
                .map(|key| {
                    key.strip_suffix(".br")
                        .or_else(|| key.strip_suffix(".gz"))
                        .unwrap_or(key)
                        .to_string()
                })
                .filter(|key| key != "latest.json" && key != "$bulk-publish")
                .collect();
            originals.into_iter().collect()
        });
        let referenced = files.iter().cloned().collect();
        let expired = self
            .retention
            .published(referenced, listed, SystemTime::now(), grace);
        if expired.is_empty() {
            return Ok(0);
        }
        let locations: Vec<object_store::Result<ObjectPath>> = expired
            .iter()
            .flat_map(|file| {
                ["", ".br", ".gz"].map(|suffix| Ok(self.path(&format!("{file}{suffix}"))))
            })
            .collect();
        let gone: Vec<ObjectPath> = self
            .store
            .delete_stream(futures::stream::iter(locations).boxed())
            .or_else(|e| async move {
                match e {
                    // Twins of a file uploaded before a failure may be missing.
                    object_store::Error::NotFound { path, .. } => Ok(ObjectPath::from(path)),
                    e => Err(e),
                }
            })
            .try_collect()
            .await
            .with_context(|| format!("removing old objects from {}", self.url))?;
        if let Some(present) = self.present.as_mut() {
            for location in &gone {
                present.remove(location.as_ref());
            }
        }
        Ok(expired.len())
    }
}

/// One immutable object, read from the local generation.
async fn upload(
    store: Arc<dyn ObjectStore>,
    location: ObjectPath,
    local: std::path::PathBuf,
    encoding: Option<&'static str>,
) -> anyhow::Result<(String, u64)> {
    let body = tokio::fs::read(&local)
        .await
        .with_context(|| format!("reading {}", local.display()))?;
    let size = body.len() as u64;
    store
        .put_opts(
            &location,
            PutPayload::from(body),
            options(
                location.as_ref(),
                IMMUTABLE_CACHE,
                encoding,
                PutMode::Overwrite,
            ),
        )
        .await
        .with_context(|| format!("uploading {location}"))?;
    Ok((location.to_string(), size))
}

/// An object's headers: its media type by the name of the file it
/// stores (a `.br`/`.gz` twin has its original's, plus its encoding).
fn options(name: &str, cache: &str, encoding: Option<&'static str>, mode: PutMode) -> PutOptions {
    let original = name.trim_end_matches(".br").trim_end_matches(".gz");
    let media_type = if original.ends_with(".ndjson") {
        "application/fhir+ndjson"
    } else {
        "application/json"
    };
    let mut attributes = Attributes::new();
    attributes.insert(Attribute::ContentType, media_type.into());
    attributes.insert(Attribute::CacheControl, cache.to_string().into());
    if let Some(encoding) = encoding {
        attributes.insert(Attribute::ContentEncoding, encoding.into());
    }
    PutOptions {
        mode,
        attributes,
        ..Default::default()
    }
}
