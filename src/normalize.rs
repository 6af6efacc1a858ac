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
    if text.is_ascii() {
        // The common case for English news: NFKC is the identity on ASCII, so skip it.
        return text.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(text.len());
    let mut push = |c: char| match c {
        '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{2032}' | '\u{02BC}' => out.push('\''),
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => out.push('"'),
        '\u{2010}'..='\u{2015}' | '\u{2212}' => out.push('-'),
        c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
        c => out.extend(c.to_lowercase()),
    };
    // Most non-ASCII news text (curly quotes, accented names) is already in NFKC; the quick
    // check avoids the decompose-recompose round trip for it.
    if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        text.chars().for_each(&mut push);
    } else {
        text.nfkc().for_each(&mut push);
    }
    out
}

/// Splits folded text into words by the Unicode word-boundary rules (UAX #29), which drops
/// punctuation, splits hyphenated compounds, keeps "korea's" and "1,000" whole, and works for
/// scripts without spaces between words.
///
/// ASCII whitespace always separates words, so the text is cut there first and each piece
/// takes the fast ASCII scanner unless it holds other characters; both give the same words
/// as UAX #29 over the whole text (property-tested).
pub fn words(folded: &str) -> impl Iterator<Item = &str> {
    folded.split_ascii_whitespace().flat_map(|piece| {
        if piece.is_ascii() {
            Words::Ascii(AsciiWords { text: piece, at: 0 })
        } else {
            Words::Unicode(piece.unicode_words())
        }
    })
}

enum Words<'a> {
    Ascii(AsciiWords<'a>),
    Unicode(unicode_segmentation::UnicodeWords<'a>),
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        match self {
            Words::Ascii(w) => w.next(),
            Words::Unicode(w) => w.next(),
        }
    }
}

/// UAX #29 word boundaries restricted to ASCII: letters, digits and `_` join; `.` `'` `:`
/// join two letters (WB6/7: "u.s", "korea's"); `.` `'` `,` `;` join two digits (WB11/12:
/// "1,000", "3.5"); everything else separates. Segments without a letter or digit are not
/// words.
struct AsciiWords<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Iterator for AsciiWords<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let b = self.text.as_bytes();
        let joins = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
        loop {
            while self.at < b.len() && !joins(b[self.at]) {
                self.at += 1;
            }
            if self.at >= b.len() {
                return None;
            }
            let start = self.at;
            self.at += 1;
            while self.at < b.len() {
                let c = b[self.at];
                if joins(c) {
                    self.at += 1;
                    continue;
                }
                let (Some(&before), Some(&after)) = (b.get(self.at - 1), b.get(self.at + 1)) else {
                    break;
                };
                let between_letters = before.is_ascii_alphabetic()
                    && after.is_ascii_alphabetic()
                    && matches!(c, b'.' | b'\'' | b':');
                let between_digits = before.is_ascii_digit()
                    && after.is_ascii_digit()
                    && matches!(c, b'.' | b'\'' | b',' | b';');
                if between_letters || between_digits {
                    self.at += 2;
                } else {
                    break;
                }
            }
            let word = &self.text[start..self.at];
            if word.bytes().any(|c| c.is_ascii_alphanumeric()) {
                return Some(word);
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
