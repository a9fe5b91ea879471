package temporalclient

// DevServerArgs tune the Temporal dev server as caseflow runs it, for
// `caseflow dev`, the chaos run and the tests alike: SQLite in WAL mode
// (3-4x the default file mode here), and eager activities, so the worker
// runs an activity it just scheduled (an e-mail) without a round trip.
// Projection writes are local activities and need neither.
func DevServerArgs() []string {
	return []string{
		"--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=1",
		"--dynamic-config-value", "system.enableActivityEagerExecution=true",
	}
}
