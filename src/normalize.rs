//! Text normalisation: the step that decides which spellings count as the same word.
//!
//! Reworded copies of a story differ in ways that carry no meaning: typographic quotes,
//! compatibility characters, letter case, and hyphenation ("Kim Jong-un" / "Kim Jong Un").
//! Everything here folds those differences away before shingling, so that only wording
//! changes lower the similarity.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};
use unicode_segmentation::UnicodeSegmentation;

/// Folds `text` to NFKC, lower case, with typographic quotes and dashes replaced by their
/// ASCII forms. The result is still running text; [`words`] splits it.
pub fn fold(text: &str) -> String {
    fold_with(text, false).text
}

/// Folded text, and where its letters were capitals before folding: the copy rule tells names
/// from other words by them.
pub struct Folded {
    pub text: String,
    capitals: Vec<u64>,
    /// Off for [`fold`], whose callers (character shingles, the report's highlighting) never
    /// ask, so they do not pay for the bitmap.
    keep_capitals: bool,
}

impl Folded {
    /// Whether the character at byte `offset` of the folded text was upper case.
    pub fn is_capital(&self, offset: usize) -> bool {
        self.capitals
            .get(offset / 64)
            .is_some_and(|bits| bits & (1 << (offset % 64)) != 0)
    }

    fn mark_capital(&mut self, offset: usize) {
        if self.capitals.len() <= offset / 64 {
            self.capitals.resize(offset / 64 + 1, 0);
        }
        self.capitals[offset / 64] |= 1 << (offset % 64);
    }
}

/// [`fold`], keeping where the capitals were.
pub fn fold_marked(text: &str) -> Folded {
    fold_with(text, true)
}

fn fold_with(text: &str, keep_capitals: bool) -> Folded {
    let mut out = Folded {
        text: String::with_capacity(text.len()),
        capitals: Vec::new(),
        keep_capitals,
    };
    // NFKC is the identity on ASCII, and an ASCII character (combining class 0) never puts the
    // marks around it out of canonical order, so the quick check needs only the other
    // characters: most non-ASCII news text (curly quotes, accented names) is already in NFKC
    // and skips the decompose-recompose round trip. Leaving ASCII out can only turn a "yes"
    // into a "maybe", which takes the exact path.
    let others = AsciiRuns(text)
        .filter(|&(ascii, _)| !ascii)
        .flat_map(|(_, run)| run.chars());
    if is_nfkc_quick(others) == IsNormalized::Yes {
        fold_normalized(text, &mut out);
    } else {
        fold_normalized(&text.nfkc().collect::<String>(), &mut out);
    }
    out
}

/// Folds text already in NFKC, copying ASCII runs in bulk: they are most of any English text.
fn fold_normalized(text: &str, out: &mut Folded) {
    for (ascii, run) in AsciiRuns(text) {
        if ascii {
            let start = out.text.len();
            if out.keep_capitals {
                for (i, b) in run.bytes().enumerate() {
                    if b.is_ascii_uppercase() {
                        out.mark_capital(start + i);
                    }
                }
            }
            out.text.push_str(run);
            out.text[start..].make_ascii_lowercase();
            continue;
        }
        for c in run.chars() {
            match c {
                '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{2032}' | '\u{02BC}' => {
                    out.text.push('\'')
                }
                '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
                | '\u{00BB}' => out.text.push('"'),
                '\u{2010}'..='\u{2015}' | '\u{2212}' => out.text.push('-'),
                c => {
                    if out.keep_capitals && c.is_uppercase() {
                        out.mark_capital(out.text.len());
                    }
                    out.text.extend(c.to_lowercase());
                }
            }
        }
    }
}

/// Cuts text into maximal runs that are either all ASCII (`true`) or free of ASCII, so that
/// callers need not scan a run again to tell which.
struct AsciiRuns<'a>(&'a str);

impl<'a> Iterator for AsciiRuns<'a> {
    type Item = (bool, &'a str);

    fn next(&mut self) -> Option<(bool, &'a str)> {
        let bytes = self.0.as_bytes();
        let ascii = bytes.first()?.is_ascii();
        let end = if ascii {
            ascii_prefix_len(bytes)
        } else {
            bytes.iter().position(u8::is_ascii).unwrap_or(bytes.len())
        };
        // A run ends where an ASCII byte starts or stops, which is always a char boundary.
        let (run, rest) = self.0.split_at(end);
        self.0 = rest;
        Some((ascii, run))
    }
}

/// How many bytes at the start of `bytes` are ASCII.
fn ascii_prefix_len(bytes: &[u8]) -> usize {
    // ASCII runs are long: skip them 16 bytes at a time.
    let mut end = 0;
    while bytes.len() - end >= 16 && bytes[end..end + 16].is_ascii() {
        end += 16;
    }
    end + bytes[end..]
        .iter()
        .position(|b| !b.is_ascii())
        .unwrap_or(bytes.len() - end)
}

/// Splits folded text into words by the Unicode word-boundary rules (UAX #29), which drops
/// punctuation, splits hyphenated compounds, keeps "korea's" and "1,000" whole, and works for
/// scripts without spaces between words.
///
/// ASCII whitespace always separates words, so the text can be cut at it into pieces: a piece
/// holding any other character takes the Unicode rules, and the ASCII between such pieces
/// (all of the text, for most English news once folded) takes a byte scanner a stretch at a
/// time rather than piece by piece: the scanner works on blocks of 64 bytes, and would gain
/// nothing on single words.
/// Every path gives the same words as UAX #29 over the whole text (property-tested).
pub fn words(folded: &str) -> Words<'_> {
    Words {
        rest: folded,
        current: Piece::Done,
    }
}

/// The words of a folded text, in order; see [`words`].
pub struct Words<'a> {
    /// The text after the current piece.
    rest: &'a str,
    current: Piece<'a>,
}

enum Piece<'a> {
    Ascii(AsciiWords<'a>),
    Unicode(unicode_segmentation::UnicodeWords<'a>),
    Done,
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    // Inlined, with the ASCII scanner's fast path, into the caller's word loop.
    #[inline(always)]
    fn next(&mut self) -> Option<&'a str> {
        if let Piece::Ascii(w) = &mut self.current
            && let Some(word) = w.next()
        {
            return Some(word);
        }
        self.next_piece_word()
    }
}

impl<'a> Words<'a> {
    /// Moves on to the next piece when the current one is used up; also the Unicode path.
    #[inline(never)]
    fn next_piece_word(&mut self) -> Option<&'a str> {
        loop {
            let word = match &mut self.current {
                Piece::Ascii(w) => w.next(),
                Piece::Unicode(w) => w.next(),
                Piece::Done => None,
            };
            if word.is_some() {
                return word;
            }
            if self.rest.is_empty() {
                return None;
            }
            (self.current, self.rest) = split_piece(self.rest);
        }
    }
}

/// Cuts off the piece that `text` starts with: the longest ASCII prefix that ends at
/// whitespace (or at the end of the text), or, when there is none, the whitespace-free
/// stretch that holds the first other character. Either way the cut is at an ASCII byte or
/// the end, so on a char boundary.
fn split_piece(text: &str) -> (Piece<'_>, &str) {
    let bytes = text.as_bytes();
    let ascii = ascii_prefix_len(bytes);
    let (end, piece_is_ascii) = if ascii == bytes.len() {
        (ascii, true)
    } else {
        match bytes[..ascii].iter().rposition(u8::is_ascii_whitespace) {
            Some(space) => (space + 1, true),
            None => {
                let end = bytes[ascii..]
                    .iter()
                    .position(u8::is_ascii_whitespace)
                    .map_or(bytes.len(), |space| ascii + space);
                (end, false)
            }
        }
    };
    let (piece, rest) = text.split_at(end);
    let piece = if piece_is_ascii {
        Piece::Ascii(AsciiWords::new(piece))
    } else {
        Piece::Unicode(piece.unicode_words())
    };
    (piece, rest)
}

/// UAX #29 word splitting restricted to ASCII, where its rules reduce to: letters, digits and
/// `_` join; `.`, `'` and `:` join two letters; `.`, `'`, `,` and `;` join two digits.
///
/// So a byte is in a word if it joins, or if it is such a middle character with the right
/// neighbours, and words are the maximal runs of those bytes, less the runs made only of
/// underscores. The scanner computes that as a bit mask over 64 bytes at a time and finds the
/// runs with bit arithmetic: a byte-at-a-time loop was the hottest code of the whole program,
/// with a table load and branches on every byte and a mispredicted branch at every word end.
///
/// `text` is all ASCII: the scanner cuts words without char-boundary checks.
struct AsciiWords<'a> {
    text: &'a str,
    /// Offset of the block of [`BLOCK`] bytes that `pending` describes.
    block: usize,
    /// Bit `i` is set when byte `block + i` is in a word not yet yielded.
    pending: u64,
}

const BLOCK: usize = 64;

const LETTER: u8 = 1;
const DIGIT: u8 = 2;
const UNDERSCORE: u8 = 4;
const MID_LETTER: u8 = 8;
const MID_NUMBER: u8 = 16;

/// The word-splitting class of every byte, for the bytes on either side of a block (and for
/// the portable block classifier).
const CLASSES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 128 {
        let c = i as u8;
        let mut class = 0;
        if c.is_ascii_alphabetic() {
            class |= LETTER;
        }
        if c.is_ascii_digit() {
            class |= DIGIT;
        }
        if c == b'_' {
            class |= UNDERSCORE;
        }
        if matches!(c, b'.' | b'\'' | b':') {
            class |= MID_LETTER;
        }
        if matches!(c, b'.' | b'\'' | b',' | b';') {
            class |= MID_NUMBER;
        }
        table[i] = class;
        i += 1;
    }
    table
};

/// The classes of the bytes of a block, one bit per byte (bit `i` for byte `i`).
#[derive(Debug, Default, PartialEq)]
struct BlockClasses {
    letters: u64,
    digits: u64,
    /// Letters, digits and underscores.
    joins: u64,
    mid_letter: u64,
    mid_number: u64,
}

impl<'a> AsciiWords<'a> {
    fn new(text: &'a str) -> Self {
        // The words are cut without char-boundary checks (see `next`).
        debug_assert!(text.is_ascii(), "AsciiWords needs ASCII text");
        AsciiWords {
            text,
            block: 0,
            pending: word_bytes(text.as_bytes(), 0),
        }
    }

    /// Moves on to the next block; false at the end of the text. Out of line (as is
    /// [`Self::run_on`]) so that the path taken for most words stays small enough to inline.
    #[inline(never)]
    fn next_block(&mut self) -> bool {
        self.block += BLOCK;
        if self.block >= self.text.len() {
            return false;
        }
        self.pending = word_bytes(self.text.as_bytes(), self.block);
        true
    }

    /// Follows a word that fills its block to the end into the next blocks, and returns where
    /// it ends; `pending` then describes the block it ends in.
    #[inline(never)]
    fn run_on(&mut self) -> usize {
        loop {
            if !self.next_block() {
                self.pending = 0;
                return self.text.len();
            }
            let mask = self.pending;
            let ones = (!mask).trailing_zeros();
            if ones < BLOCK as u32 {
                // Adding 1 carries through the run of ones at the bottom, clearing it.
                self.pending = mask & mask.wrapping_add(1);
                return self.block + ones as usize;
            }
        }
    }
}

impl<'a> Iterator for AsciiWords<'a> {
    type Item = &'a str;

    // Inlined into the caller's word loop: the path most words take is a few bit operations,
    // less than a call costs.
    #[inline(always)]
    fn next(&mut self) -> Option<&'a str> {
        loop {
            while self.pending == 0 {
                if !self.next_block() {
                    return None;
                }
            }
            let mask = self.pending;
            let start = self.block + mask.trailing_zeros() as usize;
            // Adding the lowest set bit carries through the lowest run of ones: the sum has
            // the run cleared and the bit after it set, or wraps to zero when the run reaches
            // the top of the block, where the word may go on into the next one.
            let carried = mask.wrapping_add(mask & mask.wrapping_neg());
            self.pending = mask & carried;
            let end = if carried == 0 {
                self.run_on()
            } else {
                self.block + carried.trailing_zeros() as usize
            };
            // A run of underscores alone is not a word. Words nearly always start with a
            // letter or digit, which settles it without looking further.
            let b = self.text.as_bytes();
            if b[start] != b'_' || b[start..end].iter().any(u8::is_ascii_alphanumeric) {
                // SAFETY: the text is ASCII, so every index is a char boundary, and
                // start < end <= text.len() since both come from the bytes of the text.
                return Some(unsafe { self.text.get_unchecked(start..end) });
            }
        }
    }
}

/// Which of the (up to) [`BLOCK`] bytes of `b` from `base` on are in words: bit `i` is set
/// when byte `base + i` is.
fn word_bytes(b: &[u8], base: usize) -> u64 {
    let rest = &b[base..];
    let classes = match rest.first_chunk::<BLOCK>() {
        Some(block) => classify(block),
        None => {
            // The last block: pad with zero bytes, which are in no class.
            let mut block = [0; BLOCK];
            block[..rest.len()].copy_from_slice(rest);
            classify(&block)
        }
    };
    // A middle character at either edge of the block depends on the byte beyond that edge.
    let before = base
        .checked_sub(1)
        .map_or(0, |i| CLASSES[usize::from(b[i])]);
    let after = b.get(base + BLOCK).map_or(0, |&c| CLASSES[usize::from(c)]);
    let between = |class: u64, flag: u8| {
        let left = class << 1 | u64::from(before & flag != 0);
        let right = class >> 1 | u64::from(after & flag != 0) << (BLOCK - 1);
        left & right
    };
    classes.joins
        | classes.mid_letter & between(classes.letters, LETTER)
        | classes.mid_number & between(classes.digits, DIGIT)
}

#[cfg(target_arch = "x86_64")]
fn classify(block: &[u8; BLOCK]) -> BlockClasses {
    // SAFETY: SSE2 is part of the x86_64 baseline: every x86_64 processor has it.
    unsafe { classify_sse2(block) }
}

/// Classifies a block with SSE2: 16 bytes per compare.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn classify_sse2(block: &[u8; BLOCK]) -> BlockClasses {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi8, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_loadu_si128, _mm_movemask_epi8,
        _mm_or_si128, _mm_set1_epi8,
    };
    let mut out = BlockClasses::default();
    let splat = |c: u8| _mm_set1_epi8(c as i8);
    // SSE2 compares only signed bytes: moving the range to start at i8::MIN (wrapping)
    // turns "lo <= c < lo + len" into a single "less than".
    let in_range = |v: __m128i, lo: u8, len: u8| {
        _mm_cmplt_epi8(
            _mm_add_epi8(v, splat(0x80u8.wrapping_sub(lo))),
            splat(0x80 + len),
        )
    };
    for (k, chunk) in block.chunks_exact(16).enumerate() {
        // SAFETY: the chunk is 16 bytes, which the load reads without needing alignment.
        let v = unsafe { _mm_loadu_si128(chunk.as_ptr().cast()) };
        let eq = |c: u8| _mm_cmpeq_epi8(v, splat(c));
        let bits = |m: __m128i| u64::from(_mm_movemask_epi8(m) as u16) << (16 * k);
        // Setting bit 5 lower-cases letters, and maps no other byte to a letter.
        let letters = bits(in_range(_mm_or_si128(v, splat(0x20)), b'a', 26));
        let digits = bits(in_range(v, b'0', 10));
        let both = _mm_or_si128(eq(b'.'), eq(b'\''));
        out.letters |= letters;
        out.digits |= digits;
        out.joins |= letters | digits | bits(eq(b'_'));
        out.mid_letter |= bits(_mm_or_si128(both, eq(b':')));
        out.mid_number |= bits(_mm_or_si128(both, _mm_or_si128(eq(b','), eq(b';'))));
    }
    out
}

#[cfg(not(target_arch = "x86_64"))]
use classify_portable as classify;

/// Classifies a block a byte at a time, on targets without a SIMD version (and in tests, as
/// the reference for it).
#[cfg(any(test, not(target_arch = "x86_64")))]
fn classify_portable(block: &[u8; BLOCK]) -> BlockClasses {
    let mut out = BlockClasses::default();
    for (i, &c) in block.iter().enumerate() {
        let class = CLASSES[usize::from(c)];
        let bit = |flag: u8| u64::from(class & flag != 0) << i;
        out.letters |= bit(LETTER);
        out.digits |= bit(DIGIT);
        out.joins |= bit(LETTER | DIGIT | UNDERSCORE);
        out.mid_letter |= bit(MID_LETTER);
        out.mid_number |= bit(MID_NUMBER);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(text: &str) -> Vec<String> {
        words(&fold(text)).map(str::to_owned).collect()
    }

    #[test]
    fn hyphenation_and_case_variants_become_the_same_words() {
        assert_eq!(norm("Kim Jong-un"), norm("KIM JONG UN"));
    }

    #[test]
    fn curly_and_straight_quotes_fold_together() {
        assert_eq!(
            norm("North Korea’s “friendship”"),
            norm("North Korea's \"friendship\"")
        );
        assert_eq!(norm("Korea’s"), vec!["korea's"]);
    }

    #[test]
    fn punctuation_is_dropped_but_numbers_stay_whole() {
        assert_eq!(
            norm("worth $1,000,000 – allegedly."),
            vec!["worth", "1,000,000", "allegedly"]
        );
    }

    #[test]
    fn capitals_are_remembered_where_the_folded_letters_are() {
        let folded = fold_marked("The «Élysée» said: Paris.");
        let capitals: Vec<usize> = (0..folded.text.len())
            .filter(|&i| folded.is_capital(i))
            .collect();
        let starts: Vec<usize> = ["the", "élysée", "paris"]
            .iter()
            .map(|w| folded.text.find(w).unwrap())
            .collect();
        assert_eq!(capitals, starts);
    }

    #[test]
    fn compatibility_characters_are_folded_by_nfkc() {
        // Full-width letters and the "ﬁ" ligature are what copy-pasted PDFs and CJK sites produce.
        assert_eq!(norm("ＫＣＮＡ ﬁrst"), vec!["kcna", "first"]);
    }

    /// The words of `text` are the ones UAX #29 finds in it.
    fn splits_like_uax29(text: &str) -> Result<(), proptest::test_runner::TestCaseError> {
        let fast: Vec<&str> = words(text).collect();
        let reference: Vec<&str> = text.unicode_words().collect();
        proptest::prop_assert_eq!(fast, reference);
        Ok(())
    }

    proptest::proptest! {
        #[test]
        fn ascii_scanner_agrees_with_uax29(text in "[a-cA-C0-2_.,;:'\" \t\n/$%()\\-]{0,40}") {
            splits_like_uax29(&text)?;
        }

        /// Long enough for several blocks of the scanner, so that words and joiners fall on
        /// block edges.
        #[test]
        fn ascii_scanner_agrees_with_uax29_across_blocks(text in "[a-bA0-1_.,;:' \n-]{0,300}") {
            splits_like_uax29(&text)?;
        }

        /// Few separators, so that words run on over whole blocks.
        #[test]
        fn ascii_scanner_agrees_with_uax29_on_long_words(text in "[a0_.,;:' ]{0,30}[ab01_.,;:']{0,240}[a0_.,;:' ]{0,30}") {
            splits_like_uax29(&text)?;
        }

        /// Other characters here and there, so that the ASCII between them is scanned in
        /// stretches of several blocks.
        #[test]
        fn long_mixed_text_splits_like_uax29(text in "([a-b0-1_.,;:' \n]{0,100}[\u{e9}\u{2019}\u{4e2d}\u{0301}]?){0,4}") {
            splits_like_uax29(&text)?;
        }

        #[test]
        fn mixed_text_splits_like_uax29(text in "[a-b0-1.,' \n\t\u{e9}\u{2019}\u{fffd}\u{4e2d}\u{0301}\u{00a0}-]{0,30}") {
            splits_like_uax29(&text)?;
        }
    }

    #[test]
    fn simd_and_portable_block_classes_agree() {
        // Every byte value at every position of a block.
        for shift in 0..=255u8 {
            let block: [u8; BLOCK] = std::array::from_fn(|i| shift.wrapping_add(i as u8 * 4));
            assert_eq!(classify(&block), classify_portable(&block), "shift {shift}");
        }
    }

    #[test]
    fn joiners_at_block_edges() {
        // A middle character as the last byte of a block, as the first byte of one, and as
        // the last byte of the text; underscores across an edge; words over whole blocks.
        for text in [
            format!("{}a.b", "x ".repeat(31)),
            format!("{}a.b", " ".repeat(63)),
            format!("{}1,2", " ".repeat(62)),
            format!("{}1,2", " ".repeat(63)),
            format!("{}___ a", " ".repeat(62)),
            format!("{}a.", " ".repeat(62)),
            "x".repeat(128),
            "x".repeat(200),
        ] {
            let fast: Vec<&str> = words(&text).collect();
            let reference: Vec<&str> = text.unicode_words().collect();
            assert_eq!(fast, reference, "{text:?}");
        }
    }

    #[test]
    fn non_latin_scripts_are_segmented() {
        assert_eq!(
            norm("Путин подарил автомобиль"),
            vec!["путин", "подарил", "автомобиль"]
        );
        assert!(norm("金正恩乘坐豪华轿车").len() > 1);
    }
}
