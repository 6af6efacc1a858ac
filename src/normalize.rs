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
    let mut out = String::with_capacity(text.len());
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
fn fold_normalized(text: &str, out: &mut String) {
    for (ascii, run) in AsciiRuns(text) {
        if ascii {
            let start = out.len();
            out.push_str(run);
            out[start..].make_ascii_lowercase();
            continue;
        }
        for c in run.chars() {
            match c {
                '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{2032}' | '\u{02BC}' => out.push('\''),
                '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
                | '\u{00BB}' => out.push('"'),
                '\u{2010}'..='\u{2015}' | '\u{2212}' => out.push('-'),
                c => out.extend(c.to_lowercase()),
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
        // ASCII runs are long: skip them 16 bytes at a time.
        let mut end = 0;
        if ascii {
            while bytes.len() - end >= 16 && bytes[end..end + 16].is_ascii() {
                end += 16;
            }
        }
        end += bytes[end..]
            .iter()
            .position(|b| b.is_ascii() != ascii)
            .unwrap_or(bytes.len() - end);
        // A run ends where an ASCII byte starts or stops, which is always a char boundary.
        let (run, rest) = self.0.split_at(end);
        self.0 = rest;
        Some((ascii, run))
    }
}

/// Splits folded text into words by the Unicode word-boundary rules (UAX #29), which drops
/// punctuation, splits hyphenated compounds, keeps "korea's" and "1,000" whole, and works for
/// scripts without spaces between words.
///
/// All-ASCII text (most English news once folded) takes a byte scanner in one pass. Otherwise
/// ASCII whitespace, which always separates words, cuts the text first and each piece takes
/// the byte scanner unless it holds other characters. Every path gives the same words as
/// UAX #29 over the whole text (property-tested).
pub fn words(folded: &str) -> Words<'_> {
    if folded.is_ascii() {
        Words {
            pieces: None,
            current: Piece::Ascii(AsciiWords {
                text: folded,
                at: 0,
            }),
        }
    } else {
        Words {
            pieces: Some(folded.split_ascii_whitespace()),
            current: Piece::Done,
        }
    }
}

/// The words of a folded text, in order; see [`words`].
pub struct Words<'a> {
    /// Whitespace-separated pieces still to split, when the text is not all ASCII.
    pieces: Option<std::str::SplitAsciiWhitespace<'a>>,
    current: Piece<'a>,
}

enum Piece<'a> {
    Ascii(AsciiWords<'a>),
    Unicode(unicode_segmentation::UnicodeWords<'a>),
    Done,
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    #[inline]
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
            let piece = self.pieces.as_mut()?.next()?;
            self.current = if piece.is_ascii() {
                Piece::Ascii(AsciiWords { text: piece, at: 0 })
            } else {
                Piece::Unicode(piece.unicode_words())
            };
        }
    }
}

/// UAX #29 word splitting restricted to ASCII, where its rules reduce to: letters, digits and
/// `_` join; `.`, `'` and `:` join two letters; `.`, `'`, `,` and `;` join two digits.
///
/// `text` is all ASCII: the scanner indexes bytes and cuts words without boundary checks.
struct AsciiWords<'a> {
    text: &'a str,
    at: usize,
}

const LETTER: u8 = 1;
const DIGIT: u8 = 2;
const UNDERSCORE: u8 = 4;
const MID_LETTER: u8 = 8;
const MID_NUMBER: u8 = 16;
const JOINS: u8 = LETTER | DIGIT | UNDERSCORE;

/// The word-splitting class of every byte: one table lookup per byte in the scanner's loop.
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

impl<'a> Iterator for AsciiWords<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        let b = self.text.as_bytes();
        let class = |i: usize| CLASSES[usize::from(b[i])];
        let mut at = self.at;
        loop {
            while at < b.len() && class(at) & JOINS == 0 {
                at += 1;
            }
            if at >= b.len() {
                self.at = at;
                return None;
            }
            let start = at;
            // A run of underscores alone is not a word. Words nearly always start with a
            // letter or digit, which settles it before the hot loop below.
            let mut alphanumeric = class(start) & (LETTER | DIGIT) != 0;
            at += 1;
            while at < b.len() {
                let c = class(at);
                if c & JOINS != 0 {
                    if !alphanumeric {
                        alphanumeric = c & (LETTER | DIGIT) != 0;
                    }
                    at += 1;
                    continue;
                }
                if at + 1 >= b.len() {
                    break;
                }
                let (before, after) = (class(at - 1), class(at + 1));
                let between_letters = c & MID_LETTER != 0 && before & after & LETTER != 0;
                let between_digits = c & MID_NUMBER != 0 && before & after & DIGIT != 0;
                if between_letters || between_digits {
                    alphanumeric = true;
                    at += 2;
                } else {
                    break;
                }
            }
            if alphanumeric {
                self.at = at;
                // SAFETY: the text is ASCII, so every index is a char boundary.
                return Some(unsafe { self.text.get_unchecked(start..at) });
            }
        }
    }
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
    fn compatibility_characters_are_folded_by_nfkc() {
        // Full-width letters and the "ﬁ" ligature are what copy-pasted PDFs and CJK sites produce.
        assert_eq!(norm("ＫＣＮＡ ﬁrst"), vec!["kcna", "first"]);
    }

    proptest::proptest! {
        #[test]
        fn ascii_scanner_agrees_with_uax29(text in "[a-cA-C0-2_.,;:'\" \t\n/$%()\\-]{0,40}") {
            let fast: Vec<&str> = words(&text).collect();
            let reference: Vec<&str> = text.unicode_words().collect();
            proptest::prop_assert_eq!(fast, reference);
        }

        #[test]
        fn mixed_text_splits_like_uax29(text in "[a-b0-1.,' \n\t\u{e9}\u{2019}\u{fffd}\u{4e2d}\u{0301}\u{00a0}-]{0,30}") {
            let fast: Vec<&str> = words(&text).collect();
            let reference: Vec<&str> = text.unicode_words().collect();
            proptest::prop_assert_eq!(fast, reference);
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
