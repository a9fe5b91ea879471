package api_test

import (
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/api"
	"github.com/caseflow/caseflow/workflows/contract"
)

// Whatever name a browser or a script sends with a file, the name kept is
// storable (the contract's Line), without a path, and never empty.
func FuzzFileName(f *testing.F) {
	for _, s := range []string{"passport.pdf", `C:\scans\bill.png`, "../../etc/passwd", "a\x00b.pdf", "\xff\xfe.pdf",
		"\u202egnp.exe", "   ", "", "名前.pdf", "line\nbreak.pdf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := api.FileName(name)
		require.NotEmpty(t, got)
		require.True(t, utf8.ValidString(got))
		require.Empty(t, contract.Line.Problem(got), "%q kept as %q", name, got)
		require.NotContains(t, got, "/")
		require.NotContains(t, got, `\`)
	})
}
