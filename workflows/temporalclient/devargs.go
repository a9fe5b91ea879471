package temporalclient

// DevServerArgs tune the Temporal dev server as caseflow runs it, for
// `caseflow dev`, the chaos run, the bench and the tests alike:
//
//   - SQLite in WAL mode (3-4x the default file mode here);
//   - eager activities, so the worker runs an activity it just scheduled
//     (an e-mail) without a round trip (projection writes are local
//     activities and need neither);
//   - a new workflow's first task handed to a worker at once. Two
//     defaults held it back (README, "Performance"): a shard reads its
//     transfer queue, which hands that task to matching, at most 20 times
//     a second, so creates that follow one another each waited out the
//     last read's 50 ms (the dev server has one shard: every case shares
//     it); and a task queue has four partitions, so about one first task
//     in a hundred landed on one no poller was waiting on and waited 2 s.
//     Tasks now go to the root partition alone, which every partition's
//     pollers reach; all four are still read, so a dev database from
//     before this keeps its queued tasks. Update-with-start at c=1 went
//     from 48 ms p50 (2 s max) to 10-16 ms (45 ms max).
func DevServerArgs() []string {
	return []string{
		"--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=1",
		"--dynamic-config-value", "system.enableActivityEagerExecution=true",
		"--dynamic-config-value", "history.transferProcessorMaxPollRPS=1000",
		"--dynamic-config-value", "matching.numTaskqueueWritePartitions=1",
	}
}
