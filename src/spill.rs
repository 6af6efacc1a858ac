//! Records written to an anonymous temporary file as the corpus is read and fetched back
//! later, so that per-article state which only a later stage needs does not stay in memory.

use std::fs::File;
use std::io::{self, BufWriter, Write};

use rayon::prelude::*;

/// Byte records in push order, on disk. The file disappears when the value is dropped (or the
/// process dies).
pub struct SpillFile {
    writer: BufWriter<File>,
    reader: File,
    /// Start of each record in the file, plus the end of the last.
    offsets: Vec<u64>,
}

impl SpillFile {
    pub fn new() -> io::Result<Self> {
        let file = tempfile::tempfile()?;
        Ok(SpillFile {
            writer: BufWriter::with_capacity(1 << 20, file.try_clone()?),
            reader: file,
            offsets: vec![0],
        })
    }

    /// Appends the next record.
    pub fn push(&mut self, record: &[u8]) -> io::Result<()> {
        self.writer.write_all(record)?;
        let end = self.offsets.last().copied().unwrap_or(0) + record.len() as u64;
        self.offsets.push(end);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Makes everything pushed readable.
    pub fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }

    /// Record `index`, which must have been pushed and flushed.
    pub fn get(&self, index: usize) -> io::Result<Vec<u8>> {
        let (start, end) = (self.offsets[index], self.offsets[index + 1]);
        let mut bytes = vec![0u8; (end - start) as usize];
        read_exact_at(&self.reader, &mut bytes, start)?;
        Ok(bytes)
    }

    /// Every record in order, read in one pass and handed to `each` as a slice of that one
    /// buffer, so nothing is copied twice. Records are decoded in parallel: at a million
    /// articles, decoding their metadata one by one took most of a second on one core.
    pub fn into_records<T: Send>(mut self, each: impl Fn(&[u8]) -> T + Sync) -> io::Result<Vec<T>> {
        self.flush()?;
        let mut all = vec![0u8; *self.offsets.last().unwrap_or(&0) as usize];
        read_exact_at(&self.reader, &mut all, 0)?;
        Ok(self
            .offsets
            .par_windows(2)
            .map(|w| each(&all[w[0] as usize..w[1] as usize]))
            .collect())
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, offset)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_come_back_as_pushed_one_by_one_and_all_at_once() {
        let mut spill = SpillFile::new().unwrap();
        let records: [&[u8]; 3] = [b"first", b"", b"third one"];
        for r in records {
            spill.push(r).unwrap();
        }
        spill.flush().unwrap();
        assert_eq!(spill.len(), 3);
        for (i, r) in records.iter().enumerate() {
            assert_eq!(spill.get(i).unwrap(), *r);
        }
        assert_eq!(
            spill.into_records(<[u8]>::to_vec).unwrap(),
            records.map(<[u8]>::to_vec)
        );
    }
}
