"""Differential cases for Sveltos's ``toToml`` and ``fromToml`` (BurntSushi/toml v1.6.0).

``toToml`` over many shapes: scalars at the top, nested tables (headers, indentation, the
empty line before a top-level table), arrays of tables, lists mixing maps and values (inline
tables), empty maps and lists, nil values (left out; an error inside a list), keys that need
quoting and their byte order, strings needing escapes, int64/int/float64 formatting. ``fromToml``
over valid documents (every value type, dotted keys, inline and array tables, TOML 1.1
additions) printed as Go prints the map, as JSON, with the Go type of each value, and encoded
back with ``toToml``; and over invalid ones, where BurntSushi's error text (line, last key,
message) is the value of ``Error``. Also ``toYaml`` of multi-line strings (certificates and
keys are), which go-yaml writes as literal blocks.
"""

from __future__ import annotations

from typing import Any

TOML_DATA: dict[str, Any] = {
    "cfg": {
        "name": "app",
        "replicas": 3,
        "ratio": 0.5,
        "big": 1e21,
        "tiny": 1e-7,
        "whole": 4.0,
        "on": True,
        "off": False,
        "nothing": None,
        "tags": ["a", "b"],
        "ports": [
            {"port": 80, "name": "http"},
            {"port": 443, "name": "https", "tls": {"enabled": True}},
        ],
        "mixed": [1, "two", {"three": 3}],
        "nested": {"deep": {"deeper": {"k": "v"}}, "x": 1},
        "empty": {},
        "emptylist": [],
        'quote"key': 1,
        "space key": 2,
        "": 3,
        "dotted.key": 4,
        "ünï": 5,
        "Z": 1,
        "a": 2,
        "_": 3,
        "-": 4,
        "0": 5,
        "esc": 'tab\tnl\ncr\rbs\\quote"bell\x07del\x7fesc\x1bu\u00e9\u2028',
        "listnil": [1, None],
        "lol": [[1, 2], [3]],
        "lom": [[{"a": 1}]],
        "nestedlist": [{"inner": [{"x": 1}, {"x": 2}]}],
        "emptymaps": [{}, {}],
        "maplistmix": [{"a": 1}, {"b": [1, 2]}],
        "neg": -5,
        "negf": -2.5,
        "f100": 100.0,
        "f1e6": 1000000.0,
        "f123456": 123456.0,
        "f1234567": 1234567.0,
    }
}

# (id, expression given to toToml)
TO_TOML: list[tuple[str, str]] = [
    *((f"key-{i}", f'(dict "k" (index .cfg `{key}`))') for i, key in enumerate(TOML_DATA["cfg"])),
    ("whole-config", ".cfg"),
    ("nested-only", '(dict "x" .cfg.nested)'),
    ("empty-table", '(dict "a" (dict))'),
    ("empty-map", "(dict)"),
    ("top-string", '"str"'),
    ("top-int", "1"),
    ("top-float", "1.5"),
    ("top-bool", "true"),
    ("top-list", "(list 1 2)"),
    ("top-empty-list", "(list)"),
    ("top-list-of-maps", '(list (dict "a" 1))'),
    ("top-list-mixed", '(list (dict "a" 1) 1)'),
    ("top-nil", "nil"),
    ("top-null-data", ".cfg.nothing"),
    ("nil-value", '(dict "a" nil)'),
    ("nil-in-list", '(dict "a" (list nil))'),
    ("top-list-nil", "(list nil)"),
    ("nil-in-table", '(dict "a" (dict "b" nil "c" 1))'),
    ("inline-nil-last", '(dict "l" (list (dict "a" 1 "b" nil) 2))'),
    ("inline-nil-first", '(dict "l" (list (dict "b" nil "a" 1) 2))'),
    ("inline-sub-table", '(dict "l" (list (dict "z" (dict "q" 1) "a" 1) 1))'),
    ("array-table-nil", '(dict "l" (list (dict "a" 1 "b" nil)) "m" 1)'),
    ("array-table-sub-table", '(dict "l" (list (dict "a" (dict "q" 1))))'),
    ("array-in-array-table", '(dict "top" (list (dict "sub" (list (dict "x" 1)))))'),
    ("deep-empty", '(dict "a" (dict "b" (dict "c" (dict))))'),
    ("order-direct-first", '(dict "b" 1 "a" (dict "c" 1) "c" (list (dict "d" 1)))'),
    ("from-json-numbers", '(fromJson "{\\"a\\": 1, \\"b\\": [1, 2.5], \\"c\\": {\\"d\\": null}}")'),
    ("float-extremes", '(dict "n" 1e100 "m" -0.0 "k" 5e-324)'),
    ("list-float-int", '(dict "l" (list 1.0 2 "x"))'),
    ("list-of-list-of-maps", '(dict "a" (list (list (dict "a" 1))))'),
    ("list-of-list-nil", '(dict "a" (list (list nil)))'),
    ("list-nested-nil", '(dict "a" (list 1 (list nil)))'),
    ("two-tables", '(dict "a" (dict "b" 1) "c" (dict "d" 2))'),
    ("quoted-table-names", '(dict "a.b" (dict "c.d" (dict "e f" 1)))'),
    ("array-tables-nested", '(dict "a" (list (dict "b" (list (dict "c" 1)))))'),
    ("int-kinds", '(dict "int64" (int64 5) "int" 7 "float" (float64 7))'),
    ("escaped-strings", '(dict "s" (list "a\\"b" "c\\\\d" "\\u0000"))'),
    ("sprig-dict-ints", '(dict "replicas" (add 1 2) "max" (max 3 9))'),
    ("cluster-labels", '(dict "labels" .cfg.nested "name" .cfg.name)'),
]

# (id, TOML document given to fromToml)
DOCUMENTS: list[tuple[str, str]] = [
    ("int", "a = 1"),
    ("tables", 'a = 1\nb = "x"\n[t]\nc = 2.5\n[t.u]\nd = true'),
    ("array-tables", "[[arr]]\nx = 1\n[[arr]]\ny = 2"),
    ("nested-arrays", "a = [1, 2, [3, 4]]"),
    ("inline-tables", 'a = {b = 1, c = {d = "e"}}'),
    ("dotted-keys", "a.b.c = 1"),
    ("datetime-utc", "x = 1979-05-27T07:32:00Z"),
    ("integers", "x = 0x1F\ny = 0o17\nz = 0b101\nw = 1_000\nv = -17\nu = +3"),
    ("floats", "f = [1.0, -0.0, 1e6, 6.626e-34, inf, -inf, nan, 3.14159]"),
    ("escapes", 's = "esc\\t\\n\\u00e9\\U0001F600\\e\\x41"'),
    ("literal-string", "s = 'raw \\n'"),
    ("multiline", 's = """\nmulti\nline"""'),
    ("multiline-literal", "s = '''\nraw\nmulti'''"),
    ("line-ending-backslash", 's = """a \\\n    b"""'),
    ("duplicate-key", "a = 1\na = 2"),
    ("duplicate-table", "[t]\n[t]"),
    ("missing-value", "a = "),
    ("missing-key", "= 1"),
    ("unterminated-string", 'a = "unterminated'),
    ("bad-bool", "a = tru"),
    ("float-trailing-dot", "a = 1."),
    ("leading-zero", "a = 01"),
    ("double-underscore", "a = 1__0"),
    ("int-overflow", "a = 9223372036854775808"),
    ("int-min", "a = -9223372036854775808"),
    ("float-overflow", "a = 1e400"),
    ("table-over-key", "[a]\nb = 1\n[a.b]"),
    ("array-trailing-comma", "a = [1,]"),
    ("array-leading-comma", "a = [,1]"),
    ("inline-trailing-comma", "a = {b = 1,}"),
    ("inline-newline", "a = {b = 1\n, c = 2}"),
    ("bad-escape", 'a = "\\q"'),
    ("local-date", "a = 1979-05-27"),
    ("local-time", "a = 07:32:00"),
    ("local-datetime-fraction", "a = 1979-05-27T07:32:00.999999"),
    ("date-missing-zero", "a = 1979-5-27"),
    ("date-out-of-range", "a = 1979-02-30"),
    ("time-out-of-range", "a = 25:00:00"),
    ("key-with-space", "key with space = 1"),
    ("quoted-keys", "\"quoted key\" = 1\n'lit' = 2"),
    ("quoted-dotted-key", 'a."b.c".d = 1'),
    ("super-table-after", "[a.b]\nc = 1\n[a]\nd = 2"),
    ("array-table-then-table", "[[a]]\n[a]"),
    ("inline-array-then-array-table", "a = [{b = 1}]\n[[a]]"),
    ("comments", "# comment\na = 1 # trailing"),
    ("two-values-one-line", "a = 1 b = 2"),
    ("unclosed-table", "[a\nb = 1"),
    ("bad-hex", "a = 0xG"),
    ("signed-hex", "a = +0x1"),
    ("leading-dot-float", "a = .5"),
    ("bad-exponent", "a = 1e"),
    ("nan-signs", "a = nan\nb = +nan\nc = -nan"),
    ("empty-multiline", 'a = """"""'),
    ("four-quotes", 'a = """ab""""'),
    ("five-quotes", 'a = """ab"""""'),
    ("six-quotes", 'a = """ab""""""'),
    ("literal-four-quotes", "a = '''x''''"),
    ("short-unicode-escape", 'a = "\\u00"'),
    ("surrogate-escape", 'a = "\\uD800"'),
    ("tab-in-string", 'a = "tab\there"'),
    ("control-character", 'a = "ctl\x01"'),
    ("crlf", "a = 1\r\nb = 2"),
    ("bare-cr", "a = 1\rb = 2"),
    ("bom", "\ufeffa = 1"),
    ("implicit-then-explicit", "a.b = 1\na.c = 2\n[a.d]\ne = 3"),
    ("inline-dotted", "a = {b.c = 1, b.d = 2}"),
    ("offset-datetime", "a = 2024-01-01T00:00:00+01:00"),
    ("space-datetime", "a = 2024-01-01 10:00:00"),
    ("time-without-seconds", "a = 10:30"),
    ("datetime-without-seconds", "a = 2024-01-01T10:30"),
    ("datetime-without-seconds-utc", "a = 2024-01-01T10:30Z"),
    ("nanoseconds-truncated", "a = 1979-05-27T07:32:00.123456789123Z"),
    ("nested-array-tables", "[[a.b]]\nc = 1\n[[a.b]]\nc = 2\n[a]\nd = 3"),
    ("table-then-array-table", "[a]\n[[a.b]]"),
    ("inline-table-in-nested-array", "x = [ [ {a = 1} ], 2 ]"),
    ("array-with-comments", "x = [\n  1, # one\n  2\n]"),
    ("empty-inline-table", "a = {}"),
    ("empty-array", "a = []"),
    ("empty-table", "[a]"),
    ("empty-array-table", "[[a]]"),
    ("comments-after-headers", 'a = "x" # c\n[b] # c\nc = 1'),
    ("spaced-header", "  [ a . b ]  \n  c = 1"),
    ("mixed-array", 'a = [1, "x", true]'),
    ("key-then-table-under-it", "a = 1\n[a.b]"),
    ("extend-inline-table", "a = {b = 1}\na.c = 2"),
    ("trailing-underscore", "a = 1_"),
    ("empty-quoted-key", '"" = 1'),
    ("empty-literal-string", "a = ''"),
    ("quoted-header", '[ "a" ]\nb = 1'),
    (
        "sveltos-values",
        '[controller]\nreplicas = 2\nimage = "nginx:1.27"\n[[controller.ports]]\nport = 80',
    ),
]

TO_YAML: list[tuple[str, str]] = [
    ("yaml-multiline", "a\nb"),
    ("yaml-multiline-trailing-newline", "a\nb\n"),
    ("yaml-multiline-two-newlines", "a\nb\n\n"),
    ("yaml-multiline-leading-newline", "\na"),
    ("yaml-multiline-leading-space", " a\nb"),
    ("yaml-multiline-trailing-space", "a \nb"),
    ("yaml-multiline-indented", "a\n  indented\n    more\n"),
    ("yaml-multiline-special", "a: b\n- c\n#d"),
    ("yaml-multiline-quotes", "'q'\n\"d\""),
    ("yaml-only-newline", "\n"),
]


def toml_cases() -> list[tuple[str, str, Any, str]]:
    out: list[tuple[str, str, Any, str]] = [
        (f"toml-to-{id_}", f"{{{{ toToml {expr} }}}}", TOML_DATA, "error") for id_, expr in TO_TOML
    ]
    for id_, doc in DOCUMENTS:
        data = {"doc": doc}
        out.append((f"toml-from-{id_}", "{{ fromToml .doc }}", data, "error"))
        out.append((f"toml-json-{id_}", "{{ fromToml .doc | toJson }}", data, "error"))
        out.append((f"toml-back-{id_}", "{{ fromToml .doc | toToml }}", data, "error"))
        out.append(
            (
                f"toml-types-{id_}",
                '{{ range $k, $v := fromToml .doc }}{{ $k }}={{ printf "%T" $v }};{{ end }}',
                data,
                "error",
            )
        )
    out += [
        ("toml-yaml-of-document", '{{ fromToml "a = 1" | toYaml }}', {}, "error"),
        ("toml-from-not-a-string", "{{ fromToml 1 }}", {}, "error"),
        ("toml-from-error-key", '{{ (fromToml "a = ").Error }}', {}, "error"),
        ("toml-from-field", '{{ (fromToml "[server]\\nport = 8080").server.port }}', {}, "error"),
        ("toml-from-add", '{{ add 1 (fromToml "n = 41").n }}', {}, "error"),
        (
            "toml-from-date-fn",
            '{{ (fromToml "d = 1979-05-27T07:32:00Z").d | date "2006/01/02" }}',
            {},
            "error",
        ),
        (
            "toml-from-time-method",
            '{{ (fromToml "d = 1979-05-27T07:32:00-08:00").d.Unix }}',
            {},
            "error",
        ),
        ("toml-from-first-table", '{{ (first (fromToml "[[a]]\\nx = 1").a).x }}', {}, "error"),
        (
            "toml-from-kind",
            '{{ kindOf (fromToml "[[a]]").a }} '
            '{{ typeIs "[]interface {}" (fromToml "a = [1]").a }}',
            {},
            "error",
        ),
        (
            "toml-round-trip-cluster",
            "{{ toToml .Cluster | fromToml | toJson }}",
            {"Cluster": TOML_DATA["cfg"]["nested"]},
            "error",
        ),
    ]
    day = '(toDate "2006-01-02" "2024-03-05")'
    go_values = [  # Go values of named types: TextMarshalers, durations, structs, ints
        ("semver", '(dict "v" (semver "v1.2.3-rc.1"))'),
        ("semver-top", '(semver "1.2")'),
        ("semver-in-list", '(dict "l" (list (semver "1.2.3") 1))'),
        ("duration", f'(dict "d" ({day}.Sub ({day}.AddDate 0 0 -1)))'),
        ("month-weekday", f'(dict "m" {day}.Month "w" {day}.Weekday)'),
        ("time", f'(dict "t" {day} "l" (list {day}))'),
        ("location", f'(dict "z" (dict "l" {day}.Location) "a" 1)'),
        ("location-top", f"{day}.Location"),
        ("location-list", f"(list {day}.Location)"),
        ("location-inline", f'(dict "l" (list {day}.Location 1))'),
    ]
    out += [(f"toml-to-{id_}", f"{{{{ toToml {expr} }}}}", {}, "error") for id_, expr in go_values]
    out += [
        (f"toml-{id_}", '{{ toYaml (dict "k" .v) }}|{{ toYaml .v }}', {"v": value}, "error")
        for id_, value in TO_YAML
    ]
    return out
