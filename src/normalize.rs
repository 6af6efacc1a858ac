//! Text normalisation: the step that decides which spellings count as the same word.
//!
//! Reworded copies of a story differ in ways that carry no meaning: typographic quotes,
//! compatibility characters, letter case, and hyphenation ("Kim Jong-un" / "Kim Jong Un").
//! Everything here folds those differences away before shingling, so that only wording
//! changes lower the similarity.

use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

/// Folds `text` to NFKC, lower case, with typographic quotes and dashes replaced by their
/// ASCII forms. The result is still running text; [`words`] splits it.
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        // The common case for English news: NFKC is the identity on ASCII, so skip it.
        return text.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.nfkc() {
        match c {
            '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{2032}' | '\u{02BC}' => out.push('\''),
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
            | '\u{00BB}' => out.push('"'),
            '\u{2010}'..='\u{2015}' | '\u{2212}' => out.push('-'),
            c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Splits folded text into words by the Unicode word-boundary rules (UAX #29), which drops
/// punctuation, splits hyphenated compounds, keeps "korea's" and "1,000" whole, and works for
/// scripts without spaces between words.
pub fn words(folded: &str) -> impl Iterator<Item = &str> {
    folded.unicode_words()
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

    #[test]
    fn non_latin_scripts_are_segmented() {
        assert_eq!(
            norm("Путин подарил автомобиль"),
            vec!["путин", "подарил", "автомобиль"]
        );
        assert!(norm("金正恩乘坐豪华轿车").len() > 1);
    }
}
