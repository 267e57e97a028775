//! How the request types appear in the OpenAPI document. Each field's schema is built next to the
//! parser that checks it, from the same constants, so the document says exactly what is accepted:
//! `null` wherever absent is allowed, and the lenient forms the parsers take (pydantic's lax mode:
//! `"5"` for 5, `"yes"` for true).

use super::fields::{FALSE_WORDS, TRUE_WORDS};
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::RefOr;

/// A string of `min..=max` characters matching `pattern`.
pub fn string(min: usize, max: usize, pattern: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(min))
        .max_length(Some(max))
        .pattern(Some(pattern))
}

/// The schema, or `null` for "absent".
pub fn nullable(schema: impl Into<RefOr<Schema>>) -> Schema {
    or_null(schema).into()
}

/// The schema, or `null` for "absent", which means `default`.
pub fn defaulted(
    schema: impl Into<RefOr<Schema>>,
    default: impl Into<serde_json::Value>,
) -> Schema {
    or_null(schema).default(Some(default.into())).into()
}

fn or_null(schema: impl Into<RefOr<Schema>>) -> OneOfBuilder {
    OneOfBuilder::new()
        .item(schema)
        .item(ObjectBuilder::new().schema_type(Type::Null))
}

/// A whole number in `range`, as a JSON number or as a string of digits.
pub fn lax_integer(range: std::ops::RangeInclusive<i64>, description: &str) -> OneOfBuilder {
    let number = ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(*range.start() as f64))
        .maximum(Some(*range.end() as f64));
    let digits = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(digits_in(&range)));
    OneOfBuilder::new()
        .description(Some(description))
        .item(number)
        .item(digits)
}

/// `true`/`false`, `1`/`0`, or one of pydantic's words for them in any case.
pub fn lax_boolean(description: &str) -> Schema {
    let any_case: Vec<String> = TRUE_WORDS
        .iter()
        .chain(&FALSE_WORDS)
        .map(|w| any_case(w))
        .collect();
    OneOfBuilder::new()
        .description(Some(description))
        .default(Some(false.into()))
        .item(ObjectBuilder::new().schema_type(Type::Boolean))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .enum_values(Some([0, 1])),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(format!("^({})$", any_case.join("|")))),
        )
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .into()
}

/// A regular expression matching `word` in any mix of upper and lower case.
pub fn any_case(word: &str) -> String {
    word.chars()
        .map(|c| {
            if c.is_ascii_alphabetic() {
                format!("[{}{}]", c.to_ascii_lowercase(), c.to_ascii_uppercase())
            } else {
                regex_escape(c)
            }
        })
        .collect()
}

fn regex_escape(c: char) -> String {
    if c.is_ascii_alphanumeric() {
        c.to_string()
    } else {
        format!("\\{c}")
    }
}

/// A regular expression for the decimal numbers in `range` (0 or more, optional `+` and leading
/// zeros, as Rust's integer parser takes them), built digit by digit from the bounds.
fn digits_in(range: &std::ops::RangeInclusive<i64>) -> String {
    let (low, high) = (*range.start(), *range.end());
    debug_assert!(low >= 0 && low <= high);
    let alternatives: Vec<String> = split_by_length(low, high)
        .into_iter()
        .flat_map(|(from, to)| same_length(&from.to_string(), &to.to_string()))
        .collect();
    format!("^\\+?0*({})$", alternatives.join("|"))
}

/// `low..=high` cut into ranges whose bounds have the same number of digits.
fn split_by_length(low: i64, high: i64) -> Vec<(i64, i64)> {
    let mut parts = Vec::new();
    let mut from = low;
    while from <= high {
        let digits = from.to_string().len() as u32;
        let last_of_length = 10_i64.saturating_pow(digits).saturating_sub(1);
        let to = last_of_length.min(high);
        parts.push((from, to));
        from = to.saturating_add(1);
        if to == i64::MAX {
            break;
        }
    }
    parts
}

/// Patterns for the numbers from `low` to `high`, both of the same length.
fn same_length(low: &str, high: &str) -> Vec<String> {
    if low.is_empty() {
        return vec![String::new()];
    }
    let (l0, lrest) = low.split_at(1);
    let (h0, hrest) = high.split_at(1);
    let any = |n: usize| {
        if n == 0 {
            String::new()
        } else {
            format!("[0-9]{{{n}}}")
        }
    };
    if l0 == h0 {
        return same_length(lrest, hrest)
            .into_iter()
            .map(|rest| format!("{l0}{rest}"))
            .collect();
    }
    let width = lrest.len();
    let all_low = lrest.bytes().all(|b| b == b'0');
    let all_high = hrest.bytes().all(|b| b == b'9');
    let (first, last) = (digit(l0), digit(h0));
    let mut out = Vec::new();
    let middle_from = if all_low { first } else { first + 1 };
    let middle_to = if all_high { last } else { last - 1 };
    if !all_low {
        out.extend(
            same_length(lrest, &"9".repeat(width))
                .into_iter()
                .map(|rest| format!("{l0}{rest}")),
        );
    }
    if middle_from <= middle_to {
        let class = if middle_from == middle_to {
            middle_from.to_string()
        } else {
            format!("[{middle_from}-{middle_to}]")
        };
        out.push(format!("{class}{}", any(width)));
    }
    if !all_high {
        out.extend(
            same_length(&"0".repeat(width), hrest)
                .into_iter()
                .map(|rest| format!("{h0}{rest}")),
        );
    }
    out
}

fn digit(s: &str) -> u8 {
    s.as_bytes().first().map_or(0, |b| b - b'0')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(range: std::ops::RangeInclusive<i64>, n: i64) -> bool {
        let pattern = digits_in(&range);
        let inner = pattern
            .trim_start_matches("^\\+?0*(")
            .trim_end_matches(")$")
            .to_owned();
        inner
            .split('|')
            .any(|alt| simple_match(alt, &n.to_string()))
    }

    /// Matches the small subset of regular expressions `digits_in` writes.
    fn simple_match(pattern: &str, text: &str) -> bool {
        let mut p = pattern.as_bytes();
        let mut t = text.as_bytes();
        while !p.is_empty() {
            let (class, rest): (Vec<u8>, &[u8]) = if p[0] == b'[' {
                let end = p.iter().position(|b| *b == b']').unwrap();
                let inner = &p[1..end];
                let set = if inner.len() == 3 && inner[1] == b'-' {
                    (inner[0]..=inner[2]).collect()
                } else {
                    inner.to_vec()
                };
                (set, &p[end + 1..])
            } else {
                (vec![p[0]], &p[1..])
            };
            let (count, rest) = if rest.first() == Some(&b'{') {
                let end = rest.iter().position(|b| *b == b'}').unwrap();
                let n: usize = std::str::from_utf8(&rest[1..end]).unwrap().parse().unwrap();
                (n, &rest[end + 1..])
            } else {
                (1, rest)
            };
            for _ in 0..count {
                match t.split_first() {
                    Some((c, more)) if class.contains(c) => t = more,
                    _ => return false,
                }
            }
            p = rest;
        }
        t.is_empty()
    }

    #[test]
    fn a_digit_pattern_matches_exactly_the_numbers_of_its_range() {
        for (range, probes) in [
            (1..=1000, vec![0, 1, 9, 10, 99, 100, 999, 1000, 1001, 5000]),
            (1..=200, vec![0, 1, 19, 20, 99, 100, 199, 200, 201, 300]),
            (
                0..=2_147_483_647,
                vec![0, 7, 2_147_483_647, 2_147_483_648, 9_999_999_999],
            ),
            (
                37..=4321,
                vec![36, 37, 40, 99, 100, 4299, 4319, 4321, 4322, 4400],
            ),
        ] {
            for n in probes {
                assert_eq!(
                    matches(range.clone(), n),
                    range.contains(&n),
                    "{range:?} {n}"
                );
            }
        }
        assert_eq!(
            digits_in(&(1..=1000)),
            "^\\+?0*([1-9]|[1-9][0-9]{1}|[1-9][0-9]{2}|1000)$"
        );
    }

    #[test]
    fn words_match_in_any_case() {
        assert_eq!(any_case("on"), "[oO][nN]");
        assert_eq!(any_case("ns1"), "[nN][sS]1");
    }
}
