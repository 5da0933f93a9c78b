//! The cookie-date algorithm of RFC 6265bis §5.1.1: the lenient parser browsers use for
//! `Expires`, which accepts any order of tokens and any junk between them.
//!
//! HTTP date crates (`httpdate`, `time`, the `cookie` crate's formats) accept only the three
//! HTTP-date layouts, which fails about half of the http-state date vectors, hence this ~100-line
//! implementation of the RFC's algorithm.

use crate::clock::{UnixTime, days_from_civil, days_in_month};

/// Parses a cookie date; `None` when the RFC's algorithm fails.
pub fn parse_cookie_date(input: &str) -> Option<UnixTime> {
    let mut time = None;
    let mut day = None;
    let mut month = None;
    let mut year = None;
    for token in input.as_bytes().split(|&b| is_delimiter(b)) {
        if token.is_empty() {
            continue;
        }
        // Each token fills the first still-missing field it matches, in this order (step 2).
        if time.is_none()
            && let Some(t) = parse_time(token)
        {
            time = Some(t);
        } else if day.is_none()
            && let Some(d) = leading_digits(token, 1, 2)
        {
            day = Some(d);
        } else if month.is_none()
            && let Some(m) = parse_month(token)
        {
            month = Some(m);
        } else if year.is_none()
            && let Some(y) = leading_digits(token, 2, 4)
        {
            year = Some(y);
        }
    }
    let ((hour, minute, second), day, month, year) = (time?, day?, month?, year?);
    // Steps 3-4: two-digit years.
    let year = match year {
        70..=99 => year + 1900,
        0..=69 => year + 2000,
        _ => year,
    };
    // Step 5, plus "abort if no such date exists" (e.g. 31 April).
    let year = i64::from(year);
    if year < 1601
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second))
}

/// `delimiter = %x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E`
fn is_delimiter(b: u8) -> bool {
    matches!(b, 0x09 | 0x20..=0x2F | 0x3B..=0x40 | 0x5B..=0x60 | 0x7B..=0x7E)
}

/// `min*max DIGIT ( non-digit *OCTET )`: the number the token starts with.
fn leading_digits(token: &[u8], min: usize, max: usize) -> Option<u32> {
    let digits = token.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits < min || digits > max {
        return None;
    }
    token[..digits]
        .iter()
        .try_fold(0u32, |n, &d| Some(n * 10 + u32::from(d - b'0')))
}

/// `time = hms-time ( non-digit *OCTET )`, `hms-time = 1*2DIGIT ":" 1*2DIGIT ":" 1*2DIGIT`.
fn parse_time(token: &[u8]) -> Option<(u32, u32, u32)> {
    let mut rest = token;
    let mut fields = [0u32; 3];
    for (index, field) in fields.iter_mut().enumerate() {
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        *field = leading_digits(rest, 1, 2)?;
        rest = &rest[digits..];
        if index < 2 {
            rest = rest.strip_prefix(b":")?;
        }
    }
    // A third digit right after the seconds makes it no time at all.
    if rest.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    Some((fields[0], fields[1], fields[2]))
}

/// `month = ( "jan" / ... / "dec" ) *OCTET`, case-insensitive.
fn parse_month(token: &[u8]) -> Option<u32> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    let prefix = token.get(..3)?;
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(prefix))
        .map(|i| i as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(year: i64, month: u32, day: u32, h: i64, m: i64, s: i64) -> UnixTime {
        days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s
    }

    #[test]
    fn the_three_http_layouts_parse() {
        let expected = at(1994, 11, 6, 8, 49, 37);
        assert_eq!(
            parse_cookie_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(expected)
        );
        assert_eq!(
            parse_cookie_date("Sunday, 06-Nov-94 08:49:37 GMT"),
            Some(expected)
        );
        assert_eq!(
            parse_cookie_date("Sun Nov  6 08:49:37 1994"),
            Some(expected)
        );
    }

    #[test]
    fn impossible_dates_fail() {
        assert_eq!(parse_cookie_date("31 Apr 2011 00:00:00"), None);
        assert_eq!(parse_cookie_date("29 Feb 2011 00:00:00"), None);
        assert_eq!(
            parse_cookie_date("29 Feb 2012 00:00:00"),
            Some(at(2012, 2, 29, 0, 0, 0))
        );
        assert_eq!(parse_cookie_date("01 Jan 1600 00:00:00"), None);
        assert_eq!(parse_cookie_date("01 Jan 2011 24:00:00"), None);
        assert_eq!(parse_cookie_date("01 Jan 2011"), None);
        assert_eq!(parse_cookie_date(""), None);
    }

    #[test]
    fn non_ascii_bytes_are_not_delimiters() {
        assert_eq!(
            parse_cookie_date("01 Jan 2011 00:00:00é"),
            Some(at(2011, 1, 1, 0, 0, 0))
        );
        assert_eq!(parse_cookie_date("é01 Jan 2011 00:00:00"), None);
    }
}
