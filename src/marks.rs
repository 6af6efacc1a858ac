//! What the copy rule reads of an article beside its wording: which shingles sit inside
//! quotation marks, and where the names and numbers are.
//!
//! Two reports of one event by different outlets share the statements they both quote, and
//! little else; a copy shares its source's own sentences too. Template items (missing-person
//! appeals, road deaths) share nearly all their wording, but not the ages, places, names and
//! times that fill the template's slots; a copy keeps those. Both are read while the words are
//! shingled, from the folded text and where its capitals were, and stored with the shingles.

use xxhash_rust::xxh3::xxh3_64;

/// Characters of a capitalised word that its key keeps: a spelling slip or a possessive
/// ("Russia" / "Rusia's") keeps the name, while different names differ in their first letters.
const NAME_KEY_CHARS: usize = 4;

/// A name or number of an article: where it is, and what it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Specific {
    /// Position of the word among the article's words.
    pub word: u32,
    /// A number whole, or a name's first [`NAME_KEY_CHARS`] characters, hashed.
    pub key: u32,
}

/// The marks of one article.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Marks {
    /// Words per shingle; 0 when the article was not shingled by words and has no marks.
    pub span: u32,
    /// Bit `i` is set when most words of shingle `i` are quoted.
    pub quoted: Vec<u64>,
    /// The article's names and numbers, in document order.
    pub specifics: Vec<Specific>,
    /// Their keys, sorted and distinct: every pair the rule reads looks them up.
    keys: Vec<u32>,
}

impl Marks {
    pub fn new(span: u32, quoted: Vec<u64>, specifics: Vec<Specific>) -> Self {
        let mut keys: Vec<u32> = specifics.iter().map(|s| s.key).collect();
        keys.sort_unstable();
        keys.dedup();
        Marks {
            span,
            quoted,
            specifics,
            keys,
        }
    }

    pub fn is_quoted(&self, shingle: usize) -> bool {
        self.quoted
            .get(shingle / 64)
            .is_some_and(|bits| bits & (1 << (shingle % 64)) != 0)
    }

    /// The keys of the article's names and numbers, sorted and distinct.
    pub fn keys(&self) -> &[u32] {
        &self.keys
    }

    /// How many of the article's names and numbers (each time one occurs) `other` lacks.
    pub fn differing_from(&self, other: &Marks) -> usize {
        self.specifics
            .iter()
            .filter(|s| other.keys.binary_search(&s.key).is_err())
            .count()
    }

    /// Appends the stored form to `out`: the span, the quoted bits, then the names and numbers, each
    /// prefixed with its count.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend(self.span.to_le_bytes());
        out.extend((self.quoted.len() as u32).to_le_bytes());
        out.extend(self.quoted.iter().flat_map(|w| w.to_le_bytes()));
        out.extend((self.specifics.len() as u32).to_le_bytes());
        for s in &self.specifics {
            out.extend(s.word.to_le_bytes());
            out.extend(s.key.to_le_bytes());
        }
    }

    /// Reads back what [`Marks::encode_into`] wrote at the start of `bytes`; the marks and the
    /// bytes after them, or `None` if the bytes are not such a record.
    pub fn decode(bytes: &[u8]) -> Option<(Self, &[u8])> {
        let (span, rest) = split_u32(bytes)?;
        let (count, rest) = split_u32(rest)?;
        let (words, rest) = rest.split_at_checked(count as usize * 8)?;
        let quoted = words
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect();
        let (count, rest) = split_u32(rest)?;
        let (pairs, rest) = rest.split_at_checked(count as usize * 8)?;
        let specifics = pairs
            .chunks_exact(8)
            .map(|c| Specific {
                word: u32::from_le_bytes(c[..4].try_into().expect("4 bytes")),
                key: u32::from_le_bytes(c[4..].try_into().expect("4 bytes")),
            })
            .collect();
        Some((Marks::new(span, quoted, specifics), rest))
    }
}

fn split_u32(bytes: &[u8]) -> Option<(u32, &[u8])> {
    let (head, rest) = bytes.split_first_chunk::<4>()?;
    Some((u32::from_le_bytes(*head), rest))
}

/// Reads the marks word by word, as the shingler walks the folded text: it is told the text
/// between two words, then the word and whether its first letter was a capital.
#[derive(Default)]
pub struct Marker {
    in_quote: bool,
    sentence_start: bool,
    words: u32,
    quoted_words: Vec<bool>,
    specifics: Vec<Specific>,
}

impl Marker {
    pub fn new() -> Self {
        Marker {
            sentence_start: true,
            ..Marker::default()
        }
    }

    /// The text between the previous word and the next one.
    pub fn gap(&mut self, gap: &str) {
        for b in gap.bytes() {
            match b {
                // A quotation never runs past its paragraph unclosed in the markup news uses:
                // a long quote reopens each paragraph.
                b'\n' => {
                    self.in_quote = false;
                    self.sentence_start = true;
                }
                b'"' => {
                    self.in_quote = !self.in_quote;
                    // The first word of a quotation is capitalised as a sentence's is.
                    self.sentence_start |= self.in_quote;
                }
                b'.' | b'!' | b'?' | b':' => self.sentence_start = true,
                _ => {}
            }
        }
    }

    /// The next word (folded), and whether it was capitalised.
    pub fn word(&mut self, word: &str, capital: bool) {
        let key = if word.bytes().any(|b| b.is_ascii_digit()) {
            Some(word)
        } else if capital && !self.sentence_start {
            Some(
                word.char_indices()
                    .nth(NAME_KEY_CHARS)
                    .map_or(word, |(end, _)| &word[..end]),
            )
        } else {
            None
        };
        if let Some(key) = key {
            self.specifics.push(Specific {
                word: self.words,
                key: xxh3_64(key.as_bytes()) as u32,
            });
        }
        self.quoted_words.push(self.in_quote);
        self.sentence_start = false;
        self.words += 1;
    }

    /// The marks, for shingles of `size` words (fewer when the article is shorter, as the
    /// shingler does).
    pub fn finish(self, size: usize) -> Marks {
        let size = size.max(1).min(self.quoted_words.len().max(1));
        let windows = self.quoted_words.windows(size);
        let mut quoted = vec![0u64; windows.len().div_ceil(64)];
        for (i, window) in windows.enumerate() {
            if 2 * window.iter().filter(|&&q| q).count() > size {
                quoted[i / 64] |= 1 << (i % 64);
            }
        }
        Marks::new(size as u32, quoted, self.specifics)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize;

    /// The folded words of `text` and its marks, as the word shingler makes them.
    fn marks(text: &str) -> (Vec<String>, Marks) {
        let words = normalize::words(&normalize::fold(text))
            .map(str::to_string)
            .collect();
        let shingler = crate::shingle::Shingler {
            kind: crate::shingle::ShingleKind::Word,
            size: 3,
            seed: 1,
        };
        (words, shingler.shingle(text).marks)
    }

    #[test]
    fn names_and_numbers_are_found_but_not_sentence_starts() {
        let (words, m) = marks("The boy, 12, left Swords at 7.25pm. He was seen in Bray.");
        let found: Vec<&str> = m
            .specifics
            .iter()
            .map(|s| words[s.word as usize].as_str())
            .collect();
        assert_eq!(found, ["12", "swords", "7.25pm", "bray"]);
    }

    #[test]
    fn a_name_keeps_its_key_through_a_slip_after_four_letters() {
        let key = |t: &str| marks(t).1.specifics[0].key;
        assert_eq!(key("in Russia today"), key("in Russsia today"));
        assert_eq!(key("in Russia today"), key("in Russia's today"));
        assert_ne!(key("in Russia today"), key("in Ruanda today"));
    }

    #[test]
    fn quoted_shingles_are_marked_and_quotes_close_at_paragraph_ends() {
        let (_, m) = marks("He said “we will not stop the talks now” and left\n“Nor will we");
        let quoted: Vec<usize> = (0..12).filter(|&i| m.is_quoted(i)).collect();
        // Shingles 1..=7 have two or three of their words between the marks; the unclosed
        // quote of the second paragraph makes "nor will we" quoted, and "left nor will".
        assert_eq!(quoted, [1, 2, 3, 4, 5, 6, 7, 10, 11]);
    }

    #[test]
    fn marks_survive_storage() {
        let (_, m) = marks("“Quoted words here,” said Mr Smith on 3 May, 2024.");
        let mut bytes = Vec::new();
        m.encode_into(&mut bytes);
        bytes.push(7);
        assert_eq!(Marks::decode(&bytes), Some((m, &[7u8][..])));
        assert_eq!(Marks::decode(&bytes[..5]), None);
    }
}
