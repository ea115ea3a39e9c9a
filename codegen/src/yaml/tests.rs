//! The loader against the expected values and positions.

use super::*;

fn value(text: &str) -> Value {
    load(text)
        .unwrap_or_else(|e| panic!("{text:?}: {}", e.message))
        .0
}

/// The value of `v: {scalar}`.
fn scalar_of(scalar: &str) -> Value {
    match value(&format!("v: {scalar}")) {
        Value::Mapping(m) => m.entries()[0].value.clone(),
        other => panic!("{other:?}"),
    }
}

fn string(s: &str) -> Value {
    Value::String(s.into())
}

/// The typing the spec files were written against (serde_yaml 0.9's,
/// YAML 1.2 core schema), checked value by value against it.
#[test]
fn plain_scalars_are_typed_as_yaml_1_2_core() {
    for null in ["", "~", "null", "Null", "NULL"] {
        assert_eq!(scalar_of(null), Value::Null, "{null:?}");
    }
    for (text, b) in [
        ("true", true),
        ("True", true),
        ("TRUE", true),
        ("false", false),
        ("FALSE", false),
    ] {
        assert_eq!(scalar_of(text), Value::Bool(b), "{text}");
    }
    // YAML 1.1's booleans and odd spellings are strings.
    for text in [
        "yes",
        "no",
        "on",
        "off",
        "y",
        "n",
        "tRue",
        "nUll",
        "inf",
        "nan",
        "infinity",
        "1_000",
        "0x",
        "0x-5",
        "1.2.3",
        "12:30",
        "2024-01-01",
    ] {
        assert_eq!(scalar_of(text), string(text), "{text}");
    }
    for (text, n) in [
        ("0", 0),
        ("-0", 0),
        ("+12", 12),
        ("-12", -12),
        ("0x10", 16),
        ("0xFF", 255),
        ("-0x10", -16),
        ("+0x10", 16),
        ("0o17", 15),
        ("-0o17", -15),
        ("0b101", 5),
        ("9223372036854775807", i64::MAX.into()),
        ("-9223372036854775808", i64::MIN.into()),
        ("18446744073709551615", u64::MAX.into()),
    ] {
        assert_eq!(scalar_of(text), Value::Integer(n), "{text}");
    }
    // A leading zero then digits only: a string (an octal in YAML 1.1).
    for text in ["0777", "-0777", "+0777", "00"] {
        assert_eq!(scalar_of(text), string(text), "{text}");
    }
    for (text, x) in [
        ("1e3", 1000.0),
        ("1E3", 1000.0),
        ("-1e3", -1000.0),
        ("0.5", 0.5),
        ("01.5", 1.5),
        (".5", 0.5),
        ("5.", 5.0),
        ("1e400", f64::INFINITY), // not finite: a string, below
        (".inf", f64::INFINITY),
        ("+.inf", f64::INFINITY),
        ("-.Inf", f64::NEG_INFINITY),
        ("1e41", 1e41), // too wide for an integer, a float
    ] {
        if text == "1e400" {
            assert_eq!(scalar_of(text), string(text));
            continue;
        }
        assert_eq!(scalar_of(text), Value::Float(x), "{text}");
    }
    assert_eq!(
        scalar_of("100000000000000000000000000000000000000000"),
        Value::Float(1e41)
    );
    for nan in [".nan", ".NaN", ".NAN"] {
        assert!(
            matches!(scalar_of(nan), Value::Float(x) if x.is_nan()),
            "{nan}"
        );
    }
    for text in ["+.nan", "-.nan", "+-.inf"] {
        assert_eq!(scalar_of(text), string(text), "{text}");
    }
}

#[test]
fn quoted_and_block_scalars_are_strings() {
    assert_eq!(scalar_of("'12'"), string("12"));
    assert_eq!(scalar_of("\"true\""), string("true"));
    assert_eq!(scalar_of("''"), string(""));
    assert_eq!(scalar_of("\"~\""), string("~"));
    assert_eq!(value("v: |\n  12\n"), value("v: \"12\\n\""));
    assert_eq!(scalar_of(">-\n  a\n  b"), string("a b"));
}

#[test]
fn tags_type_their_scalars() {
    assert_eq!(scalar_of("!!str 12"), string("12"));
    assert_eq!(scalar_of("!!int '12'"), Value::Integer(12));
    assert_eq!(scalar_of("!!float 1"), Value::Float(1.0));
    assert_eq!(scalar_of("!!bool TRUE"), Value::Bool(true));
    assert_eq!(scalar_of("!!null ~"), Value::Null);
    assert_eq!(scalar_of("!!binary aGk="), string("aGk="));
    let tagged = |tag: &str, value| {
        Value::Tagged(Box::new(Tagged {
            tag: tag.into(),
            value,
        }))
    };
    assert_eq!(scalar_of("!x 12"), tagged("!x", Value::Integer(12)));
    assert_eq!(scalar_of("!x '12'"), tagged("!x", string("12")));
    assert_eq!(
        scalar_of("!x [a]").to_json().unwrap(),
        serde_json::json!({"!x": ["a"]})
    );
    for bad in ["!!int x", "!!bool yes", "!!float x", "!!null x"] {
        let error = load(&format!("v: {bad}")).unwrap_err();
        assert_eq!(error.kind, ErrorKind::Scalar, "{bad}");
        assert!(
            error.message.starts_with("invalid value"),
            "{}",
            error.message
        );
    }
}

#[test]
fn integers_must_fit_in_64_bits() {
    for text in [
        "18446744073709551616",
        "-9223372036854775809",
        "0xFFFFFFFFFFFFFFFFFF",
    ] {
        let error = load(&format!("a:\n  v: {text}\n")).unwrap_err();
        assert_eq!(error.kind, ErrorKind::Scalar);
        assert_eq!(
            error.message,
            format!("the integer `{text}` does not fit in 64 bits")
        );
        assert_eq!(error.position, Position { line: 2, column: 6 });
        assert_eq!(error.path.to_string(), "a.v");
    }
}

#[test]
fn numbers_display_as_yaml_writes_them() {
    for (text, shown) in [
        ("1e3", "1000.0"),
        ("1.5e20", "1.5e20"),
        ("1e16", "1e16"),
        ("1e15", "1000000000000000.0"),
        ("0.0001", "0.0001"),
        ("0.00001", "0.00001"),
        ("0.000012", "0.000012"),
        ("0.000001", "1e-6"),
        ("1e-7", "1e-7"),
        ("-0.0", "-0.0"),
        (".inf", ".inf"),
        ("-.inf", "-.inf"),
        (".nan", ".nan"),
        ("0x10", "16"),
        ("-12", "-12"),
    ] {
        assert_eq!(scalar_of(text).to_string(), shown, "{text}");
    }
}

#[test]
fn mappings_keep_order_and_positions() {
    let v = value("b: 1\na:\n  - x\n  - {y: 2}\n");
    let Value::Mapping(m) = &v else { panic!() };
    let keys: Vec<String> = m.iter().map(|(k, _)| k.key_text().unwrap()).collect();
    assert_eq!(keys, ["b", "a"]);
    let a = &m.entries()[1];
    assert_eq!(a.key_position, Position { line: 2, column: 1 });
    let Value::Sequence(items) = &a.value else {
        panic!()
    };
    assert_eq!(items.position(1), Some(Position { line: 4, column: 5 }));
    assert_eq!(items.len(), 2);
}

#[test]
fn keys_are_compared_as_values() {
    let error = load("a:\n  1: x\n  0x1: y\n").unwrap_err();
    assert_eq!(
        error.kind,
        ErrorKind::DuplicateKey {
            key: Some("0x1".into())
        }
    );
    assert_eq!(error.message, "duplicate key `0x1`");
    assert_eq!(error.position, Position { line: 3, column: 3 });
    assert_eq!(error.path.to_string(), "a.1");
    // A string and a number are different keys.
    assert!(load("1: x\n'1': y\n").is_ok());
}

#[test]
fn aliases_repeat_their_anchor_within_limits() {
    assert_eq!(
        value("a: &x [1, 2]\nb: *x\n"),
        value("a: [1, 2]\nb: [1, 2]\n")
    );
    // A billion laughs stops early instead of exhausting memory.
    let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..10 {
        let previous = (b'a' + level - 1) as char;
        let name = (b'a' + level) as char;
        let aliases = vec![format!("*{previous}"); 10].join(", ");
        text.push_str(&format!("{name}: &{name} [{aliases}]\n"));
    }
    let error = load(&text).unwrap_err();
    assert_eq!(error.kind, ErrorKind::TooRepetitive);
    assert_eq!(error.message, "repetition limit exceeded");
}

#[test]
fn nesting_is_limited() {
    let deep = |n: usize| format!("v: {}{}\n", "[".repeat(n), "]".repeat(n));
    assert!(load(&deep(MAX_DEPTH - 1)).is_ok());
    let error = load(&deep(MAX_DEPTH)).unwrap_err();
    assert_eq!(error.kind, ErrorKind::TooDeep);
    assert_eq!(error.message, "recursion limit exceeded");
    // The root mapping is one level: the 128th `[` is one too many.
    assert_eq!(error.position.column, 3 + MAX_DEPTH);
    // Deeper than the scanner goes: the same place.
    let error = load(&deep(300)).unwrap_err();
    assert_eq!(error.kind, ErrorKind::TooDeep);
    assert_eq!(error.position.column, 3 + MAX_DEPTH);
}

#[test]
fn one_document_per_file() {
    assert_eq!(load("").unwrap().0, Value::Null);
    assert_eq!(load("# only a comment\n").unwrap().0, Value::Null);
    assert_eq!(load("---\na: 1\n").unwrap().0, value("a: 1"));
    let error = load("a: 1\n---\nb: 2\n").unwrap_err();
    assert_eq!(error.kind, ErrorKind::SecondDocument);
    assert_eq!(error.position, Position { line: 2, column: 1 });
}

#[test]
fn control_characters_and_byte_order_marks() {
    let error = load("a: 1\nb: x\u{7f}y\n").unwrap_err();
    assert_eq!(error.kind, ErrorKind::ControlCharacter);
    assert_eq!(error.position, Position { line: 2, column: 5 });
    let (v, _) = load("\u{feff}a: 1\n").unwrap();
    assert_eq!(v, value("a: 1"));
    // Columns count the mark, as an editor shows it.
    let Value::Mapping(m) = v else { panic!() };
    assert_eq!(m.entries()[0].key_position, Position { line: 1, column: 2 });
    assert_eq!(
        m.entries()[0].value_position,
        Position { line: 1, column: 5 }
    );
    assert!(load("a: 'b\tc'\r\nc: d\n").is_ok());
}

#[test]
fn json_of_examples() {
    assert_eq!(
        value("{a: [1, -2, 0.5, true, ~, x], 1: b, true: c, 1.5: d}")
            .to_json()
            .unwrap(),
        serde_json::json!({"a": [1, -2, 0.5, true, null, "x"], "1": "b", "true": "c", "1.5": "d"})
    );
    assert_eq!(
        value("v: .inf").to_json().unwrap(),
        serde_json::json!({"v": null})
    );
    assert_eq!(
        value("{~: 1}").to_json().unwrap_err(),
        "key must be a string"
    );
    assert_eq!(
        value("{[a]: 1}").to_json().unwrap_err(),
        "key must be a string"
    );
}

/// One-line YAML as serde_yaml 0.9 wrote it (the doc comments' `Example:`),
/// checked value by value against it.
#[test]
fn one_line_yaml_of_examples() {
    let inline = |text: &str| value(text).to_inline_yaml();
    for (text, shown) in [
        ("abc", "abc"),
        ("'777'", "'777'"),
        ("'12'", "'12'"),
        ("'true'", "'true'"),
        ("'yes'", "yes"),
        ("'~'", "'~'"),
        ("''", "''"),
        ("'1e3'", "'1e3'"),
        ("'0x10'", "'0x10'"),
        ("'a: b'", "'a: b'"),
        ("'a:b'", "a:b"),
        ("'a #b'", "'a #b'"),
        ("'a#b'", "a#b"),
        ("'- a'", "'- a'"),
        ("'-a'", "-a"),
        ("'---'", "'---'"),
        ("'@a'", "'@a'"),
        ("'[a]'", "'[a]'"),
        ("'a,b'", "a,b"),
        ("' a'", "' a'"),
        ("'a '", "'a '"),
        ("\"it's\"", "it's"),
        ("\"'a\"", "'''a'"),
        ("\"a\\tb\"", "\"a\\tb\""),
        ("\"a\\rb\"", "\"a\\rb\""),
        ("\"a\\u0085b\"", "\"a\\Nb\""),
        ("\"\\ufeffa\"", "\"\\uFEFFa\""),
        ("\"a\\\"b\"", "a\"b"),
        ("文档", "文档"),
        ("https://xxx.com/xxx", "https://xxx.com/xxx"),
        (
            "\"Application.Range(\\\"A1\\\").Value = \\\"bar\\\"\"",
            "Application.Range(\"A1\").Value = \"bar\"",
        ),
        ("1", "1"),
        ("-1", "-1"),
        ("1.5", "1.5"),
        ("true", "true"),
        ("~", "null"),
        ("[]", "[]"),
        ("{}", "{}"),
        ("[doc]", "- doc"),
        ("[[1]]", "- - 1"),
        ("[{a: 1}]", "- a: 1"),
        ("[[]]", "- []"),
        ("{a: 1}", "a: 1"),
        ("{a: []}", "a: []"),
        ("{'1': x}", "'1': x"),
        ("{[]: 1}", "[]: 1"),
        ("{~: 1}", "null: 1"),
        ("!x a", "!x a"),
        ("!x []", "!x []"),
    ] {
        assert_eq!(inline(text).as_deref(), Some(shown), "{text}");
    }
    for text in [
        "[a, b]",
        "{a: 1, b: 2}",
        "{a: [1]}",
        "{a: {b: 1}}",
        "{[a]: 1}",
        "\"a\\nb\"",
        "!x [a]",
        "{\"a\\nb\": 1}",
    ] {
        assert_eq!(inline(text), None, "{text}");
    }
    // Multi-line text double-quoted where a block cannot hold it.
    assert_eq!(inline("\"a \\nb \"").as_deref(), Some("\"a \\nb \""));
}
