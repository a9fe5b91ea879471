package temporalclient

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc"

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

	t.Run("a second call for one case asks the workflow; the first keeps the write", func(t *testing.T) {
		f := NewFirstWrites()
		first, done := f.expect("a")
		defer done()
		second, done2 := f.expect("a")
		require.Nil(t, second)
		done2() // must not forget the first call's wait
		f.Projected(write("a", "CASE-2026-00001"), "", nil)
		require.True(t, (<-first).ok)
	})

	t.Run("a caller that stopped waiting is forgotten", func(t *testing.T) {
		f := NewFirstWrites()
		written, done := f.expect("a")
		done()
		require.Empty(t, f.waiting)
		f.Projected(write("a", ""), "", nil)
		require.Empty(t, written, "nothing is handed to a call that left")
	})
}

// observeEagerStart reports an eager start only for a start answered with
// its first task, and only to a call that asked.
func TestObserveEagerStart(t *testing.T) {
	eagerTask := &workflowservice.StartWorkflowExecutionResponse{EagerWorkflowTask: &workflowservice.PollWorkflowTaskQueueResponse{}}
	tests := []struct {
		name  string
		reply any
		err   error
		ask   bool
		want  bool
	}{
		{"a start answered with its first task", eagerTask, nil, true, true},
		{"a start answered without it", &workflowservice.StartWorkflowExecutionResponse{}, nil, true, false},
		{"a start that failed", eagerTask, errors.New("unavailable"), true, false},
		{"another call", &workflowservice.SignalWorkflowExecutionResponse{}, nil, true, false},
		{"a start no call asked about", eagerTask, nil, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var eager bool
			ctx := context.Background()
			if tc.ask {
				ctx = context.WithValue(ctx, eagerStartKey{}, &eager)
			}
			invoke := func(_ context.Context, _ string, _, reply any, _ *grpc.ClientConn, _ ...grpc.CallOption) error {
				if r, ok := reply.(*workflowservice.StartWorkflowExecutionResponse); ok {
					if from, ok := tc.reply.(*workflowservice.StartWorkflowExecutionResponse); ok {
						r.EagerWorkflowTask = from.EagerWorkflowTask
					}
				}
				return tc.err
			}
			var reply any = &workflowservice.StartWorkflowExecutionResponse{}
			if _, ok := tc.reply.(*workflowservice.StartWorkflowExecutionResponse); !ok {
				reply = tc.reply
			}
			err := observeEagerStart(ctx, "/temporal.api.workflowservice.v1.WorkflowService/StartWorkflowExecution", nil, reply, nil, invoke)
			require.ErrorIs(t, err, tc.err)
			require.Equal(t, tc.want, eager)
		})
	}
}
