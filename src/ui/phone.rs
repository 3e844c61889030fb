//! The national help line, in one place: the layout's footer, the
//! "cannot read the data" message, refusals and the confirmation give it.

/// The national vaccination line of January 2021, free of charge.
/// Written as free numbers are ("0 800 …", no-break spaces: it never
/// wraps), dialled in international form.
pub const NATIONAL_PHONE: &str = "0\u{a0}800\u{a0}009\u{a0}110";
pub const NATIONAL_PHONE_TEL: &str = "tel:+33800009110";
