//! Reading a JSON body field by field, collecting every problem at its location
//! in the FastAPI / pydantic shape (`loc`, `msg`, `type`), so one answer lists them all.
//!
//! Scalars are read leniently the way pydantic's lax mode does (`"5"` is a valid integer,
//! `"true"` a valid boolean), so a client written against the documented API keeps working.

use serde::Serialize;
use serde_json::{Map, Value};

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FieldIssue {
    /// Where: `body`, `query` or `header`, then field names and array or byte positions.
    #[schema(schema_with = location_schema)]
    pub loc: Vec<Value>,
    pub msg: String,
    #[serde(rename = "type")]
    pub kind: String,
}

fn location_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Type};
    let part = OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::String))
        .item(ObjectBuilder::new().schema_type(Type::Integer));
    ArrayBuilder::new().items(part).build()
}

impl FieldIssue {
    pub fn new(loc: Vec<Value>, msg: impl Into<String>, kind: &str) -> Self {
        Self {
            loc,
            msg: msg.into(),
            kind: kind.to_owned(),
        }
    }
}

/// Locations are written `["body", "configurator", "user_name"]`, as FastAPI does.
pub fn body_loc(path: &[&str]) -> Vec<Value> {
    std::iter::once("body")
        .chain(path.iter().copied())
        .map(Value::from)
        .collect()
}

/// The strings pydantic's lax mode reads as booleans, in any case.
pub const TRUE_WORDS: [&str; 6] = ["true", "1", "yes", "on", "t", "y"];
pub const FALSE_WORDS: [&str; 6] = ["false", "0", "no", "off", "f", "n"];

#[derive(Default)]
pub struct FieldReader {
    issues: Vec<FieldIssue>,
}

impl FieldReader {
    pub fn push(&mut self, path: &[&str], msg: impl Into<String>, kind: &str) {
        self.issues.push(FieldIssue::new(body_loc(path), msg, kind));
    }

    pub fn finish<T>(self, value: T) -> Result<T, Vec<FieldIssue>> {
        if self.issues.is_empty() {
            Ok(value)
        } else {
            Err(self.issues)
        }
    }

    pub fn has_issues(&self) -> bool {
        !self.issues.is_empty()
    }

    /// An optional string; absent and `null` are both `None`.
    pub fn string<'a>(&mut self, obj: &'a Map<String, Value>, path: &[&str]) -> Option<&'a str> {
        match obj.get(*path.last()?) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(_) => {
                self.push(path, "Input should be a valid string", "string_type");
                None
            }
        }
    }

    /// An optional string checked by a domain parser; its message is reported as a `value_error`.
    pub fn parsed<T>(
        &mut self,
        obj: &Map<String, Value>,
        path: &[&str],
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let raw = self.string(obj, path)?;
        match parse(raw) {
            Ok(value) => Some(value),
            Err(msg) => {
                self.push(path, msg, "value_error");
                None
            }
        }
    }

    pub fn bool(&mut self, obj: &Map<String, Value>, path: &[&str]) -> Option<bool> {
        let value = obj.get(*path.last()?)?;
        let parsed = match value {
            Value::Null => return None,
            Value::Bool(b) => Some(*b),
            Value::Number(n) => match n.as_i64() {
                Some(0) => Some(false),
                Some(1) => Some(true),
                _ => None,
            },
            Value::String(s) => {
                let word = s.to_ascii_lowercase();
                if TRUE_WORDS.contains(&word.as_str()) {
                    Some(true)
                } else if FALSE_WORDS.contains(&word.as_str()) {
                    Some(false)
                } else {
                    None
                }
            }
            _ => None,
        };
        if parsed.is_none() {
            self.push(path, "Input should be a valid boolean", "bool_type");
        }
        parsed
    }

    pub fn int(&mut self, obj: &Map<String, Value>, path: &[&str]) -> Option<i64> {
        let value = obj.get(*path.last()?)?;
        let parsed = match value {
            Value::Null => return None,
            Value::Number(n) => n.as_i64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                    .map(|f| f as i64)
            }),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        if parsed.is_none() {
            self.push(path, "Input should be a valid integer", "int_type");
        }
        parsed
    }

    /// An optional nested object; anything else is a `dict_type` issue.
    pub fn object<'a>(
        &mut self,
        obj: &'a Map<String, Value>,
        path: &[&str],
    ) -> Option<&'a Map<String, Value>> {
        match obj.get(*path.last()?) {
            None | Some(Value::Null) => None,
            Some(Value::Object(map)) => Some(map),
            Some(_) => {
                self.push(path, "Input should be a valid dictionary", "dict_type");
                None
            }
        }
    }

    pub fn missing(&mut self, path: &[&str]) {
        self.push(path, "Field required", "missing");
    }
}

/// The issue for a body that is valid JSON but not an object.
pub fn not_an_object() -> Vec<FieldIssue> {
    vec![FieldIssue::new(
        body_loc(&[]),
        "Input should be a valid dictionary or object to extract fields from",
        "model_attributes_type",
    )]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn lax_scalars_are_read_like_pydantic() {
        let o = obj(json!({"a": "5", "b": 5.0, "c": "true", "d": 1, "e": null}));
        let mut r = FieldReader::default();
        assert_eq!(r.int(&o, &["a"]), Some(5));
        assert_eq!(r.int(&o, &["b"]), Some(5));
        assert_eq!(r.bool(&o, &["c"]), Some(true));
        assert_eq!(r.bool(&o, &["d"]), Some(true));
        assert_eq!(r.int(&o, &["e"]), None);
        assert!(!r.has_issues());
    }

    #[test]
    fn wrong_types_are_collected_with_their_location() {
        let o = obj(json!({"a": 5.5, "b": "maybe", "c": 3, "d": [1]}));
        let mut r = FieldReader::default();
        r.int(&o, &["a"]);
        r.bool(&o, &["b"]);
        r.string(&o, &["c"]);
        r.object(&o, &["d"]);
        let issues = r.finish(()).unwrap_err();
        let kinds: Vec<_> = issues.iter().map(|i| i.kind.as_str()).collect();
        assert_eq!(kinds, ["int_type", "bool_type", "string_type", "dict_type"]);
        assert_eq!(issues[0].loc, vec![json!("body"), json!("a")]);
    }
}
