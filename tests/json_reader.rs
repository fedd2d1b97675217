//! Conformance tests for the strict JSON reader (`twilio_jwt::json`), in the style of
//! JSONTestSuite: `y_` documents must parse, `n_` documents must be rejected (with the expected
//! error), plus accessor tests and property tests against serde_json.

use std::fmt::Write as _;
use std::time::Instant;

use proptest::prelude::*;
use serde_json::Value as J;
use twilio_jwt::json::{JsonStr, Kind, MAX_DEPTH, Rule, Value, parse};

use Rule::*;

// ---------------------------------------------------------------------------------------------
// y_ / n_ tables
// ---------------------------------------------------------------------------------------------

/// Documents that must parse.
const Y: &[(&str, &[u8])] = &[
    // structure
    ("y_array_empty", b"[]"),
    ("y_array_empty_ws", b"[ \t\r\n]"),
    ("y_array_nested_empty", b"[[[]]]"),
    ("y_array_mixed", br#"[1,"a",true,false,null,{},[]]"#),
    ("y_array_ws_everywhere", b" [ 1 , 2 , [ 3 ] ] "),
    ("y_object_empty", b"{}"),
    ("y_object_empty_ws", b"{ \n }"),
    ("y_object_simple", br#"{"a":1}"#),
    ("y_object_ws_everywhere", b" { \"a\" : 1 , \"b\" :\t[ ] } "),
    ("y_object_empty_key", br#"{"":0}"#),
    ("y_object_keys_differ_by_case", br#"{"a":1,"A":2}"#),
    ("y_object_same_key_sibling_objects", br#"{"a":{"a":1},"b":{"a":2}}"#),
    ("y_object_same_key_in_array_elements", br#"[{"a":1},{"a":2}]"#),
    ("y_object_same_key_parent_child", br#"{"a":{"a":{"a":null}}}"#),
    ("y_object_keys_prefix", br#"{"a":1,"ab":2,"abc":3,"b":4}"#),
    ("y_object_escaped_distinct", br#"{"\u0061":1,"\u0062":2}"#),
    ("y_object_key_backslash_vs_u", br#"{"\\u0061":1,"a":2}"#),
    ("y_object_jwt_payload", br#"{"jti":"SK1-1700000000","grants":{"identity":"alice","video":{"room":"r"}},"iss":"SK1","exp":1700003600,"nbf":1700000000,"sub":"AC1"}"#),
    // literals
    ("y_literal_true", b"true"),
    ("y_literal_false", b"false"),
    ("y_literal_null", b"null"),
    ("y_literals_in_array", b"[true,false,null]"),
    // numbers
    ("y_number_0", b"0"),
    ("y_number_minus_0", b"-0"),
    ("y_number_int", b"123456789"),
    ("y_number_negative", b"-1"),
    ("y_number_fraction", b"1.5"),
    ("y_number_minus_zero_fraction", b"-0.0"),
    ("y_number_exp", b"1e10"),
    ("y_number_exp_upper", b"1E10"),
    ("y_number_exp_plus", b"1e+10"),
    ("y_number_exp_minus", b"1e-10"),
    ("y_number_fraction_exp", b"-1.5E-3"),
    ("y_number_zero_exp", b"0e0"),
    ("y_number_exp_leading_zeros", b"1e007"),
    ("y_number_huge", b"123456789012345678901234567890"),
    ("y_number_huge_exp", b"1e400"),
    ("y_number_in_array", b"[0,-0,1.0,2e3]"),
    // strings
    ("y_string_empty", br#""""#),
    ("y_string_ascii", br#""abc""#),
    ("y_string_space", br#"" ""#),
    ("y_string_all_short_escapes", br#""\" \\ \/ \b \f \n \r \t""#),
    ("y_string_u0000", br#""\u0000""#),
    ("y_string_u_lower", br#""\u00e9""#),
    ("y_string_u_upper", br#""\u00E9""#),
    ("y_string_u_mixed_case", br#""\uAbCd""#),
    ("y_string_u_ffff", br#""\uFFFF""#),
    ("y_string_surrogate_pair", br#""\ud83d\ude00""#),
    ("y_string_surrogate_pair_upper", br#""\uD83D\uDE00""#),
    ("y_string_surrogate_pair_max", br#""\uDBFF\uDFFF""#),
    ("y_string_surrogate_pair_min", br#""\uD800\uDC00""#),
    ("y_string_two_pairs", br#""\ud834\udd1e\ud83d\ude00""#),
    ("y_string_escaped_backslash_then_u", br#""\\u0000""#),
    ("y_string_escaped_backslash_then_surrogate_text", br#""\\ud800""#),
    ("y_string_raw_slash", br#""a/b""#),
    ("y_string_raw_del", b"\"\x7f\""),
    ("y_string_raw_u2028", "\"\u{2028}\u{2029}\"".as_bytes()),
    ("y_string_utf8_2byte", "\"é\"".as_bytes()),
    ("y_string_utf8_3byte", "\"東京\"".as_bytes()),
    ("y_string_utf8_4byte", "\"😀\"".as_bytes()),
    ("y_string_utf8_max", b"\"\xf4\x8f\xbf\xbf\""),
    ("y_string_utf8_bom_inside", b"\"\xef\xbb\xbf\""),
    ("y_string_utf8_noncharacter", b"\"\xef\xbf\xbf\""),
    ("y_string_single_quote", br#""'""#),
    ("y_string_comment_like", br#""/* not a comment */""#),
    // whitespace
    ("y_ws_around_number", b"\t\n\r 1 \r\n\t"),
    ("y_ws_trailing_newline", b"{}\n"),
    ("y_ws_leading", b"   null"),
];

/// Documents that must be rejected, with the expected error.
const N: &[(&str, &[u8], Rule)] = &[
    // empty / whitespace
    ("n_empty", b"", UnexpectedEnd),
    ("n_ws_only", b" \t\r\n", UnexpectedEnd),
    ("n_form_feed_ws", b"\x0c1", UnexpectedByte),
    ("n_vertical_tab_after", b"1\x0b", TrailingData),
    ("n_nbsp_ws", b"\xc2\xa01", UnexpectedByte),
    ("n_u2028_outside_string", b"\xe2\x80\xa8 1", UnexpectedByte),
    ("n_bom", b"\xef\xbb\xbf{}", UnexpectedByte),
    // structure
    ("n_array_unclosed", b"[", UnexpectedEnd),
    ("n_array_unclosed_value", b"[1", UnexpectedEnd),
    ("n_array_unclosed_comma", b"[1,", UnexpectedEnd),
    ("n_array_close_only", b"]", UnexpectedByte),
    ("n_array_trailing_comma", b"[1,]", TrailingComma),
    ("n_array_leading_comma", b"[,1]", UnexpectedByte),
    ("n_array_double_comma", b"[1,,2]", UnexpectedByte),
    ("n_array_comma_only", b"[,]", UnexpectedByte),
    ("n_array_missing_comma", b"[1 2]", UnexpectedByte),
    ("n_array_colon", b"[1:2]", UnexpectedByte),
    ("n_array_mismatched_close", b"[}", UnexpectedByte),
    ("n_array_single_quotes", b"['a']", UnexpectedByte),
    ("n_array_comment", b"[1/*c*/]", UnexpectedByte),
    ("n_object_unclosed", b"{", UnexpectedEnd),
    ("n_object_unclosed_value", br#"{"a":1"#, UnexpectedEnd),
    ("n_object_key_only", br#"{"a"}"#, UnexpectedByte),
    ("n_object_missing_colon", br#"{"a" 1}"#, UnexpectedByte),
    ("n_object_double_colon", br#"{"a"::1}"#, UnexpectedByte),
    ("n_object_missing_value", br#"{"a":}"#, UnexpectedByte),
    ("n_object_unquoted_key", b"{a:1}", UnexpectedByte),
    ("n_object_single_quoted_key", b"{'a':1}", UnexpectedByte),
    ("n_object_numeric_key", b"{1:1}", UnexpectedByte),
    ("n_object_null_key", b"{null:1}", UnexpectedByte),
    ("n_object_trailing_comma", br#"{"a":1,}"#, TrailingComma),
    ("n_object_comma_only", b"{,}", UnexpectedByte),
    (
        "n_object_missing_comma",
        br#"{"a":1 "b":2}"#,
        UnexpectedByte,
    ),
    ("n_object_semicolon", br#"{"a":1;"b":2}"#, UnexpectedByte),
    ("n_object_mismatched_close", b"{]", UnexpectedByte),
    ("n_object_close_only", b"}", UnexpectedByte),
    // literals
    ("n_literal_true_capital", b"True", UnexpectedByte),
    ("n_literal_null_upper", b"NULL", UnexpectedByte),
    ("n_literal_truncated_true", b"tru", UnexpectedEnd),
    (
        "n_literal_truncated_null_in_array",
        b"[nul]",
        UnexpectedByte,
    ),
    ("n_literal_extra_letter", b"[nulll]", UnexpectedByte),
    ("n_literal_glued", b"truex", UnexpectedByte),
    ("n_literal_undefined", b"undefined", UnexpectedByte),
    // numbers
    ("n_number_leading_zero", b"01", InvalidNumber),
    ("n_number_leading_zero_in_array", b"[012]", InvalidNumber),
    ("n_number_minus_leading_zero", b"-01", InvalidNumber),
    ("n_number_plus", b"+1", UnexpectedByte),
    ("n_number_dot_first", b".5", UnexpectedByte),
    ("n_number_dot_last", b"5.", InvalidNumber),
    ("n_number_dot_exp", b"1.e3", InvalidNumber),
    ("n_number_exp_no_digits", b"1e", InvalidNumber),
    ("n_number_exp_sign_no_digits", b"1e+", InvalidNumber),
    ("n_number_minus_only", b"-", InvalidNumber),
    ("n_number_minus_space", b"- 1", InvalidNumber),
    ("n_number_hex", b"0x1F", InvalidNumber),
    ("n_number_nan", b"NaN", UnexpectedByte),
    ("n_number_infinity", b"Infinity", UnexpectedByte),
    ("n_number_minus_infinity", b"-Infinity", InvalidNumber),
    ("n_number_two_dots", b"1.2.3", InvalidNumber),
    ("n_number_underscore", b"1_000", InvalidNumber),
    (
        "n_number_fullwidth_digit",
        "\u{ff11}".as_bytes(),
        UnexpectedByte,
    ),
    ("n_number_dot_in_array", b"[1.]", InvalidNumber),
    // strings: grammar
    ("n_string_unterminated", br#""abc"#, UnexpectedEnd),
    ("n_string_single_quotes", b"'a'", UnexpectedByte),
    ("n_string_backslash_at_end", br#""\"#, UnexpectedEnd),
    // strings: escapes
    ("n_escape_x", br#""\x41""#, InvalidEscape),
    ("n_escape_a", br#""\a""#, InvalidEscape),
    ("n_escape_single_quote", br#""\'""#, InvalidEscape),
    ("n_escape_zero", br#""\0""#, InvalidEscape),
    ("n_escape_capital_u", br#""\U0041""#, InvalidEscape),
    ("n_escape_space", br#""\ ""#, InvalidEscape),
    ("n_escape_non_ascii", "\"\\é\"".as_bytes(), InvalidEscape),
    ("n_escape_u_short", br#""\u12""#, InvalidEscape),
    ("n_escape_u_bad_hex", br#""\u12G4""#, InvalidEscape),
    ("n_escape_u_plus", br#""\u+123""#, InvalidEscape),
    // strings: raw control characters
    ("n_control_nul", b"\"a\x00b\"", ControlCharacter),
    ("n_control_01", b"\"\x01\"", ControlCharacter),
    ("n_control_1f", b"\"\x1f\"", ControlCharacter),
    ("n_control_newline", b"\"a\nb\"", ControlCharacter),
    ("n_control_tab", b"\"a\tb\"", ControlCharacter),
    ("n_control_in_key", b"{\"a\rb\":1}", ControlCharacter),
    // strings: surrogates
    ("n_surrogate_lone_high", br#""\ud800""#, LoneSurrogate),
    ("n_surrogate_lone_high_max", br#""\uDBFF""#, LoneSurrogate),
    ("n_surrogate_lone_low", br#""\udc00""#, LoneSurrogate),
    ("n_surrogate_lone_low_max", br#""\uDFFF""#, LoneSurrogate),
    (
        "n_surrogate_high_then_bmp",
        br#""\ud800\u0041""#,
        LoneSurrogate,
    ),
    ("n_surrogate_high_then_char", br#""\ud800x""#, LoneSurrogate),
    (
        "n_surrogate_high_then_short_escape",
        br#""\ud800\n""#,
        LoneSurrogate,
    ),
    ("n_surrogate_two_highs", br#""\ud800\ud800""#, LoneSurrogate),
    ("n_surrogate_reversed", br#""\udc00\ud800""#, LoneSurrogate),
    ("n_surrogate_high_in_key", br#"{"\ud83d":1}"#, LoneSurrogate),
    (
        "n_surrogate_low_after_pair",
        br#""\ud83d\ude00\ude00""#,
        LoneSurrogate,
    ),
    // UTF-8
    ("n_utf8_ff", b"\"\xff\"", InvalidUtf8),
    ("n_utf8_lone_continuation", b"\"\x80\"", InvalidUtf8),
    ("n_utf8_truncated_2byte", b"\"\xc3\"", InvalidUtf8),
    ("n_utf8_truncated_4byte", b"\"\xf0\x9f\x98\"", InvalidUtf8),
    ("n_utf8_overlong_2byte", b"\"\xc0\xaf\"", InvalidUtf8),
    ("n_utf8_overlong_3byte", b"\"\xe0\x80\xaf\"", InvalidUtf8),
    ("n_utf8_overlong_nul", b"\"\xc0\x80\"", InvalidUtf8),
    ("n_utf8_encoded_surrogate", b"\"\xed\xa0\x80\"", InvalidUtf8),
    ("n_utf8_above_max", b"\"\xf4\x90\x80\x80\"", InvalidUtf8),
    ("n_utf8_f5", b"\"\xf5\x80\x80\x80\"", InvalidUtf8),
    ("n_utf8_outside_string", b"[1]\xff", InvalidUtf8),
    ("n_utf8_in_key", b"{\"\xfe\":1}", InvalidUtf8),
    // duplicate keys
    ("n_dup_simple", br#"{"a":1,"a":2}"#, DuplicateKey),
    ("n_dup_same_value", br#"{"a":1,"a":1}"#, DuplicateKey),
    ("n_dup_empty_key", br#"{"":1,"":2}"#, DuplicateKey),
    (
        "n_dup_not_adjacent",
        br#"{"a":1,"b":2,"c":3,"a":4}"#,
        DuplicateKey,
    ),
    ("n_dup_nested", br#"{"x":{"a":1,"a":2}}"#, DuplicateKey),
    ("n_dup_in_array", br#"[{"a":1,"a":2}]"#, DuplicateKey),
    (
        "n_dup_escaped_letter",
        br#"{"exp":1,"\u0065xp":2}"#,
        DuplicateKey,
    ),
    (
        "n_dup_escaped_upper_hex",
        br#"{"\u0045":1,"\u0045":2}"#,
        DuplicateKey,
    ),
    (
        "n_dup_escaped_both_ways",
        br#"{"e\u0078p":1,"\u0065xp":2}"#,
        DuplicateKey,
    ),
    (
        "n_dup_escaped_slash",
        br#"{"a/b":1,"a\/b":2}"#,
        DuplicateKey,
    ),
    (
        "n_dup_escaped_newline",
        br#"{"a\n":1,"a\u000a":2}"#,
        DuplicateKey,
    ),
    (
        "n_dup_escaped_nul",
        br#"{"\u0000":1,"\u0000":2}"#,
        DuplicateKey,
    ),
    (
        "n_dup_escaped_latin1",
        "{\"\\u00e9\":1,\"é\":2}".as_bytes(),
        DuplicateKey,
    ),
    (
        "n_dup_escaped_pair_vs_raw",
        "{\"\\ud83d\\ude00\":1,\"😀\":2}".as_bytes(),
        DuplicateKey,
    ),
    (
        "n_dup_pair_case",
        br#"{"\uD83D\uDE00":1,"\ud83d\ude00":2}"#,
        DuplicateKey,
    ),
    (
        "n_dup_deep",
        br#"{"a":[{"b":{"c":{"d":1,"d":2}}}]}"#,
        DuplicateKey,
    ),
    (
        "n_dup_jwt_grants",
        br#"{"grants":{"identity":"alice","\u0069dentity":"bob"},"exp":1}"#,
        DuplicateKey,
    ),
    // trailing data
    ("n_trailing_second_number", b"1 2", TrailingData),
    ("n_trailing_second_array", b"[] []", TrailingData),
    ("n_trailing_second_object", b"{}{}", TrailingData),
    ("n_trailing_close_brace", b"{}}", TrailingData),
    ("n_trailing_close_bracket", b"[]]", TrailingData),
    ("n_trailing_comma", b"1,", TrailingData),
    ("n_trailing_comma_after_ws", b"[1] ,", TrailingData),
    ("n_trailing_string", br#""a""b""#, TrailingData),
    ("n_trailing_nul", b"null\x00", TrailingData),
    ("n_trailing_literal", b"true false", TrailingData),
    ("n_trailing_letter", b"{} x", TrailingData),
    ("n_trailing_comment", b"[1]//c", TrailingData),
    ("n_trailing_hash", b"1 #", TrailingData),
];

/// The rule a refused document broke (`None` if it parses).
fn refused(input: &[u8]) -> Option<Rule> {
    parse(input).err().map(|e| e.rule())
}

#[test]
fn y_cases_parse() {
    let mut failures = String::new();
    for (name, input) in Y {
        match parse(input) {
            Ok(v) => {
                // The view is the document without surrounding whitespace.
                let text = std::str::from_utf8(input).unwrap();
                if v.raw() != text.trim_matches([' ', '\t', '\n', '\r']) {
                    writeln!(failures, "{name}: raw {:?}", v.raw()).unwrap();
                }
            }
            Err(e) => writeln!(failures, "{name}: rejected with {e:?}").unwrap(),
        }
    }
    assert!(failures.is_empty(), "\n{failures}");
}

#[test]
fn n_cases_fail() {
    let mut failures = String::new();
    for (name, input, expected) in N {
        match parse(input) {
            Ok(v) => writeln!(failures, "{name}: accepted as {:?}", v.raw()).unwrap(),
            Err(e) if e.rule() != *expected => {
                writeln!(failures, "{name}: {e:?}, expected {expected:?}").unwrap()
            }
            Err(e) if e.offset() > input.len() => {
                writeln!(failures, "{name}: offset {} past the end", e.offset()).unwrap()
            }
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "\n{failures}");
}

#[test]
fn y_cases_agree_with_serde_json() {
    for (name, input) in Y {
        // serde_json refuses numbers beyond f64's range; the grammar allows them.
        if *name == "y_number_huge_exp" {
            continue;
        }
        assert!(
            serde_json::from_slice::<J>(input).is_ok(),
            "{name}: serde_json rejects a y_ case"
        );
    }
    for (name, input, expected) in N {
        if !matches!(expected, DuplicateKey | TooDeep) {
            assert!(
                serde_json::from_slice::<J>(input).is_err(),
                "{name}: serde_json accepts an n_ case"
            );
        }
    }
}

#[test]
fn case_table_size() {
    assert!(Y.len() + N.len() >= 80);
}

// ---------------------------------------------------------------------------------------------
// Depth
// ---------------------------------------------------------------------------------------------

fn nested_arrays(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

fn nested_arrays_with_scalar(depth: usize) -> String {
    format!("{}0{}", "[".repeat(depth), "]".repeat(depth))
}

fn nested_objects(depth: usize) -> String {
    let mut s = "{\"d\":".repeat(depth - 1);
    s.push_str("{\"d\":0}");
    s.push_str(&"}".repeat(depth - 1));
    s
}

/// `{"d":[{"d":[...]}]}`: alternating objects and arrays, `depth` containers in all.
fn nested_mixed(depth: usize) -> String {
    let mut open = String::new();
    let mut close = String::new();
    for level in 0..depth {
        if level % 2 == 0 {
            open.push_str("{\"d\":");
            close.insert(0, '}');
        } else {
            open.push('[');
            close.insert(0, ']');
        }
    }
    // Innermost container gets one scalar member / element.
    open.push('0');
    format!("{open}{close}")
}

#[test]
fn depth_limit_arrays() {
    assert_eq!(MAX_DEPTH, 16);
    for depth in 1..=MAX_DEPTH {
        assert!(parse(nested_arrays(depth).as_bytes()).is_ok(), "{depth}");
        assert!(
            parse(nested_arrays_with_scalar(depth).as_bytes()).is_ok(),
            "{depth}"
        );
    }
    for depth in [17, 18, 100, 10_000] {
        assert_eq!(
            refused(nested_arrays(depth).as_bytes()),
            Some(TooDeep),
            "{depth}"
        );
        assert_eq!(
            refused(nested_arrays_with_scalar(depth).as_bytes()),
            Some(TooDeep),
            "{depth}"
        );
    }
}

#[test]
fn depth_limit_objects() {
    for depth in 1..=MAX_DEPTH {
        assert!(parse(nested_objects(depth).as_bytes()).is_ok(), "{depth}");
    }
    for depth in [17, 18, 1000] {
        assert_eq!(
            refused(nested_objects(depth).as_bytes()),
            Some(TooDeep),
            "{depth}"
        );
    }
}

#[test]
fn depth_limit_mixed() {
    for depth in 1..=MAX_DEPTH {
        let doc = nested_mixed(depth);
        assert!(parse(doc.as_bytes()).is_ok(), "{depth}: {doc}");
        assert!(serde_json::from_str::<J>(&doc).is_ok());
    }
    for depth in [17, 18] {
        let doc = nested_mixed(depth);
        assert_eq!(refused(doc.as_bytes()), Some(TooDeep), "{depth}: {doc}");
    }
    // The conformance case: a top-level object holding "deep":{"d":[{"d":...}]} 16 deep.
    let inner = "{\"d\":[".repeat(7) + "{\"d\":0}" + &"]}".repeat(7);
    let doc16 = format!("{{\"exp\":1,\"deep\":{{\"d\":[{inner}]}}}}");
    assert_eq!(refused(doc16.as_bytes()), Some(TooDeep));
    let doc16 = format!("{{\"exp\":1,\"deep\":{inner}}}");
    assert!(parse(doc16.as_bytes()).is_ok());
    let doc17 = format!("{{\"exp\":1,\"deep\":[{inner}]}}");
    assert_eq!(refused(doc17.as_bytes()), Some(TooDeep));
    // Depth is about nesting, not about how many containers appear in sequence.
    let wide = format!("[{}]", vec![nested_arrays(15); 50].join(","));
    assert!(parse(wide.as_bytes()).is_ok());
}

// ---------------------------------------------------------------------------------------------
// Accessors
// ---------------------------------------------------------------------------------------------

#[test]
fn kinds() {
    let cases = [
        ("null", Kind::Null),
        ("true", Kind::Bool),
        ("false", Kind::Bool),
        ("-1.5", Kind::Number),
        ("0", Kind::Number),
        ("\"s\"", Kind::String),
        ("[]", Kind::Array),
        ("{}", Kind::Object),
    ];
    for (doc, kind) in cases {
        let v = parse(doc.as_bytes()).unwrap();
        assert_eq!(v.kind(), kind, "{doc}");
        assert_eq!(v.is_null(), kind == Kind::Null);
        assert_eq!(v.as_bool().is_some(), kind == Kind::Bool);
        assert_eq!(v.as_str().is_some(), kind == Kind::String);
        if kind != Kind::Object {
            assert_eq!(v.members().count(), 0);
            assert!(v.get("a").is_none());
        }
        if kind != Kind::Array {
            assert_eq!(v.elements().count(), 0);
        }
    }
}

#[test]
fn get_with_escaped_keys() {
    let doc = br#" { "\u0065xp" : 1700003600 , "a\/b" : "x", "caf\u00e9": 1, "\ud83d\ude00": 2, "n\u0000": 3, "plain": {"inner": [1]} } "#;
    let v = parse(doc).unwrap();
    assert_eq!(v.get("exp").unwrap().as_time(), Some(1_700_003_600));
    assert_eq!(v.get("a/b").unwrap().as_str().unwrap(), "x");
    assert_eq!(v.get("café").unwrap().raw(), "1");
    assert_eq!(v.get("😀").unwrap().raw(), "2");
    assert_eq!(v.get("n\0").unwrap().raw(), "3");
    assert_eq!(v.get("plain").unwrap().raw(), r#"{"inner": [1]}"#);
    assert_eq!(v.get("plain").unwrap().get("inner").unwrap().raw(), "[1]");
    // Raw (escaped) spellings do not match: lookup is by unescaped name.
    assert!(v.get(r"\u0065xp").is_none());
    assert!(v.get("a\\/b").is_none());
    assert!(v.get("ex").is_none());
    assert!(v.get("expx").is_none());
    assert!(v.get("inner").is_none());
    assert!(v.get("").is_none());
}

#[test]
fn as_time_boundaries() {
    let t = |doc: &str| parse(doc.as_bytes()).unwrap().as_time();
    assert_eq!(t("0"), Some(0));
    assert_eq!(t("1700000000"), Some(1_700_000_000));
    assert_eq!(t("9007199254740991"), Some((1u64 << 53) - 1));
    assert_eq!(t("9007199254740992"), None);
    assert_eq!(t("9007199254740993"), None);
    assert_eq!(t("18446744073709551615"), None);
    assert_eq!(t("18446744073709551616"), None);
    assert_eq!(t("123456789012345678901234567890"), None);
    assert_eq!(t("1.0"), None);
    assert_eq!(t("1e3"), None);
    assert_eq!(t("1E3"), None);
    assert_eq!(t("-1"), None);
    assert_eq!(t("-0"), None);
    assert_eq!(t("\"1\""), None);
    assert_eq!(t("null"), None);
    assert_eq!(t("true"), None);
    assert_eq!(t("[1]"), None);
    // A leading zero never reaches as_time: the document is rejected.
    assert_eq!(refused(b"01"), Some(InvalidNumber));
    assert_eq!(refused(br#"{"exp":01}"#), Some(InvalidNumber));
    let v = parse(br#"{"exp":1700003600,"nbf":1.5,"iat":-3}"#).unwrap();
    assert_eq!(v.get("exp").and_then(|e| e.as_time()), Some(1_700_003_600));
    assert_eq!(v.get("nbf").and_then(|e| e.as_time()), None);
    assert_eq!(v.get("iat").and_then(|e| e.as_time()), None);
}

#[test]
fn members_and_elements_in_order() {
    let v = parse(br#"{"z":1,"a":[true,{"k":"v"},null],"m":"s","":{}}"#).unwrap();
    let members: Vec<(String, &str)> = v.members().map(|(k, v)| (k.to_string(), v.raw())).collect();
    assert_eq!(
        members,
        [
            ("z".to_string(), "1"),
            ("a".to_string(), r#"[true,{"k":"v"},null]"#),
            ("m".to_string(), "\"s\""),
            (String::new(), "{}"),
        ]
    );
    let arr = v.get("a").unwrap();
    let kinds: Vec<Kind> = arr.elements().map(|e| e.kind()).collect();
    assert_eq!(kinds, [Kind::Bool, Kind::Object, Kind::Null]);
    let raws: Vec<&str> = arr.elements().map(|e| e.raw()).collect();
    assert_eq!(raws, ["true", r#"{"k":"v"}"#, "null"]);
    assert_eq!(
        arr.elements()
            .nth(1)
            .unwrap()
            .get("k")
            .unwrap()
            .as_str()
            .unwrap(),
        "v"
    );

    // Whitespace everywhere, strings containing structural characters.
    let v = parse(b" [ \"],[\" , { \"}\" : \",\" } , [ ] , -1e-3 ] ").unwrap();
    let raws: Vec<&str> = v.elements().map(|e| e.raw()).collect();
    assert_eq!(raws, ["\"],[\"", "{ \"}\" : \",\" }", "[ ]", "-1e-3"]);
    let obj = v.elements().nth(1).unwrap();
    assert_eq!(obj.get("}").unwrap().as_str().unwrap(), ",");

    // Iterators are Clone and fused.
    let mut it = v.elements();
    let copy = it.clone();
    assert_eq!(it.by_ref().count(), 4);
    assert!(it.next().is_none());
    assert_eq!(copy.count(), 4);
    assert_eq!(parse(b"[]").unwrap().elements().count(), 0);
    assert_eq!(parse(b"{ }").unwrap().members().count(), 0);
}

/// Every way of reading a string's content, checked against the expected text.
fn check_str(s: JsonStr<'_>, expected: &str) {
    assert!(s.eq_str(expected), "eq_str {:?} vs {expected:?}", s.raw());
    assert!(s == expected);
    assert_eq!(s.chars().collect::<String>(), expected);
    assert_eq!(s.to_string(), expected);
    assert_eq!(s.unescaped_len(), expected.len());
    let mut buf = vec![0u8; expected.len()];
    assert_eq!(s.unescape_into(&mut buf), Some(expected));
    if !expected.is_empty() {
        let mut short = vec![0u8; expected.len() - 1];
        assert_eq!(s.unescape_into(&mut short), None);
    }
    let mut big = vec![0u8; expected.len() + 10];
    assert_eq!(s.unescape_into(&mut big), Some(expected));
    assert_eq!(s.as_plain().is_some(), !s.raw().contains('\\'));
    if let Some(plain) = s.as_plain() {
        assert_eq!(plain, expected);
    }
    // Near misses.
    let mut longer = expected.to_string();
    longer.push('x');
    assert!(!s.eq_str(&longer));
    if let Some((i, _)) = expected.char_indices().last() {
        assert!(!s.eq_str(&expected[..i]));
    }
}

#[test]
fn string_unescaping() {
    let cases: &[(&str, &str)] = &[
        (r#""""#, ""),
        (r#""plain ascii""#, "plain ascii"),
        (r#""caf\u00e9""#, "café"),
        (r#""caf\u00C9""#, "cafÉ"),
        (r#""\ud83d\ude00""#, "😀"),
        (r#""a\ud83d\ude00b""#, "a😀b"),
        (r#""\uD834\uDD1E""#, "\u{1d11e}"),
        (r#""line\nbreak""#, "line\nbreak"),
        (r#""a\/b""#, "a/b"),
        (r#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{8}\u{c}\n\r\t"),
        (r#""\u0000""#, "\0"),
        (r#""\u0041\u0042""#, "AB"),
        (r#""\\u0041""#, "\\u0041"),
        (
            "\"raw é 東京 😀 \u{2028} \u{7f}\"",
            "raw é 東京 😀 \u{2028} \u{7f}",
        ),
        ("\"mixed é \\u00e9 😀 \\ud83d\\ude00\"", "mixed é é 😀 😀"),
        (
            r#""\uffff\u0080\u07ff\u0800""#,
            "\u{ffff}\u{80}\u{7ff}\u{800}",
        ),
        (r#""\udbff\udfff""#, "\u{10ffff}"),
    ];
    for (doc, expected) in cases {
        let v = parse(doc.as_bytes()).unwrap();
        let s = v.as_str().unwrap();
        assert_eq!(s.raw(), &doc[1..doc.len() - 1]);
        check_str(s, expected);
    }
}

#[test]
fn json_str_equality() {
    let v = parse(br#"["exp","\u0065xp","e\u0078p","exq","a\/b","a/b"]"#).unwrap();
    let s: Vec<JsonStr<'_>> = v.elements().map(|e| e.as_str().unwrap()).collect();
    assert_eq!(s[0], s[1]);
    assert_eq!(s[1], s[2]);
    assert_eq!(s[0], s[2]);
    assert_ne!(s[0], s[3]);
    assert_ne!(s[1], s[3]);
    assert_eq!(s[4], s[5]);
    assert!(s[1] == "exp");
    assert!(s[1] != "exq");
    assert_eq!(format!("{}|{}", s[1], s[4]), "exp|a/b");
}

#[test]
fn value_is_copy_and_compares_raw() {
    let v = parse(b"[1, 1, 1.0]").unwrap();
    let w = v;
    assert_eq!(v, w);
    let e: Vec<Value<'_>> = v.elements().collect();
    assert_eq!(e[0], e[1]);
    assert_ne!(e[0], e[2]);
}

#[test]
fn error_display() {
    let all = [
        InvalidUtf8,
        UnexpectedEnd,
        UnexpectedByte,
        TrailingComma,
        InvalidNumber,
        InvalidEscape,
        LoneSurrogate,
        ControlCharacter,
        DuplicateKey,
        TooDeep,
        TrailingData,
    ];
    let mut unseen = std::collections::HashSet::new();
    for rule in all {
        let msg = rule.to_string();
        assert!(!msg.is_empty());
        assert!(unseen.insert(msg));
    }
    // The error names the rule and the offset in one sentence; every rule has an n_ case.
    for (name, input, rule) in N {
        unseen.remove(&rule.to_string());
        let e = parse(input).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("{rule} at byte {}", e.offset()),
            "{name}"
        );
        let _: &dyn std::error::Error = &e;
    }
    unseen.remove(&TooDeep.to_string());
    assert!(unseen.is_empty(), "no n_ case for {unseen:?}");
}

#[test]
fn error_offsets() {
    let at = |input: &[u8]| parse(input).map(|_| ()).map_err(|e| (e.rule(), e.offset()));
    assert_eq!(at(b""), Err((UnexpectedEnd, 0)));
    assert_eq!(at(b"[1,]"), Err((TrailingComma, 2)));
    assert_eq!(
        at(br#"{"a":1, "b":2 ,"\u0061":3}"#),
        Err((DuplicateKey, 15))
    );
    assert_eq!(at(b"\"ab\x01\""), Err((ControlCharacter, 3)));
    assert_eq!(at(br#"["\q"]"#), Err((InvalidEscape, 2)));
    assert_eq!(at(br#"{"a":"\udc00"}"#), Err((LoneSurrogate, 6)));
    assert_eq!(at(b"[1.]"), Err((InvalidNumber, 3)));
    assert_eq!(at(b"[1 2]"), Err((UnexpectedByte, 3)));
    assert_eq!(at(b"{\"a\":1"), Err((UnexpectedEnd, 6)));
    assert_eq!(at(b"{} x"), Err((TrailingData, 3)));
    assert_eq!(at(b"[\"\xc3\"]"), Err((InvalidUtf8, 2)));
    let deep = nested_arrays(17);
    assert_eq!(at(deep.as_bytes()), Err((TooDeep, 16)));
}

// ---------------------------------------------------------------------------------------------
// Large documents
// ---------------------------------------------------------------------------------------------

fn many_keys(n: usize) -> String {
    let mut s = String::from("{");
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        write!(s, "\"key{i}\":{i}").unwrap();
    }
    s.push('}');
    s
}

#[test]
fn large_object_parses() {
    let doc = many_keys(8000);
    assert!(doc.len() > 60_000 && doc.len() < 140_000);
    let start = Instant::now();
    let v = parse(doc.as_bytes()).unwrap();
    let elapsed = start.elapsed();
    assert_eq!(v.members().count(), 8000);
    assert_eq!(v.get("key0").unwrap().as_time(), Some(0));
    assert_eq!(v.get("key7999").unwrap().as_time(), Some(7999));
    assert!(v.get("key8000").is_none());
    for (i, (k, val)) in v.members().enumerate() {
        assert!(k.eq_str(&format!("key{i}")));
        assert_eq!(val.as_time(), Some(i as u64));
    }
    // Timing is only reported; correctness is what is asserted.
    eprintln!(
        "8000-key object ({} bytes) parsed in {elapsed:?}",
        doc.len()
    );
}

#[test]
fn large_object_duplicates_found_anywhere() {
    for (first, second) in [
        (0, 7999),
        (4000, 4001),
        (7998, 7999),
        (1, 64),
        (63, 64),
        (64, 127),
    ] {
        let mut doc = many_keys(8000);
        // Rename key `second` to an escaped spelling of key `first`.
        let from = format!("\"key{second}\":");
        let to = format!("\"\\u006bey{first}\":");
        doc = doc.replacen(&from, &to, 1);
        assert_eq!(
            refused(doc.as_bytes()),
            Some(DuplicateKey),
            "{first}/{second}"
        );
    }
}

#[test]
fn more_names_than_the_pool_holds() {
    // Past 8,192 open names the check falls back to walking the object again: still exact.
    let doc = many_keys(9000);
    assert!(parse(doc.as_bytes()).is_ok());
    for (first, second) in [(0, 8999), (8500, 8600), (10, 8195)] {
        let from = format!("\"key{second}\":");
        let to = format!("\"\\u006bey{first}\":");
        let dup = doc.replacen(&from, &to, 1);
        let e = parse(dup.as_bytes()).unwrap_err();
        assert_eq!(e.rule(), DuplicateKey, "{first}/{second}");
        assert_eq!(e.offset(), dup.find(&to).unwrap(), "{first}/{second}");
    }
}

#[test]
fn large_array_of_objects() {
    let mut doc = String::from("[");
    for i in 0..3000 {
        if i > 0 {
            doc.push(',');
        }
        write!(
            doc,
            r#"{{"id":{i},"name":"n\u00e9{i}","tags":["a","b"],"ok":true}}"#
        )
        .unwrap();
    }
    doc.push(']');
    let v = parse(doc.as_bytes()).unwrap();
    assert_eq!(v.elements().count(), 3000);
    let last = v.elements().last().unwrap();
    assert_eq!(last.get("name").unwrap().as_str().unwrap(), "né2999");
}

// ---------------------------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------------------------

fn arb_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-c]{0,3}",
        "[\\\\\"/a\\u{0}-\\u{1f}\\u{7f}\\u{e9}\\u{2028}\\u{ffff}\\u{1F600}\\u{10FFFF}]{0,8}",
    ]
}

fn arb_json() -> impl Strategy<Value = J> {
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        any::<i64>().prop_map(J::from),
        any::<u64>().prop_map(J::from),
        (0u64..(1 << 54)).prop_map(J::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(J::Number)),
        arb_string().prop_map(J::String),
    ];
    leaf.prop_recursive(7, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(J::Array),
            prop::collection::vec((arb_string(), inner), 0..8)
                .prop_map(|members| J::Object(members.into_iter().collect())),
        ]
    })
}

/// Structural equality between a parsed view and the serde_json value it was written from.
fn same(v: Value<'_>, j: &J) -> Result<(), TestCaseError> {
    match j {
        J::Null => prop_assert!(v.is_null()),
        J::Bool(b) => prop_assert_eq!(v.as_bool(), Some(*b)),
        J::Number(n) => {
            prop_assert_eq!(v.kind(), Kind::Number);
            prop_assert_eq!(v.raw(), n.to_string());
            let expected = n.as_u64().filter(|&t| t < (1 << 53));
            prop_assert_eq!(v.as_time(), expected);
        }
        J::String(s) => {
            let js = v
                .as_str()
                .ok_or_else(|| TestCaseError::fail("not a string"))?;
            check_str(js, s);
        }
        J::Array(items) => {
            prop_assert_eq!(v.kind(), Kind::Array);
            prop_assert_eq!(v.elements().count(), items.len());
            for (e, item) in v.elements().zip(items) {
                same(e, item)?;
            }
        }
        J::Object(map) => {
            prop_assert_eq!(v.kind(), Kind::Object);
            prop_assert_eq!(v.members().count(), map.len());
            for ((k, val), (jk, jval)) in v.members().zip(map) {
                check_str(k, jk);
                same(val, jval)?;
                prop_assert_eq!(v.get(jk), Some(val));
            }
        }
    }
    Ok(())
}

/// Python-style (`ensure_ascii`) escaping: every non-ASCII char as `\u` escapes, surrogate
/// pairs for astral chars, hex case chosen by `upper`; controls as `\u00XX` or short escapes.
fn ascii_escape(s: &str, upper: bool) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '/' => out.push_str("\\/"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    if upper {
                        write!(out, "\\u{u:04X}").unwrap();
                    } else {
                        write!(out, "\\u{u:04x}").unwrap();
                    }
                }
            }
        }
    }
    out.push('"');
    out
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn serde_json_output_parses(j in arb_json()) {
        let compact = serde_json::to_string(&j).unwrap();
        let v = parse(compact.as_bytes());
        prop_assert!(v.is_ok(), "{:?} rejected: {:?}", compact, v);
        let v = v.unwrap();
        prop_assert_eq!(v.raw(), compact.as_str());
        same(v, &j)?;

        let pretty = serde_json::to_string_pretty(&j).unwrap();
        let v = parse(pretty.as_bytes());
        prop_assert!(v.is_ok(), "{:?} rejected: {:?}", pretty, v);
        same(v.unwrap(), &j)?;
    }

    #[test]
    fn ascii_escaped_strings_unescape(s in arb_string(), upper in any::<bool>()) {
        let doc = ascii_escape(&s, upper);
        let v = parse(doc.as_bytes());
        prop_assert!(v.is_ok(), "{:?} rejected: {:?}", doc, v);
        check_str(v.unwrap().as_str().unwrap(), &s);
        prop_assert_eq!(serde_json::from_str::<String>(&doc).unwrap(), s);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(v) = parse(&bytes) {
            // Whatever is accepted is accepted by serde_json too, and can be walked.
            prop_assert!(serde_ok(&bytes));
            walk(v);
        }
    }

    #[test]
    fn arbitrary_json_like_bytes_never_panic(
        bytes in prop::collection::vec(
            prop::sample::select(&b"{}[],:\"\\ u0123456789abcdefABCDEF-+.eEtrufalsn\n\x01\xc3\xa9"[..]),
            0..128,
        )
    ) {
        if let Ok(v) = parse(&bytes) {
            prop_assert!(serde_ok(&bytes));
            walk(v);
        }
    }

    /// Corrupt one byte of a valid document: never panic, and agree with serde_json except
    /// where this reader is deliberately stricter (duplicate keys, depth).
    #[test]
    fn mutated_documents_agree_with_serde_json(
        j in arb_json(),
        index in any::<prop::sample::Index>(),
        byte in prop::sample::select(&b"{}[],:\"\\ u0123456789aeE+-.ntfx\t\n\x00\x1f\x7f\xc3\xff"[..]),
        insert in any::<bool>(),
    ) {
        let mut doc = serde_json::to_vec(&j).unwrap();
        let at = index.index(doc.len() + 1);
        if insert || at == doc.len() {
            doc.insert(at, byte);
        } else {
            doc[at] = byte;
        }
        let ours = parse(&doc);
        let theirs = serde_json::from_slice::<J>(&doc);
        match (&ours, &theirs) {
            (Ok(v), Ok(_)) => walk(*v),
            (Err(e), Ok(_)) if matches!(e.rule(), DuplicateKey | TooDeep) => {}
            // serde_json refuses numbers beyond f64's range (`1e400`); the grammar allows them.
            (Ok(_), Err(e)) if e.to_string().starts_with("number out of range") => {}
            (Err(_), Err(_)) => {}
            _ => prop_assert!(false, "{:?}: ours {:?}, serde_json {:?}",
                String::from_utf8_lossy(&doc), ours, theirs.map(|_| ())),
        }
    }
}

/// serde_json accepts the document, or refuses it only for a number beyond f64's range.
fn serde_ok(bytes: &[u8]) -> bool {
    match serde_json::from_slice::<J>(bytes) {
        Ok(_) => true,
        Err(e) => e.to_string().starts_with("number out of range"),
    }
}

/// Touch every accessor on every value of a document (must not panic).
fn walk(v: Value<'_>) {
    let _ = (v.kind(), v.is_null(), v.as_bool(), v.as_time(), v.raw());
    if let Some(s) = v.as_str() {
        let n = s.unescaped_len();
        assert_eq!(s.chars().map(char::len_utf8).sum::<usize>(), n);
        let mut buf = vec![0u8; n];
        let text = s.unescape_into(&mut buf).unwrap().to_string();
        assert!(s.eq_str(&text));
        assert_eq!(s.to_string(), text);
    }
    for (k, member) in v.members() {
        let _ = k.to_string();
        assert!(v.get(&k.to_string()).is_some());
        walk(member);
    }
    for e in v.elements() {
        walk(e);
    }
}
