//! How long a text message is: sent in GSM-7 when every character is in the
//! GSM 03.38 default alphabet or its extension table (160 characters in one
//! segment, 153 a segment once split), in UCS-2 otherwise (70, then 67).
//! French text stays in GSM-7 with é, è, à, ù and É, but one ç, ê, â, î, ô,
//! û, ë, ï, œ, typographic apostrophe or no-break space sends the whole
//! message in UCS-2: the confirmation and reminder texts are written (and
//! tested) to fit one GSM-7 segment where they can.
//!
//! [`gsm7_folded`] writes a text (a centre's name, a typed address) with the
//! nearest GSM-7 letters, as French SMS services do ("Hopital" for
//! "Hôpital"), so one such letter does not cost the message half its room.

/// The default alphabet, one septet each.
const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The extension table, two septets each (an escape, then the character).
const EXTENSION: &str = "\u{c}^{}\\[~]|€";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Gsm7,
    Ucs2,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Length {
    pub encoding: Encoding,
    /// Septets (GSM-7) or UTF-16 code units (UCS-2).
    pub units: usize,
    pub segments: usize,
}

/// The encoding a text is sent in, its length in that encoding and the
/// number of segments. (A split GSM-7 message may need one more septet when
/// an escape pair would straddle two segments; not counted here.)
pub fn length(text: &str) -> Length {
    let gsm7: Option<usize> = text
        .chars()
        .map(|c| {
            if BASIC.contains(c) {
                Some(1)
            } else if EXTENSION.contains(c) {
                Some(2)
            } else {
                None
            }
        })
        .sum();
    let (encoding, units, single, part) = match gsm7 {
        Some(septets) => (Encoding::Gsm7, septets, 160, 153),
        None => (Encoding::Ucs2, text.encode_utf16().count(), 70, 67),
    };
    let segments = if units <= single {
        1
    } else {
        units.div_ceil(part)
    };
    Length {
        encoding,
        units,
        segments,
    }
}

/// A French mobile number (06, 07, +33 6, +33 7) in international form for
/// an SMS gateway; None for a landline or anything else.
pub fn mobile_number(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let trimmed = phone.trim_start();
    let national = if trimmed.starts_with('+') || trimmed.starts_with("00") {
        let rest = digits.strip_prefix("00").unwrap_or(&digits);
        rest.strip_prefix("33").map(|r| format!("0{r}"))?
    } else {
        digits
    };
    (national.len() == 10 && (national.starts_with("06") || national.starts_with("07")))
        .then(|| format!("+33{}", &national[1..]))
}

/// The text with each character outside GSM-7 replaced by its nearest
/// GSM-7 spelling: accents GSM-7 lacks dropped (ê → e, ç → c), ligatures
/// spelt out (œ → oe), typographic quotes and spaces made plain; any other
/// character left out of GSM-7 becomes `?`.
pub fn gsm7_folded(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if BASIC.contains(c) || EXTENSION.contains(c) {
            out.push(c);
            continue;
        }
        let plain: &str = match c {
            'â' | 'á' | 'ã' => "a",
            'ê' | 'ë' => "e",
            'î' | 'ï' | 'í' => "i",
            'ô' | 'ó' | 'õ' => "o",
            'û' | 'ú' => "u",
            'ç' => "c",
            'ÿ' => "y",
            'À' | 'Â' | 'Á' => "A",
            'È' | 'Ê' | 'Ë' => "E",
            'Î' | 'Ï' => "I",
            'Ô' => "O",
            'Ù' | 'Û' => "U",
            'œ' => "oe",
            'Œ' => "OE",
            'æ' => "ae",
            '’' | '‘' | '`' | '´' => "'",
            '“' | '”' | '«' | '»' => "\"",
            '–' | '—' | '‐' => "-",
            '…' => "...",
            '\u{a0}' | '\u{202f}' | '\t' => " ",
            _ => "?",
        };
        out.push_str(plain);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_keeps_a_french_text_in_gsm7_and_its_gsm7_letters_as_they_are() {
        let folded = gsm7_folded("Hôpital de Besançon, cœur de l’Île, 9\u{a0}h — é è à ù É Ç");
        assert_eq!(
            folded,
            "Hopital de Besancon, coeur de l'Ile, 9 h - é è à ù É Ç"
        );
        assert_eq!(length(&folded).encoding, Encoding::Gsm7);
    }

    #[test]
    fn french_with_e_acute_stays_in_gsm7() {
        let l = length("Rendez-vous confirmé à Metz, le mardi 19 janvier 2021 à 14 h 30.");
        assert_eq!(l.encoding, Encoding::Gsm7);
        assert_eq!(l.segments, 1);
    }

    #[test]
    fn one_c_cedilla_or_curly_apostrophe_sends_the_whole_text_in_ucs2() {
        assert_eq!(length("Français").encoding, Encoding::Ucs2);
        assert_eq!(length("l’injection").encoding, Encoding::Ucs2);
        assert_eq!(length("14\u{a0}h").encoding, Encoding::Ucs2);
        assert_eq!(length("l'injection").encoding, Encoding::Gsm7);
    }

    #[test]
    fn segments_are_160_then_153_in_gsm7_and_70_then_67_in_ucs2() {
        assert_eq!(length(&"a".repeat(160)).segments, 1);
        assert_eq!(length(&"a".repeat(161)).segments, 2);
        assert_eq!(length(&"a".repeat(306)).segments, 2);
        assert_eq!(length(&"a".repeat(307)).segments, 3);
        assert_eq!(length(&"ç".repeat(70)).segments, 1);
        assert_eq!(length(&"ç".repeat(71)).segments, 2);
        assert_eq!(length("").segments, 1);
    }

    #[test]
    fn the_extension_table_costs_two_septets_and_emoji_two_code_units() {
        assert_eq!(
            length("5 €"),
            Length {
                encoding: Encoding::Gsm7,
                units: 4,
                segments: 1
            }
        );
        assert_eq!(length("ok 👍").units, 5);
    }
}
