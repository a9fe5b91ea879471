package devserver

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/workflows/temporalclient"
)

func TestBinary(t *testing.T) {
	cli := filepath.Join(t.TempDir(), "temporal")
	require.NoError(t, os.WriteFile(cli, nil, 0o755))
	root, err := moduleRoot()
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(root, "go.mod"))

	tests := []struct {
		name    string
		env     string
		want    string
		problem string
	}{
		{name: "named", env: cli, want: cli},
		{name: "named but missing", env: cli + "-gone", problem: "no temporal CLI at " + cli + "-gone"},
		// Unset, it is bin/temporal at the module root, whatever package
		// the test runs in; this checkout may not have built it.
		{name: "the module's", env: "", want: filepath.Join(root, "bin", "temporal")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(BinaryEnv, tt.env)
			got, err := Binary()
			switch {
			case tt.problem != "":
				require.ErrorContains(t, err, tt.problem)
			case err != nil:
				require.ErrorContains(t, err, tt.want, "a missing CLI names where it was looked for")
			default:
				require.Equal(t, tt.want, got)
			}
		})
	}
}

// The dev server registers a search attribute from a value of its type:
// every case attribute must come through, with its key's type.
func TestSearchAttributesCoverEveryKey(t *testing.T) {
	want := map[string]string{}
	for _, k := range temporalclient.SearchAttributeKeys() {
		want[k.GetName()] = k.GetValueType().String()
	}
	got := map[string]string{}
	for k := range SearchAttributes().GetUntypedValues() {
		got[k.GetName()] = k.GetValueType().String()
	}
	require.Equal(t, want, got)
}
