package contract_test

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/workflows/contract"
)

func TestText(t *testing.T) {
	tests := []struct {
		name string
		rule contract.Text
		in   string
		want string // a part of the problem; "" when the text is fine
	}{
		{"plain", contract.Line, "Jane Roe", ""},
		{"accents and emoji", contract.Line, "Zoë Ødegård 🙂", ""},
		{"empty, not required", contract.Line, "", ""},
		{"empty, required", contract.RequiredLine, "  ", "is required"},
		{"NUL", contract.Line, "hello\x00world", "U+0000"},
		{"NUL in prose", contract.Prose, "hello\x00world", "U+0000"},
		{"invalid UTF-8", contract.Line, "a\xffb", "valid UTF-8"},
		{"truncated sequence", contract.Line, "\xc3\x28", "valid UTF-8"},
		{"newline in a line", contract.Line, "a\nb", "one line"},
		{"newline in prose", contract.Prose, "a\r\n\tb", ""},
		{"escape in prose", contract.Prose, "a\x1b[31m", "U+001B"},
		{"DEL", contract.Line, "a\x7f", "U+007F"},
		{"C1 control", contract.Line, "a\u0085", "U+0085"},
		{"at the limit", contract.Tag, strings.Repeat("é", contract.MaxTag), ""},
		{"over the limit", contract.Tag, strings.Repeat("é", contract.MaxTag+1), "at most 64 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.rule.Problem(tt.in)
			if tt.want == "" {
				require.Empty(t, got)
				return
			}
			require.Contains(t, got, tt.want)
		})
	}
}

func TestObject(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 9) + "1" + strings.Repeat("}", 9)
	var many strings.Builder
	many.WriteString("{")
	for i := range 257 {
		if i > 0 {
			many.WriteString(",")
		}
		many.WriteString(`"k` + strconv.Itoa(i) + `":1`)
	}
	many.WriteString("}")
	tests := []struct {
		name       string
		limits     contract.Object
		in         string
		path, want string
	}{
		{"empty object", contract.Metadata, `{}`, "", ""},
		{"nested", contract.Metadata, `{"a":{"b":[1,2.5,-3e10,"x",true,null]}}`, "", ""},
		{"a surrogate pair", contract.Metadata, `{"a":"\ud83d\ude00"}`, "", ""},
		{"an escaped backslash before u", contract.Metadata, `{"a":"\\ud800"}`, "", ""},
		{"array", contract.Metadata, `[1]`, "", "must be a JSON object"},
		{"string", contract.Metadata, `"x"`, "", "must be a JSON object"},
		{"null", contract.Metadata, `null`, "", "must be a JSON object"},
		{"nothing", contract.Metadata, ``, "", "must be a JSON object"},
		{"two objects", contract.Metadata, `{} {}`, "", "one JSON value"},
		{"any value: a string", contract.HitDetails, `"OFAC SDN"`, "", ""},
		{"any value: an array", contract.HitDetails, `["a",{"b":1}]`, "", ""},
		{"any value: NUL", contract.HitDetails, `"a\u0000"`, "", "NUL"},
		{"any value: a number too large", contract.HitDetails, `1e999`, "", "finite"},
		{"any value: a NUL in an array", contract.HitDetails, `[1,"\u0000"]`, "[1]", "NUL"},
		{"broken", contract.Metadata, `{"a":`, ".a", "valid JSON"},
		{"NUL in a value", contract.Metadata, `{"a":{"b":"x\u0000"}}`, ".a.b", "NUL"},
		{"NUL in a key", contract.Metadata, `{"a\u0000":1}`, `["a\x00"]`, "key must not contain NUL"},
		{"lone high surrogate", contract.Metadata, `{"a":["ok","\ud800"]}`, ".a[1]", "surrogate"},
		{"lone low surrogate", contract.Metadata, `{"a":"\udc00x"}`, ".a", "surrogate"},
		{"high surrogate then a letter", contract.Metadata, `{"a":"\ud800\u0041"}`, ".a", "surrogate"},
		{"invalid UTF-8", contract.Metadata, "{\"a\":\"\xff\"}", "", "valid UTF-8"},
		{"huge number", contract.Metadata, `{"n":1e1000000}`, ".n", "finite"},
		{"number that underflows", contract.Metadata, `{"n":1e-400}`, ".n", "finite"},
		{"zero with an exponent", contract.Metadata, `{"n":0e-400}`, "", ""},
		{"too deep", contract.Metadata, deep, ".a.a.a.a.a.a.a.a", "8 levels"},
		{"too many keys", contract.Metadata, many.String(), "", "256 keys"},
		{"too large", contract.Metadata, `{"a":"` + strings.Repeat("x", 16<<10) + `"}`, "", "16384 bytes"},
		{"an odd key", contract.Metadata, `{"a b":"\u0000"}`, `["a b"]`, "NUL"},
		{"no bounds", contract.Body, deep, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, msg := tt.limits.Problem([]byte(tt.in))
			if tt.want == "" {
				require.Empty(t, msg)
				return
			}
			require.Contains(t, msg, tt.want)
			require.Equal(t, tt.path, path)
		})
	}
}

func TestDueDate(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	est := time.FixedZone("EST", -5*3600)
	tests := []struct {
		name string
		due  time.Time
		want string
	}{
		{"next week", now.AddDate(0, 0, 7), ""},
		{"last week", now.AddDate(0, 0, -7), ""},
		{"five years ahead", now.AddDate(5, 0, 0), ""},
		{"past the horizon", now.AddDate(5, 0, 1), "at most 5 years ahead"},
		{"year 9999 in EST, 10000 in UTC", time.Date(9999, 12, 31, 23, 0, 0, 0, est), "ahead"},
		{"year 1", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), "back"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := contract.DueDate(tt.due, now, 0)
			if tt.want == "" {
				require.Empty(t, got)
				return
			}
			require.Contains(t, got, tt.want)
		})
	}
}

func TestErrorsSortByField(t *testing.T) {
	var e contract.Errors
	require.NoError(t, e.Err())
	e.Text("title", "a\x00", contract.Title)
	e.Object("metadata", []byte(`{"a":1e999}`), contract.Metadata)
	e.Add("description", "is required")
	list := e.List()
	require.Equal(t, []string{"description", "metadata.a", "title"}, []string{list[0].Field, list[1].Field, list[2].Field})
	require.ErrorContains(t, e.Err(), "metadata.a: must be a finite number")
}

// FuzzText: whatever a rule accepts is valid UTF-8, free of NUL and of the
// control characters the rule refuses, and within its length.
func FuzzText(f *testing.F) {
	for _, s := range []string{"Jane Roe", "a\x00b", "\xff", "\xc3\x28", "line\r\nline\t", "\u0085", strings.Repeat("é", 300)} {
		f.Add(s)
	}
	rules := []contract.Text{contract.Line, contract.RequiredLine, contract.Title, contract.Prose, contract.RequiredProse,
		contract.Tag, contract.PropertyKey, contract.PropertyValue, contract.Email, contract.Query}
	f.Fuzz(func(t *testing.T, s string) {
		for _, r := range rules {
			if r.Problem(s) != "" {
				continue
			}
			require.True(t, utf8.ValidString(s))
			require.LessOrEqual(t, utf8.RuneCountInString(s), r.Max)
			for _, c := range s {
				if unicode.IsControl(c) {
					require.True(t, r.Multiline && strings.ContainsRune("\t\n\r", c), "%U in %+v", c, r)
				}
			}
			if r.Required {
				require.NotEmpty(t, strings.TrimSpace(s))
			}
		}
	})
}

// FuzzObject: whatever the bounds accept is one JSON object within them,
// whose strings hold no NUL and whose numbers are finite doubles.
func FuzzObject(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":{"b":[1,2.5,"x",null]}}`, `{"a":"\u0000"}`, `{"a":"\ud800"}`, `{"n":1e999}`,
		`{"a":"\ud83d\ude00"}`, `[1]`, `{"a":`, `{} {}`, "{\"\xff\":1}", `{"n":1e-400}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, o := range []contract.Object{contract.Metadata, contract.HitDetails, contract.Body} {
			if _, msg := o.Problem(raw); msg != "" {
				continue
			}
			require.True(t, json.Valid(raw), "%q", raw)
			if o.MaxBytes > 0 {
				require.LessOrEqual(t, len(raw), o.MaxBytes)
			}
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			var v any
			require.NoError(t, dec.Decode(&v))
			if !o.AnyValue {
				require.IsType(t, map[string]any{}, v)
			}
			requireStorable(t, v)
		}
	})
}

func requireStorable(t *testing.T, v any) {
	switch v := v.(type) {
	case string:
		require.NotContains(t, v, "\x00")
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		require.NoError(t, err)
		require.False(t, math.IsInf(f, 0))
	case []any:
		for _, e := range v {
			requireStorable(t, e)
		}
	case map[string]any:
		for k, e := range v {
			require.NotContains(t, k, "\x00")
			requireStorable(t, e)
		}
	}
}
