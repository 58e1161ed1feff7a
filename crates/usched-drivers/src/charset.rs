//! Which characters the display can show: the HD44780's character ROM (code A00, the common one).
//!
//! Text arrives as Rust `char`s; the controller takes bytes that index its ROM. Printable ASCII
//! maps to itself, with two exceptions the ROM imposes: 0x5C is a yen sign and 0x7E/0x7F are
//! arrows, so `\` and `~` cannot be shown. A few more symbols that the ROM has in its upper half
//! (°, µ, a handful of Greek letters, arrows, the full block) map to their codes. Anything else
//! becomes [`PLACEHOLDER`], one cell for one `char`, so the layout of a row never shifts.

/// What a character the display cannot show becomes: `?`.
///
/// ```
/// assert_eq!(usched_drivers::to_rom('€'), usched_drivers::PLACEHOLDER);
/// ```
pub const PLACEHOLDER: u8 = b'?';

/// The ROM code for `c`, or [`PLACEHOLDER`] if the display has no such character.
///
/// ```
/// use usched_drivers::{to_rom, PLACEHOLDER};
/// assert_eq!(to_rom('A'), b'A');
/// assert_eq!(to_rom('°'), 0xDF);
/// assert_eq!(to_rom('→'), 0x7E);
/// assert_eq!(to_rom('~'), PLACEHOLDER); // the ROM has an arrow there
/// assert_eq!(to_rom('\n'), PLACEHOLDER);
/// ```
pub const fn to_rom(c: char) -> u8 {
    match c {
        '\\' | '~' => PLACEHOLDER,
        ' '..='}' => c as u8,
        '¥' => 0x5C,
        '→' => 0x7E,
        '←' => 0x7F,
        '°' => 0xDF,
        'α' => 0xE0,
        'ä' => 0xE1,
        'β' => 0xE2,
        'ε' => 0xE3,
        'µ' | 'μ' => 0xE4,
        'σ' => 0xE5,
        'ρ' => 0xE6,
        '√' => 0xE8,
        'ö' => 0xEF,
        'θ' => 0xF2,
        '∞' => 0xF3,
        'Ω' => 0xF4,
        'ü' => 0xF5,
        'Σ' => 0xF6,
        'π' => 0xF7,
        '÷' => 0xFD,
        '█' => 0xFF,
        _ => PLACEHOLDER,
    }
}
