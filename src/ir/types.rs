//! Field types: the built-in primitives and the type expression grammar.
//!
//! ```text
//! type      := base '?'?
//! base      := primitive | Name | '[' type ']' | 'map<string,' type '>'
//! ```

use super::TypeId;

/// A built-in scalar type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Primitive {
    /// UTF-8 text.
    String,
    /// true / false.
    Bool,
    /// Signed 32-bit integer.
    I32,
    /// Signed 64-bit integer.
    I64,
    /// Unsigned 32-bit integer.
    U32,
    /// Unsigned 64-bit integer.
    U64,
    /// 64-bit float.
    F64,
    /// Exact decimal number (money).
    Decimal,
    /// UUID.
    Uuid,
    /// Point in time (UTC).
    Timestamp,
    /// Calendar date.
    Date,
    /// Binary data.
    Bytes,
    /// Any JSON value.
    Json,
}

impl Primitive {
    /// Every primitive with its spelling in the model.
    pub const ALL: &'static [(&'static str, Primitive)] = &[
        ("string", Primitive::String),
        ("bool", Primitive::Bool),
        ("i32", Primitive::I32),
        ("i64", Primitive::I64),
        ("u32", Primitive::U32),
        ("u64", Primitive::U64),
        ("f64", Primitive::F64),
        ("decimal", Primitive::Decimal),
        ("uuid", Primitive::Uuid),
        ("timestamp", Primitive::Timestamp),
        ("date", Primitive::Date),
        ("bytes", Primitive::Bytes),
        ("json", Primitive::Json),
    ];

    /// The primitive spelt `name`.
    pub fn parse(name: &str) -> Option<Primitive> {
        Primitive::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, p)| *p)
    }

    /// Its spelling in the model.
    pub fn name(self) -> &'static str {
        Primitive::ALL
            .iter()
            .find(|(_, p)| *p == self)
            .map_or("?", |(n, _)| n)
    }
}

/// A resolved field type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TypeRef {
    /// A built-in.
    Primitive(Primitive),
    /// A record or enum of the same context.
    Named(TypeId),
    /// `[T]`.
    List(Box<TypeRef>),
    /// `T?`.
    Optional(Box<TypeRef>),
    /// `map<string, T>`.
    Map(Box<TypeRef>),
}

/// A type expression before name resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeSyntax {
    /// A primitive or a type name; `offset` is its byte offset in the expression.
    Name {
        /// The name.
        name: String,
        /// Byte offset in the expression text.
        offset: usize,
    },
    /// `[T]`.
    List(Box<TypeSyntax>),
    /// `T?`.
    Optional(Box<TypeSyntax>),
    /// `map<string, T>`.
    Map(Box<TypeSyntax>),
}

/// Why a type expression does not parse, and where (byte offset in the expression).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeSyntaxError {
    /// Byte offset of the problem in the expression.
    pub offset: usize,
    /// Length of the offending text.
    pub len: usize,
    /// What is wrong.
    pub message: String,
}

/// Parses a type expression such as `[OrderLine]?` or `map<string, Money>`.
pub fn parse_type(text: &str) -> Result<TypeSyntax, TypeSyntaxError> {
    let mut parser = Parser { text, pos: 0 };
    parser.skip_spaces();
    let ty = parser.ty()?;
    parser.skip_spaces();
    if parser.pos < text.len() {
        return Err(TypeSyntaxError {
            offset: parser.pos,
            len: text.len() - parser.pos,
            message: format!("unexpected `{}` after the type", &text[parser.pos..]),
        });
    }
    Ok(ty)
}

struct Parser<'t> {
    text: &'t str,
    pos: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn skip_spaces(&mut self) {
        while self.rest().starts_with(' ') {
            self.pos += 1;
        }
    }

    fn error(&self, message: impl Into<String>) -> TypeSyntaxError {
        TypeSyntaxError {
            offset: self.pos,
            len: self.rest().chars().next().map_or(0, char::len_utf8),
            message: message.into(),
        }
    }

    fn expect(&mut self, token: &str) -> Result<(), TypeSyntaxError> {
        self.skip_spaces();
        if self.rest().starts_with(token) {
            self.pos += token.len();
            Ok(())
        } else if self.rest().is_empty() {
            Err(self.error(format!("expected `{token}`, the type ends too early")))
        } else {
            Err(self.error(format!("expected `{token}`")))
        }
    }

    fn ty(&mut self) -> Result<TypeSyntax, TypeSyntaxError> {
        let mut base = self.base()?;
        self.skip_spaces();
        if self.rest().starts_with('?') {
            self.pos += 1;
            base = TypeSyntax::Optional(Box::new(base));
            self.skip_spaces();
            if self.rest().starts_with('?') {
                return Err(self.error("a type is optional once: write `T?`, not `T??`"));
            }
        }
        Ok(base)
    }

    fn base(&mut self) -> Result<TypeSyntax, TypeSyntaxError> {
        self.skip_spaces();
        if self.rest().starts_with('[') {
            self.pos += 1;
            let inner = self.ty()?;
            self.expect("]")?;
            return Ok(TypeSyntax::List(Box::new(inner)));
        }
        let start = self.pos;
        let len = self
            .rest()
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(self.rest().len());
        if len == 0 {
            return Err(if self.rest().is_empty() {
                self.error("expected a type, found nothing")
            } else {
                self.error(format!(
                    "expected a type name, `[T]` or `map<string, T>`, found `{}`",
                    self.rest().chars().next().unwrap_or(' ')
                ))
            });
        }
        let name = &self.text[start..start + len];
        self.pos += len;
        if name == "map" {
            self.expect("<")?;
            self.skip_spaces();
            let key_start = self.pos;
            let key_len = self
                .rest()
                .find(|c: char| !c.is_alphanumeric())
                .unwrap_or(self.rest().len());
            let key = &self.text[key_start..key_start + key_len];
            if key != "string" {
                return Err(TypeSyntaxError {
                    offset: key_start,
                    len: key_len.max(1),
                    message: "map keys must be `string` (JSON object keys are strings)".to_owned(),
                });
            }
            self.pos += key_len;
            self.expect(",")?;
            let value = self.ty()?;
            self.expect(">")?;
            return Ok(TypeSyntax::Map(Box::new(value)));
        }
        Ok(TypeSyntax::Name {
            name: name.to_owned(),
            offset: start,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(n: &str, offset: usize) -> TypeSyntax {
        TypeSyntax::Name {
            name: n.to_owned(),
            offset,
        }
    }

    #[test]
    fn parses_nested_types() {
        assert_eq!(parse_type("string").unwrap(), name("string", 0));
        assert_eq!(
            parse_type("[Line]?").unwrap(),
            TypeSyntax::Optional(Box::new(TypeSyntax::List(Box::new(name("Line", 1)))))
        );
        assert_eq!(
            parse_type("map<string, [u32]>").unwrap(),
            TypeSyntax::Map(Box::new(TypeSyntax::List(Box::new(name("u32", 13)))))
        );
    }

    #[test]
    fn reports_the_offending_offset() {
        assert_eq!(parse_type("[Line").unwrap_err().offset, 5);
        assert_eq!(parse_type("map<u32, Line>").unwrap_err().offset, 4);
        assert_eq!(parse_type("Line??").unwrap_err().offset, 5);
        assert_eq!(parse_type("Line x").unwrap_err().offset, 5);
        assert_eq!(parse_type("").unwrap_err().offset, 0);
    }
}
