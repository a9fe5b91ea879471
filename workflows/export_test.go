package workflows

// BaselineChange is the one change a run started today asks for.
const BaselineChange = baselineChange
