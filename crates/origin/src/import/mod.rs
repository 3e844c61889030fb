//! Import of the official open-data files into the store.
//!
//! - [`centres`]: "Lieux de vaccination contre la Covid-19" (both the
//!   January 2021 columns and the later ones), plus Créneau's own optional
//!   columns for throughput and vaccines.
//! - [`communes`]: the shipped commune list (`data/communes.csv`), La Poste's
//!   postcode base, and the départements list.
//!
//! A file-level fault (not UTF-8, wrong delimiter, a required column missing,
//! empty file) stops the import before anything is written. A row-level
//! fault is reported with its line and column and the row is skipped or the
//! field dropped; the rest is imported. Each import is one transaction.

pub mod centres;
pub mod communes;

use std::fmt;
use std::path::Path;

/// A problem with one row or field that the import worked around.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowProblem {
    pub line: u64,
    pub column: Option<String>,
    pub reason: String,
    /// True when the whole row was left out.
    pub skipped: bool,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(c) = &self.column {
            write!(f, ", column {c}")?;
        }
        write!(f, ": {}", self.reason)?;
        if self.skipped {
            write!(f, " (row skipped)")?;
        }
        Ok(())
    }
}

/// What an import did.
#[derive(Debug, Default)]
pub struct Report {
    pub file: String,
    pub imported: usize,
    pub problems: Vec<RowProblem>,
}

impl Report {
    pub fn skipped(&self) -> usize {
        self.problems.iter().filter(|p| p.skipped).count()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} imported, {} rows skipped, {} problems",
            self.file,
            self.imported,
            self.skipped(),
            self.problems.len()
        )?;
        for p in &self.problems {
            writeln!(f, "  {}: {p}", self.file)?;
        }
        Ok(())
    }
}

/// A fault that stops the import; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{file}: cannot read the file: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: the file is empty")]
    Empty { file: String },
    #[error("{file}, line {line}: the file is not UTF-8 (byte {byte:#04x} at column {column}); save it as UTF-8 (it may be Latin-1)")]
    NotUtf8 {
        file: String,
        line: u64,
        column: u64,
        byte: u8,
    },
    #[error("{file}, line 1: the header is not ';'-separated (found {found:?}); expected columns such as {expected}")]
    Delimiter {
        file: String,
        found: char,
        expected: String,
    },
    #[error("{file}, line 1: required column {column:?} is missing from the header")]
    MissingColumn { file: String, column: String },
    #[error("{file}, line 1: the header matches no known format (expected {expected})")]
    UnknownFormat { file: String, expected: String },
    #[error("{file}: {problem} (strict import: nothing written)")]
    Strict { file: String, problem: RowProblem },
    #[error("{file}, line {line}: {reason}")]
    Row {
        file: String,
        line: u64,
        reason: String,
    },
    #[error("{file}: nothing to import: every row was rejected")]
    NothingUsable { file: String },
    #[error("writing to the store: {0}")]
    Store(#[from] sqlx::Error),
}

/// Read a whole file as UTF-8 text, with a byte-order mark removed.
pub fn read_utf8(path: &Path) -> Result<String, ImportError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ImportError::Read {
        file: file.clone(),
        source,
    })?;
    decode_utf8(&file, bytes)
}

pub(crate) fn decode_utf8(file: &str, bytes: Vec<u8>) -> Result<String, ImportError> {
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..3);
            }
            if text.trim().is_empty() {
                return Err(ImportError::Empty {
                    file: file.to_string(),
                });
            }
            Ok(text)
        }
        Err(e) => {
            let bytes = e.as_bytes();
            let at = e.utf8_error().valid_up_to();
            let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64;
            let line_start = bytes[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
            let column = 1 + String::from_utf8_lossy(&bytes[line_start..at])
                .chars()
                .count() as u64;
            Err(ImportError::NotUtf8 {
                file: file.to_string(),
                line,
                column,
                byte: bytes[at],
            })
        }
    }
}

/// The header's column names, checked to be `;`-separated.
pub(crate) fn header(
    file: &str,
    text: &str,
    expected: &[&str],
) -> Result<Vec<String>, ImportError> {
    let first = text.lines().next().unwrap_or("");
    if !first.contains(';') {
        let found = [',', '\t', '|']
            .into_iter()
            .find(|c| first.contains(*c))
            .unwrap_or(' ');
        return Err(ImportError::Delimiter {
            file: file.to_string(),
            found,
            expected: expected.join(";"),
        });
    }
    Ok(first.split(';').map(|s| s.trim().to_string()).collect())
}

/// A `;`-separated reader over the text, rows as strings, header skipped.
pub(crate) fn rows(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes())
}

/// The data rows with their line numbers; a row the CSV reader cannot read
/// comes as the problem to report (the row is skipped).
pub(crate) fn records(
    text: &str,
) -> impl Iterator<Item = Result<(u64, csv::StringRecord), RowProblem>> + '_ {
    rows(text).into_records().map(|record| match record {
        Ok(r) => Ok((r.position().map_or(0, |p| p.line()), r)),
        Err(e) => Err(RowProblem {
            line: e.position().map_or(0, |p| p.line()),
            column: None,
            reason: format!("unreadable row: {e}"),
            skipped: true,
        }),
    })
}

/// Column positions by name, ignoring unknown columns.
pub(crate) struct Columns {
    names: Vec<String>,
}

impl Columns {
    pub fn new(names: Vec<String>) -> Self {
        Columns { names }
    }
    pub fn find(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n.eq_ignore_ascii_case(name))
    }
    pub fn require(&self, file: &str, name: &str) -> Result<usize, ImportError> {
        self.find(name).ok_or_else(|| ImportError::MissingColumn {
            file: file.to_string(),
            column: name.to_string(),
        })
    }
    pub fn len(&self) -> usize {
        self.names.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_is_reported_with_line_and_column() {
        let bytes = b"gid;nom\n1;Salle des f\xeates\n".to_vec();
        match decode_utf8("c.csv", bytes) {
            Err(ImportError::NotUtf8 {
                line, column, byte, ..
            }) => {
                assert_eq!((line, column, byte), (2, 14, 0xea));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn empty_and_comma_files_are_refused() {
        assert!(matches!(
            decode_utf8("e.csv", b"  \n".to_vec()),
            Err(ImportError::Empty { .. })
        ));
        let err = header("c.csv", "gid,nom,adr_voie\n", &["gid", "nom"]).unwrap_err();
        assert!(
            err.to_string().contains("not ';'-separated (found ',')"),
            "{err}"
        );
    }
}
