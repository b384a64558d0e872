"""Differential cases for Sprig's date functions, Go's time values and the ``semver`` object.

Every case renders fixed instants (parsed with ``toDate``/``mustToDate``, or Unix seconds from
the data), so Go and Navarch must agree to the byte: layouts (every element), zones (named,
fixed, half-hour, DST, unknown), parse errors, durations, time and semver methods, printing
(``{{ . }}``, printf verbs, JSON), and ``eq`` on times and versions. ``toDate`` and ``date``
work in the machine's Local zone, which both sides read the same way (UTC on the test
machines). Clock-dependent functions (``now``, ``ago``, ``date`` of a non-time) are checked
by properties in ``test_properties.py``.
"""

from __future__ import annotations

from typing import Any

TIME_DATA: dict[str, Any] = {
    "ts": 1709640000,  # 2024-03-05T12:00:00Z
    "neg": -86400,
    "ns": 1500000000,
    "n": 3,
    "f": 1.5,
    "s": "x",
    "zones": ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "No/Such_Zone"],
    "versions": ["1.2.3", "v1.30.0-rc.1+k3s1", "2"],
    "k8s": "v1.37.2",
}

# a fixed instant with nanoseconds (Local: UTC on the test machines)
T = '(toDate "2006-01-02 15:04:05.999999999" "2024-03-05 07:08:09.012345678")'
# its predecessor by 90 minutes and some nanoseconds
U = '(toDate "2006-01-02 15:04:05.999999999" "2024-03-05 05:38:08.5")'
ALL_ELEMENTS = "Mon Monday Jan January 01 1 02 2 _2 002 __2 15 03 3 04 4 05 5 06 2006 PM pm MST"
ZONES = "Z0700|Z07:00|Z07|Z070000|Z07:00:00|-0700|-07:00|-07|-070000|-07:00:00|MST"
FRACTIONS = ".0|.00|.000|.000000|.000000000|.9|.99|.999|.999999|.999999999|,000|,999"


def _in(zone: str, layout: str, instant: str = ".ts") -> str:
    return f'{{{{ dateInZone "{layout}" {instant} "{zone}" }}}}'


TIME: list[tuple[str, str]] = [
    # formatting: every layout element, standard layouts, literal text
    ("time-elements", f'{{{{ {T} | date "{ALL_ELEMENTS}" }}}}'),
    ("time-elements-afternoon", f'{{{{ .ts | date "{ALL_ELEMENTS}" }}}}'),
    ("time-zones-utc", f'{{{{ {T} | date "{ZONES}" }}}}'),
    ("time-zones-kolkata", _in("Asia/Kolkata", ZONES)),
    ("time-zones-st-johns", _in("America/St_Johns", ZONES)),
    ("time-zones-kathmandu", _in("Asia/Kathmandu", ZONES)),
    ("time-fractions", f'{{{{ {T} | date "05{FRACTIONS}" }}}}'),
    ("time-fractions-zero", f'{{{{ .ts | date "05{FRACTIONS}" }}}}'),
    ("time-fraction-trailing", '{{ toDate "15:04:05.000" "10:00:00.120" | date "5.999|5.000" }}'),
    ("time-fraction-ten-digits", f'{{{{ {T} | date ".0000000000|.9999999999" }}}}'),
    ("time-fraction-then-digit", f'{{{{ {T} | date ".001 .991 .00" }}}}'),
    ("time-underscore-year", f'{{{{ {T} | date "_2006 __2006 _2_" }}}}'),
    ("time-not-elements", f'{{{{ {T} | date "Janet Monsoon Month MSTX PMx pmx" }}}}'),
    ("time-literals", f'{{{{ {T} | date "Year: 2006, day: 2, T-15h" }}}}'),
    ("time-ansic", f'{{{{ {T} | date "Mon Jan _2 15:04:05 2006" }}}}'),
    ("time-unixdate", f'{{{{ {T} | date "Mon Jan _2 15:04:05 MST 2006" }}}}'),
    ("time-rubydate", f'{{{{ {T} | date "Mon Jan 02 15:04:05 -0700 2006" }}}}'),
    ("time-rfc822", f'{{{{ {T} | date "02 Jan 06 15:04 MST" }}}}'),
    ("time-rfc850", f'{{{{ {T} | date "Monday, 02-Jan-06 15:04:05 MST" }}}}'),
    ("time-rfc1123z", f'{{{{ {T} | date "Mon, 02 Jan 2006 15:04:05 -0700" }}}}'),
    ("time-rfc3339", f'{{{{ {T} | date "2006-01-02T15:04:05Z07:00" }}}}'),
    ("time-rfc3339nano", f'{{{{ {T} | date "2006-01-02T15:04:05.999999999Z07:00" }}}}'),
    ("time-kitchen", f'{{{{ {T} | date "3:04PM" }}}}'),
    ("time-stamp-micro", f'{{{{ {T} | date "Jan _2 15:04:05.000000" }}}}'),
    ("time-layout-constant", f'{{{{ {T} | date "01/02 03:04:05PM \'06 -0700" }}}}'),
    (
        "time-midnight-noon",
        '{{ toDate "15:04" "00:30" | date "3:04PM 03pm" }} '
        '{{ toDate "15:04" "12:15" | date "3:04PM 03pm" }}',
    ),
    (
        "time-yday",
        '{{ toDate "2006-01-02" "2024-01-05" | date "002 __2" }} '
        '{{ toDate "2006-01-02" "2024-04-20" | date "002 __2" }} '
        '{{ toDate "2006-01-02" "2023-12-31" | date "002 __2" }}',
    ),
    ("time-empty-layout", f'[{{{{ {T} | date "" }}}}]'),
    ("time-non-ascii-layout", f'{{{{ {T} | date "2006年01月02日 — 15時" }}}}'),
    # date on Unix seconds, zones
    ("time-date-int", '{{ date "2006-01-02 15:04:05 MST" 0 }}'),
    ("time-date-int64", '{{ date "2006-01-02 15:04:05 MST" .ts }}'),
    ("time-date-negative", '{{ date "2006-01-02 15:04:05" .neg }}'),
    ("time-date-pipe", '{{ .ts | date "Jan 2, 2006 at 3:04pm (MST)" }}'),
    ("time-date-int-func", '{{ .ts | int | date "2006-01-02" }}'),
    ("time-in-utc", _in("UTC", "2006-01-02 15:04 MST")),
    ("time-in-empty", _in("", "2006-01-02 15:04 MST")),
    ("time-in-local", _in("Local", "2006-01-02 15:04 MST")),
    ("time-in-paris-winter", _in("Europe/Paris", "2006-01-02 15:04 MST -07:00")),
    ("time-in-paris-summer", _in("Europe/Paris", "2006-01-02 15:04 MST", "1720000000")),
    ("time-in-new-york", _in("America/New_York", "Mon 2006-01-02 15:04 MST")),
    ("time-in-lord-howe", _in("Australia/Lord_Howe", "15:04 MST -07:00", "1720000000")),
    ("time-in-etc-gmt", _in("Etc/GMT+5", "15:04 MST -0700")),
    ("time-in-unknown", _in("No/Such_Zone", "15:04 MST")),
    ("time-in-dotdot", _in("../zoneinfo/UTC", "15:04 MST")),
    ("time-in-lowercase", _in("europe/paris", "15:04 MST")),
    ("time-in-alias", '{{ date_in_zone "15:04 MST" .ts "Asia/Tokyo" }}'),
    (
        "time-in-dst-gap",
        '{{ dateInZone "2006-01-02 15:04 MST" (mustToDate "2006-01-02 15:04 MST" '
        '"2024-03-10 07:30 UTC") "America/New_York" }}',
    ),
    (
        "time-in-range",
        '{{ range .zones }}{{ dateInZone "15:04 MST" $.ts . }};{{ end }}',
    ),
    ("time-in-lmt", _in("Europe/Paris", "2006-01-02 15:04:05 MST -07:00:00", "-2500000000")),
    ("time-in-far-future", _in("Europe/Paris", "2006-01-02 15:04 MST", "4102444800")),
    ("time-html-date", "{{ htmlDate .ts }} {{ htmlDate 0 }}"),
    ("time-html-date-in-zone", '{{ htmlDateInZone .ts "Pacific/Kiritimati" }}'),
    ("time-html-date-time", f"{{{{ htmlDate {T} }}}}"),
    # unixEpoch and dateModify
    ("time-unix-epoch", f"{{{{ {T} | unixEpoch }}}}"),
    ("time-unix-epoch-int", "{{ unixEpoch .ts }}"),
    ("time-unix-epoch-nil", "{{ unixEpoch nil }}"),
    ("time-modify", f'{{{{ {T} | dateModify "+1h30m" }}}}'),
    ("time-modify-negative", f'{{{{ {T} | dateModify "-90m" | date "15:04:05.000" }}}}'),
    ("time-modify-fraction", f'{{{{ {T} | dateModify "1.5h" | date "15:04:05" }}}}'),
    ("time-modify-units", f'{{{{ {T} | dateModify "1h1m1s1ms1us1µs1μs1ns" }}}}'),
    ("time-modify-bad", f'{{{{ {T} | dateModify "tomorrow" }}}}'),
    ("time-modify-empty", f'{{{{ {T} | dateModify "" }}}}'),
    ("time-modify-alias", f'{{{{ date_modify "24h" {T} | date "2006-01-02" }}}}'),
    ("time-modify-days-unit", f'{{{{ {T} | dateModify "1d" | date "2006-01-02" }}}}'),
    ("time-modify-not-time", '{{ dateModify "1h" "2024-03-05" }}'),
    ("time-modify-int", '{{ .ts | dateModify "1h" }}'),
    ("time-must-modify", f'{{{{ {T} | mustDateModify "-1.5h" }}}}'),
    ("time-must-modify-bad", f'{{{{ {T} | mustDateModify "5 minutes" }}}}'),
    ("time-must-modify-alias-bad", f'{{{{ {T} | must_date_modify ".h" }}}}'),
    ("time-modify-max", f'{{{{ {T} | mustDateModify "9223372036854775807ns" }}}}'),
    ("time-modify-overflow", f'{{{{ {T} | mustDateModify "9223372036854775808ns" }}}}'),
    ("time-modify-min", f'{{{{ {T} | mustDateModify "-9223372036854775808ns" }}}}'),
    ("time-modify-hours-overflow", f'{{{{ {T} | mustDateModify "2562048h" }}}}'),
    ("time-modify-forms", f'{{{{ {T} | mustDateModify "+.5h" | mustDateModify "5.s" }}}}'),
    ("time-modify-missing-unit", f'{{{{ {T} | mustDateModify "10" }}}}'),
    ("time-modify-zero", f'{{{{ {T} | mustDateModify "-0" | date "15:04:05" }}}}'),
    # duration and durationRound
    ("time-duration", '{{ duration "95" }} {{ duration "3600" }} {{ duration "86400" }}'),
    ("time-duration-int", "{{ duration 95 }} {{ duration .n }} {{ duration .ts }}"),
    ("time-duration-signs", '{{ duration "-3661" }} {{ duration "+5" }} {{ duration "0" }}'),
    ("time-duration-bad", '{{ duration "x" }} {{ duration "1.5" }} {{ duration .f }}'),
    ("time-duration-wrap", '{{ duration "9999999999999" }} {{ duration "99999999999999999999" }}'),
    (
        "time-round",
        '{{ durationRound "2h5m" }} {{ durationRound "3600s" }} '
        '{{ durationRound "90s" }} {{ durationRound "1s" }} {{ durationRound "1.5s" }}',
    ),
    (
        "time-round-large",
        '{{ durationRound "48h1s" }} {{ durationRound "720h1s" }} '
        '{{ durationRound "8761h" }} {{ durationRound "87600h" }}',
    ),
    ("time-round-negative", '{{ durationRound "-2h30m" }} {{ durationRound "-0.5s" }}'),
    (
        "time-round-other",
        "{{ durationRound .ns }} {{ durationRound 3600 }} "
        '{{ durationRound "bad" }} {{ durationRound "" }}',
    ),
    ("time-round-duration-value", f"{{{{ durationRound ({T}.Sub {U}) }}}}"),
    # parsing: toDate (zero time on error) and mustToDate (errors)
    ("time-to-date", '{{ toDate "2006-01-02" "2024-03-05" }}'),
    ("time-to-date-bad", '{{ toDate "2006-01-02" "05/03/2024" }}'),
    ("time-to-date-feb-30", '{{ toDate "2006-01-02" "2024-02-30" }}'),
    (
        "time-to-date-leap",
        '{{ toDate "2006-01-02" "2024-02-29" }} {{ toDate "2006-01-02" "2023-02-29" }}',
    ),
    ("time-parse-month-range", '{{ mustToDate "2006-01-02" "2024-13-05" }}'),
    ("time-parse-day-range", '{{ mustToDate "2006-01-02" "2024-04-31" }}'),
    ("time-parse-extra", '{{ mustToDate "2006-01-02" "2024-03-05T10:00" }}'),
    ("time-parse-cannot", '{{ mustToDate "2006-01-02" "24-03-05" }}'),
    ("time-parse-hour-range", '{{ mustToDate "15:04" "24:00" }}'),
    ("time-parse-minute-range", '{{ mustToDate "15:04" "23:60" }}'),
    ("time-parse-second-range", '{{ mustToDate "15:04:05" "23:59:60" }}'),
    ("time-parse-12h-range", '{{ mustToDate "3:04PM" "13:00PM" }}'),
    ("time-parse-empty", '{{ mustToDate "2006-01-02" "" }}'),
    ("time-parse-non-ascii", '{{ mustToDate "2006-01-02" "2024-03-0é" }}'),
    ("time-parse-quote", '{{ mustToDate "2006-01-02" "2024-03-\\"5" }}'),
    (
        "time-parse-full",
        '{{ mustToDate "Monday, 02-Jan-06 15:04:05 MST" "Tuesday, 05-Mar-24 07:08:09 UTC" }}',
    ),
    ("time-parse-offset", '{{ mustToDate "2006-01-02 15:04 -0700" "2024-03-05 10:00 +0100" }}'),
    (
        "time-parse-offset-zero",
        '{{ mustToDate "2006-01-02 15:04 -0700" "2024-03-05 10:00 +0000" }}',
    ),
    (
        "time-parse-offset-odd",
        '{{ mustToDate "2006-01-02 15:04 -07:00" "2024-03-05 10:00 -03:30" }}',
    ),
    ("time-parse-offset-seconds", '{{ mustToDate "15:04 -07:00:00" "10:00 +01:02:03" }}'),
    ("time-parse-offset-short", '{{ mustToDate "15:04 -07" "10:00 -05" }}'),
    ("time-parse-offset-range", '{{ mustToDate "15:04 -0700" "10:00 +2500" }}'),
    ("time-parse-offset-bad-sign", '{{ mustToDate "15:04 -0700" "10:00 *0100" }}'),
    ("time-parse-iso-z", '{{ mustToDate "2006-01-02T15:04:05Z07:00" "2024-03-05T10:00:00Z" }}'),
    (
        "time-parse-rfc3339-offset",
        '{{ mustToDate "2006-01-02T15:04:05Z07:00" "2024-03-05T10:00:00.5+05:30" }}',
    ),
    ("time-parse-zone-utc", '{{ mustToDate "15:04 MST" "10:00 UTC" }}'),
    ("time-parse-zone-unknown", '{{ mustToDate "2006-01-02 15:04 MST" "2024-03-05 10:00 EST" }}'),
    ("time-parse-zone-gmt", '{{ mustToDate "2006-01-02 15:04 MST" "2024-03-05 10:00 GMT+3" }}'),
    (
        "time-parse-zone-special",
        '{{ mustToDate "15:04 MST" "10:00 ChST" }} '
        '{{ mustToDate "15:04 MST" "10:00 CEST" }} {{ mustToDate "15:04 MST" "10:00 +03" }}',
    ),
    ("time-parse-zone-bad", '{{ mustToDate "15:04 MST" "10:00 Pacific" }}'),
    ("time-parse-zone-and-offset", '{{ mustToDate "15:04 MST -0700" "10:00 CET +0100" }}'),
    (
        "time-parse-fraction-implied",
        '{{ mustToDate "15:04:05" "10:11:12.123456" | date ".000000" }}',
    ),
    ("time-parse-fraction-comma", '{{ mustToDate "15:04:05" "10:11:12,5" | date ".000" }}'),
    ("time-parse-fraction-exact", '{{ mustToDate "15:04:05.000" "10:11:12.12" }}'),
    (
        "time-parse-fraction-long",
        '{{ mustToDate "15:04:05.999" "10:11:12.1234567891234" | date ".000000000" }}',
    ),
    (
        "time-parse-fraction-optional",
        '{{ mustToDate "15:04:05.999" "10:11:12" | date "15:04:05.000" }}',
    ),
    (
        "time-parse-month-names",
        '{{ mustToDate "Jan 2 2006" "mar 5 2024" }} '
        '{{ mustToDate "January 2 2006" "MARCH 5 2024" }}',
    ),
    ("time-parse-weekday-ignored", '{{ mustToDate "Mon 2006-01-02" "Fri 2024-03-05" }}'),
    ("time-parse-weekday-bad", '{{ mustToDate "Mon 2006-01-02" "Fry 2024-03-05" }}'),
    ("time-parse-underscore-day", '{{ mustToDate "Jan _2 2006" "Mar  5 2024" }}'),
    ("time-parse-spaces", '{{ mustToDate "2006 01 02" "2024   03 05" }}'),
    (
        "time-parse-yday",
        '{{ mustToDate "2006-002" "2024-060" }} {{ mustToDate "2006-002" "2023-060" }}',
    ),
    ("time-parse-yday-range", '{{ mustToDate "2006-002" "2023-366" }}'),
    ("time-parse-yday-mismatch", '{{ mustToDate "2006-01 002" "2024-02 100" }}'),
    (
        "time-parse-two-digit-year",
        '{{ mustToDate "06-01-02" "68-01-02" }} {{ mustToDate "06-01-02" "69-01-02" }}',
    ),
    ("time-parse-pm", '{{ mustToDate "3:04PM" "3:04PM" }} {{ mustToDate "3:04pm" "12:00am" }}'),
    ("time-parse-pm-bad", '{{ mustToDate "3:04PM" "3:04XM" }}'),
    ("time-parse-year-zero", '{{ mustToDate "2006" "0000" }}'),
    ("time-parse-nothing", '{{ mustToDate "" "" }}'),
    ("time-parse-no-date", '{{ mustToDate "15:04" "10:00" }}'),
    # time values: printing, types, JSON
    ("time-print", f"{{{{ {T} }}}}"),
    ("time-printf", f'{{{{ printf "%v|%s|%q|%T" {T} {T} {T} {T} }}}}'),
    ("time-printf-go-syntax", f'{{{{ printf "%#v" {T} }}}} {{{{ printf "%#v" {T}.UTC }}}}'),
    ("time-printf-width", f'{{{{ printf "[%40v][%-12.10s]" {T} {T} }}}}'),
    ("time-print-list", f'{{{{ list {T} {T}.UTC }}}} {{{{ dict "at" {T} }}}}'),
    ("time-print-funcs", f"{{{{ print {T} 1 }}}}|{{{{ toString {T} }}}}|{{{{ {T} | quote }}}}"),
    (
        "time-type-kind",
        f'{{{{ typeOf {T} }}}} {{{{ kindOf {T} }}}} {{{{ typeIs "time.Time" {T} }}}}',
    ),
    ("time-json", f'{{{{ toJson {T} }}}} {{{{ toJson (dict "t" {T}) }}}}'),
    ("time-yaml", f'{{{{ toYaml (dict "t" {T}) }}}}'),
    ("time-zero", '{{ toDate "x" "y" }}|{{ (toDate "x" "y").IsZero }}'),
    ("time-with", '{{ with toDate "2006-01-02" "2024-03-05" }}{{ . }}|{{ .Year }}{{ end }}'),
    ("time-truth", '{{ if toDate "x" "y" }}yes{{ end }} {{ empty (toDate "x" "y") }}'),
    ("time-len", f"{{{{ len {T} }}}}"),
    ("time-string-arg", f"{{{{ upper {T} }}}}"),
    # comparisons with eq (Go's ==: instant, location and monotonic reading)
    ("time-eq-same", f"{{{{ $t := {T} }}}}{{{{ eq $t $t }}}} {{{{ eq {T} {T} }}}}"),
    (
        "time-eq-utc",
        f"{{{{ eq {T} {T}.UTC }}}} {{{{ eq {T}.UTC {T}.UTC }}}} {{{{ {T}.Equal {T}.UTC }}}}",
    ),
    (
        "time-eq-fixed-zones",
        '{{ eq (mustToDate "-0700" "+0100") (mustToDate "-0700" "+0100") }} '
        '{{ eq (mustToDate "-0700" "+0130") (mustToDate "-0700" "+0130") }}',
    ),
    ("time-eq-other", f"{{{{ eq {T} {U} }}}} {{{{ ne {T} {U} }}}}"),
    ("time-eq-string", f'{{{{ eq {T} "2024-03-05" }}}}'),
    ("time-lt", f"{{{{ lt {T} {U} }}}}"),
    # time methods
    (
        "time-fields",
        f"{{{{ $t := {T} }}}}{{{{ $t.Year }}}} {{{{ $t.Month }}}} {{{{ $t.Day }}}} "
        "{{ $t.Hour }} {{ $t.Minute }} {{ $t.Second }} {{ $t.Nanosecond }} {{ $t.YearDay }} "
        "{{ $t.Weekday }}",
    ),
    (
        "time-field-types",
        f'{{{{ printf "%T %T %T %d %d" {T}.Month {T}.Weekday {T}.Year {T}.Month {T}.Weekday }}}}',
    ),
    (
        "time-unix-methods",
        f"{{{{ $t := {T} }}}}{{{{ $t.Unix }}}} {{{{ $t.UnixMilli }}}} "
        '{{ $t.UnixMicro }} {{ $t.UnixNano }} {{ printf "%T" $t.Unix }}',
    ),
    (
        "time-location",
        f"{{{{ {T}.Location }}}} {{{{ {T}.UTC.Location }}}} "
        f'{{{{ (mustToDate "-0700" "+0130").Location }}}}| {{{{ printf "%T" {T}.Location }}}}',
    ),
    ("time-in-method", f'{{{{ {T}.In (mustToDate "MST" "EST").Location }}}}'),
    ("time-in-nil", f"{{{{ {T}.In nil }}}}"),
    ("time-local-utc", f"{{{{ {T}.UTC }}}} {{{{ {T}.UTC.Local }}}}"),
    ("time-format-method", f'{{{{ {T}.Format "Jan 2 15:04" }}}}'),
    ("time-string-method", f"{{{{ {T}.String }}}} {{{{ {T}.GoString }}}}"),
    ("time-add", f"{{{{ {T}.Add 3600000000000 }}}} {{{{ {T}.Add -1 }}}}"),
    ("time-add-wrong-type", f'{{{{ {T}.Add "1h" }}}}'),
    ("time-add-int64", f"{{{{ {T}.Add .ns }}}}"),
    (
        "time-add-date",
        f'{{{{ {T}.AddDate 0 1 0 }}}} {{{{ {T}.AddDate -1 -3 -5 | date "2006-01-02" }}}}',
    ),
    ("time-add-date-overflow", '{{ (toDate "2006-01-02" "2024-01-31").AddDate 0 1 0 | htmlDate }}'),
    (
        "time-add-date-negative-year",
        '{{ (toDate "2006" "0001").AddDate -5 0 0 | date "2006 06 Jan" }}',
    ),
    (
        "time-sub",
        f"{{{{ {T}.Sub {U} }}}} {{{{ {U}.Sub {T} }}}} "
        f'{{{{ printf "%T %d" ({T}.Sub {U}) ({T}.Sub {U}) }}}}',
    ),
    (
        "time-sub-long",
        f'{{{{ {T}.Sub (toDate "2006" "1900") }}}} {{{{ (toDate "2006" "1900").Sub {T} }}}}',
    ),
    (
        "time-duration-methods",
        f"{{{{ $d := {T}.Sub {U} }}}}{{{{ $d.Hours }}}} {{{{ $d.Minutes }}}} "
        "{{ $d.Seconds }} {{ $d.Milliseconds }} {{ $d.Microseconds }} {{ $d.Nanoseconds }}",
    ),
    (
        "time-duration-round-methods",
        f"{{{{ $d := {T}.Sub {U} }}}}{{{{ $d.Round 60000000000 }}}} "
        "{{ $d.Truncate 60000000000 }} {{ $d.Round 0 }}",
    ),
    ("time-duration-abs", f"{{{{ ({U}.Sub {T}).Abs }}}} {{{{ ({U}.Sub {T}).String }}}}"),
    (
        "time-duration-small",
        '{{ (mustToDate "05.000000000" "00.000001500").Sub (mustToDate "05" "00") }} '
        '{{ (mustToDate "05.000000000" "00.001500000").Sub (mustToDate "05" "00") }} '
        '{{ (mustToDate "05.000000000" "00.000000150").Sub (mustToDate "05" "00") }}',
    ),
    (
        "time-compare-methods",
        f"{{{{ {T}.Before {U} }}}} {{{{ {T}.After {U} }}}} "
        f"{{{{ {T}.Compare {U} }}}} {{{{ {U}.Compare {T} }}}} {{{{ {T}.Compare {T} }}}}",
    ),
    (
        "time-truncate-round",
        f"{{{{ {T}.Truncate 3600000000000 }}}} {{{{ {T}.Round 3600000000000 }}}} "
        f"{{{{ {T}.Round 1000 }}}} {{{{ {T}.Truncate 0 }}}}",
    ),
    (
        "time-round-half",
        '{{ (mustToDate "15:04:05" "10:30:00").Round 3600000000000 | date "15:04" }}',
    ),
    ("time-is-dst", '{{ (mustToDate "2006-01-02" "2024-07-01").IsDST }}'),
    ("time-zone-method", f"{{{{ {T}.Zone }}}}"),
    ("time-clock-method", f"{{{{ {T}.Clock }}}}"),
    ("time-date-method", f"{{{{ {T}.Date }}}}"),
    ("time-iso-week-method", f"{{{{ {T}.ISOWeek }}}}"),
    ("time-unexported-field", f"{{{{ {T}.wall }}}}"),
    ("time-no-method", f"{{{{ {T}.Nope }}}}"),
    ("time-method-args", f"{{{{ {T}.Year 1 }}}}"),
    ("time-month-string", f"{{{{ {T}.Month.String }}}} {{{{ {T}.Weekday.String }}}}"),
    ("time-month-eq", f"{{{{ eq {T}.Month 3 }}}} {{{{ lt {T}.Day 10 }}}}"),
    ("time-month-arith", f"{{{{ add1 {T}.Month }}}} {{{{ {T}.Year | add 1 }}}}"),
]

# times, durations and versions through Sprig's other functions
D = f"({T}.Sub {U})"
INTERPLAY: list[tuple[str, str]] = [
    (
        "time-deep-copy",
        f"{{{{ $t := {T} }}}}{{{{ eq $t (deepCopy $t) }}}} {{{{ deepCopy (list $t) }}}}",
    ),
    ("time-deep-copy-fixed", '{{ $t := mustToDate "-0700" "+0130" }}{{ eq $t (deepCopy $t) }}'),
    (
        "semver-deep-copy",
        '{{ $v := semver "1.2.3" }}{{ deepCopy $v }} {{ eq $v (deepCopy $v) }} '
        '{{ (deepCopy $v).Original }}|{{ printf "%T" (deepCopy $v.IncMajor) }}',
    ),
    (
        "time-list-funcs",
        f"{{{{ $t := {T} }}}}{{{{ uniq (list $t $t) }}}} {{{{ has $t (list $t) }}}} "
        "{{ deepEqual $t $t }} {{ deepEqual $t $t.UTC }} {{ without (list $t 1) $t }}",
    ),
    ("time-default-empty", f"{{{{ default 1 {T} }}}} {{{{ coalesce {T} }}}} {{{{ empty {T} }}}}"),
    (
        "time-strings",
        f'{{{{ toStrings (list {T}) }}}} {{{{ join "," (list {T} (semver "1.0")) }}}}',
    ),
    ("time-kinds", f'{{{{ kindIs "struct" {T} }}}} {{{{ typeIsLike "time.Time" {T} }}}}'),
    (
        "time-duration-sprig",
        f"{{{{ add {D} 1 }}}} {{{{ int {D} }}}} {{{{ float64 {D} }}}} "
        f"{{{{ toString {D} }}}} {{{{ quote {D} }}}} {{{{ kindOf {D} }}}}",
    ),
    (
        "time-cast",
        f'{{{{ int {T} }}}} {{{{ float64 {T} }}}} {{{{ int64 (semver "1.2.3").Minor }}}}',
    ),
    ("time-pretty-json", f'{{{{ toPrettyJson (dict "t" {T} "v" (semver "1.0")) }}}}'),
    ("time-month-json", f'{{{{ toJson (dict "m" {T}.Month "d" {D}) }}}}'),
    ("time-until-month", f"{{{{ until {T}.Month }}}}"),
    ("time-len-duration", f"{{{{ len {D} }}}}"),
]

SEMVER: list[tuple[str, str]] = [
    ("semver-print", '{{ semver "v1.2.3-rc.1+build.5" }}'),
    (
        "semver-fields",
        '{{ $v := semver "v1.2.3-rc.1+build.5" }}{{ $v.Major }} {{ $v.Minor }} '
        "{{ $v.Patch }} {{ $v.Prerelease }} {{ $v.Metadata }} {{ $v.Original }} {{ $v.String }}",
    ),
    ("semver-chain", '{{ (semver "1.2.3").Minor }}'),
    (
        "semver-with",
        '{{ with semver "2.5" }}{{ .Major }}.{{ .Minor }}.{{ .Patch }} {{ .Original }}{{ end }}',
    ),
    (
        "semver-loose",
        '{{ semver "1" }} {{ semver "1.2" }} {{ semver "v1" }} {{ semver "01.02.03" }}',
    ),
    (
        "semver-types",
        '{{ printf "%T %T %T" (semver "1.2.3") (semver "1.2.3").Major (semver "1.2.3").IncMajor }}',
    ),
    ("semver-kind", '{{ kindOf (semver "1.2.3") }} {{ typeOf (semver "1.2.3") }}'),
    ("semver-go-syntax", '{{ printf "%#v" (semver "v1.2.3-a") }}'),
    (
        "semver-go-syntax-value",
        '{{ printf "%#v|%#v" (semver "1.2.3").IncMinor (semver "1.2.3").Major }}',
    ),
    ("semver-json", '{{ toJson (semver "v1.2.3+b") }} {{ toJson (list (semver "1.0").IncPatch) }}'),
    (
        "semver-printf",
        '{{ printf "%v %s %q %x" (semver "1.2.3") (semver "1.2.3") (semver "1.2.3") '
        '(semver "1.2.3") }}',
    ),
    ("semver-in-list", '{{ list (semver "1.2.3") (semver "2") }}'),
    ("semver-invalid", '{{ semver "1.2.3.4" }}'),
    ("semver-empty", '{{ semver "" }}'),
    ("semver-capital-v", '{{ semver "V1.2.3" }}'),
    ("semver-space", '{{ semver " 1.2.3" }}'),
    ("semver-leading-zero-pre", '{{ semver "1.2.3-01" }}'),
    ("semver-alnum-pre", '{{ semver "1.2.3-0a.b-c" }}'),
    ("semver-overflow", '{{ semver "99999999999999999999.0.0" }}'),
    ("semver-max", '{{ semver "18446744073709551615.0.0" }}'),
    ("semver-too-long", '{{ semver (printf "1.0.0-%s" (repeat 260 "a")) }}'),
    ("semver-newline", '{{ semver "1.2.3\\n" }}'),
    ("semver-not-string", "{{ semver 1 }}"),
    (
        "semver-compare",
        '{{ $a := semver "1.2.3" }}{{ $a.Compare (semver "1.2.4") }} '
        '{{ $a.Compare (semver "1.2.3+meta") }} {{ $a.Compare (semver "1.2.3-rc") }}',
    ),
    (
        "semver-prerelease-order",
        '{{ $l := list "1.0.0-alpha" "1.0.0-alpha.1" "1.0.0-alpha.beta" "1.0.0-beta" '
        '"1.0.0-beta.2" "1.0.0-beta.11" "1.0.0-rc.1" "1.0.0" "1.0.0-1" "1.0.0-a-b" }}'
        "{{ range $a := $l }}{{ range $b := $l }}{{ (semver $a).Compare (semver $b) }},"
        "{{ end }};{{ end }}",
    ),
    (
        "semver-less-greater",
        '{{ $a := semver "1.2.3" }}{{ $b := semver "1.10.0" }}'
        "{{ $a.LessThan $b }} {{ $a.LessThanEqual $a }} {{ $a.GreaterThan $b }} "
        '{{ $b.GreaterThanEqual $a }} {{ $a.Equal (semver "v1.2.3+x") }} {{ $a.Equal $b }}',
    ),
    ("semver-equal-nil", '{{ (semver "1.2.3").Equal nil }}'),
    ("semver-compare-nil", '{{ (semver "1.2.3").Compare nil }}'),
    ("semver-compare-value", '{{ (semver "1.2.3").Compare (semver "1.2.3").IncPatch }}'),
    ("semver-compare-string", '{{ (semver "1.2.3").Compare "1.2.3" }}'),
    (
        "semver-inc",
        '{{ $v := semver "v1.2.3-rc.1+b" }}{{ $v.IncPatch }} {{ $v.IncMinor }} '
        '{{ $v.IncMajor }} {{ (semver "1.2.3+b").IncPatch }}',
    ),
    ("semver-inc-chain", '{{ (semver "1.2.3").IncMajor.IncMinor.IncPatch.Major }}'),
    ("semver-value-no-original", '{{ (semver "v1.2.3").IncMajor.Original }}'),
    ("semver-value-no-compare", '{{ (semver "1.2.3").IncMajor.LessThan (semver "3") }}'),
    (
        "semver-set",
        '{{ $v := semver "v1.2.3" }}{{ $v.SetPrerelease "rc.1" }} '
        '{{ $v.SetMetadata "git.abc" }} {{ ($v.SetPrerelease "beta").SetMetadata "x" }}',
    ),
    ("semver-set-clear", '{{ (semver "1.2.3-a+b").SetPrerelease "" }}'),
    ("semver-set-bad-pre", '{{ (semver "1.2.3").SetPrerelease "01" }}'),
    ("semver-set-bad-pre-chars", '{{ (semver "1.2.3").SetPrerelease "a_b" }}'),
    ("semver-set-bad-meta", '{{ (semver "1.2.3").SetMetadata "b..1" }}'),
    ("semver-value-method", '{{ (semver "v1.2.3").Value }}'),
    ("semver-unexported", '{{ (semver "1.2.3").major }}'),
    ("semver-no-field", '{{ (semver "1.2.3").Build }}'),
    (
        "semver-eq-pointers",
        '{{ $v := semver "1.2.3" }}{{ eq $v $v }} {{ eq (semver "1.2.3") (semver "1.2.3") }}',
    ),
    (
        "semver-eq-values",
        '{{ eq (semver "1.2.3-a").IncPatch (semver "1.2.3-b").IncPatch }} '
        '{{ eq (semver "v1.2.3-a").IncPatch (semver "1.2.3-b").IncPatch }}',
    ),
    (
        "semver-eq-number",
        '{{ eq (semver "1.2.3").Major 1 }} {{ lt (semver "1.2.3").Minor 3 }} '
        '{{ gt (semver "1.2.3").Patch -1 }}',
    ),
    (
        "semver-arith",
        '{{ add1 (semver "1.2.3").Major }} {{ (semver "1.29.0").Minor | int | add 1 }}',
    ),
    ("semver-int-param", '{{ repeat (semver "1.2.3").Minor "x" }}'),
    (
        "semver-range",
        "{{ range .versions }}{{ (semver .).Minor }}"
        "{{ with (semver .).Prerelease }}-{{ . }}{{ end }} {{ end }}",
    ),
    (
        "semver-sveltos-gate",
        '{{ $v := semver .k8s }}{{ if $v.GreaterThanEqual (semver "1.30") }}'
        "new{{ else }}old{{ end }} {{ $v.Major }}.{{ $v.Minor }}",
    ),
    ("semver-compare-function", '{{ semverCompare ">=1.30" (semver .k8s).String }}'),
    # semverCompare parses its version as semver does
    ("semver-compare-newline", '{{ semverCompare ">=1.0" "1.2.3\\n" }}'),
    ("semver-compare-leading-zero-pre", '{{ semverCompare ">=1.0" "1.2.3-01" }}'),
    ("semver-compare-leading-zeros", '{{ semverCompare ">=1.0" "01.2.3" }}'),
]


def time_cases() -> list[tuple[str, str, Any, str]]:
    return [(id_, template, TIME_DATA, "error") for id_, template in TIME + INTERPLAY + SEMVER]
