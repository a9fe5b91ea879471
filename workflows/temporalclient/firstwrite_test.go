package temporalclient

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/workflows/contract"
)

func TestFirstWrites(t *testing.T) {
	write := func(id, number string) contract.Projection {
		var p contract.Projection
		p.Case.ID, p.Case.CaseNumber = id, number
		return p
	}
	tests := []struct {
		name      string
		number    string
		err       error
		want      string
		wantWrite bool
	}{
		{"the row's number is the answer's", "CASE-2026-00042", nil, "CASE-2026-00042", true},
		{"a write without a new number keeps the case's", "", nil, "CASE-2026-00001", true},
		{"a failed write sends the caller to the workflow", "", errors.New("refused"), "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := NewFirstWrites()
			written, done := f.expect("a")
			defer done()
			f.Projected(write("b", "CASE-2026-00009"), "", nil) // another case's write
			require.Empty(t, written)
			f.Projected(write("a", "CASE-2026-00001"), tc.number, tc.err)
			got := <-written
			require.Equal(t, tc.wantWrite, got.ok)
			if tc.wantWrite {
				require.Equal(t, tc.want, got.c.CaseNumber)
			}
			// Only the first write is handed over; later ones pass by
			// without blocking the worker.
			f.Projected(write("a", "CASE-2026-00001"), "", nil)
			require.Empty(t, written)
		})
	}

	t.Run("a caller that stopped waiting is forgotten", func(t *testing.T) {
		f := NewFirstWrites()
		_, done := f.expect("a")
		done()
		require.Empty(t, f.waiting)
		f.Projected(write("a", ""), "", nil)
	})
}
